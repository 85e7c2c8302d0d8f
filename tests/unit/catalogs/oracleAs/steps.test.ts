// The Oracle AS steps in the document's order on each platform, what preview demands before any host
// is touched, and commands that stay one word per value whatever the paths hold.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { oracleAs } from "../../../../providers/catalogs/oracleAs";
import { PlanContext, stepOfAction } from "../../../../providers/engine/planning/catalog";
import { planInputProblems, planUpgrade } from "../../../../providers/engine/planning/planner";
import { psLiterals } from "../../../support/powershell";

type Os = "linux" | "windows";
const full = (os: Os): Record<string, unknown> => ({
  ...(os === "windows"
    ? {
        sourceHome: "D:\\oracle\\ias902",
        destinationHome: "D:\\oracle\\ias1012",
        windowsSourceService: "OracleIAS902ProcessManager",
        windowsDestinationService: "OracleIAS1012ProcessManager",
      }
    : {}),
  installers: { patchSet: "/srv/media/3038037/runInstaller -silent", destination: "/srv/media/10.1.2/runInstaller -silent" },
  iasAdminPassword: "$UPCHAIN_SECRET_IAS_ADMIN",
  infrastructureCheck: "/srv/site/infrastructure-answers",
  homeCommands: {
    start: "/srv/site/oh start",
    stop: "/srv/site/oh stop",
    emRunning: "/srv/site/oh em-running",
    emStart: "/srv/site/oh em-start",
    reportsServerName: "/srv/site/oh reports-name",
  },
  components: ["httpServer", "webCache"],
  postUpgradeTasks: {
    ossoPartner: "done",
    httpServerFilesOutsideDefaults: "done",
    directiveTargets: "done",
    defaultDocumentRoot: "/srv/site/copy-htdocs",
    webCacheWallet: "done",
  },
});
const plan = (from: string, options: Record<string, unknown> = full("linux"), platform: Os = "linux") =>
  planUpgrade(oracleAs, { installed: from, target: "10.1.2", platform, options });
const ids = (from: string, options?: Record<string, unknown>) => plan(from, options).steps.map((s) => `${s.hop}:${s.id}`);
const ctx = (options: Record<string, unknown>, platform: Os = "linux"): PlanContext => ({ platform, releases: ["9.0.2.3", "10.1.2"], options });

describe("oracle-as: steps", () => {
  it("9.0.2.0: the patch set in place, then 10.1.2 side by side, in the document's order", () => {
    assert.deepStrictEqual(ids("9.0.2.0"), [
      "9.0.2.0->9.0.2.3:check-infrastructure",
      "9.0.2.0->9.0.2.3:stop-em-web-site",
      "9.0.2.0->9.0.2.3:stop-opmn",
      "9.0.2.0->9.0.2.3:backup",
      "9.0.2.0->9.0.2.3:apply-patch-set",
      "9.0.2.0->9.0.2.3:start-source",
      "9.0.2.0->9.0.2.3:start-em-web-site",
      "9.0.2.0->9.0.2.3:verify",
      "9.0.2.3->10.1.2:check-infrastructure",
      "9.0.2.3->10.1.2:install-destination",
      "9.0.2.3->10.1.2:stop-em-web-site",
      "9.0.2.3->10.1.2:stop-opmn",
      "9.0.2.3->10.1.2:backup",
      "9.0.2.3->10.1.2:upgrade-assistant",
      "9.0.2.3->10.1.2:check-ssl",
      "9.0.2.3->10.1.2:post-upgrade-ossoPartner",
      "9.0.2.3->10.1.2:post-upgrade-httpServerFilesOutsideDefaults",
      "9.0.2.3->10.1.2:post-upgrade-directiveTargets",
      "9.0.2.3->10.1.2:post-upgrade-defaultDocumentRoot",
      "9.0.2.3->10.1.2:post-upgrade-webCacheWallet",
      "9.0.2.3->10.1.2:start-at-boot",
      "9.0.2.3->10.1.2:start-destination",
      "9.0.2.3->10.1.2:verify",
      "9.0.2.3->10.1.2:start-console",
      "9.0.2.3->10.1.2:report-console-port",
    ]);
  });

  it("the EM Web Site is stopped for 9.0.2 and 9.0.3 sources, never for 9.0.4", () => {
    assert.ok(ids("9.0.3").includes("9.0.3->10.1.2:stop-em-web-site"));
    assert.ok(!ids("9.0.4").some((s) => s.endsWith("stop-em-web-site")));
  });

  it("the Infrastructure is checked before anything stops, OPMN is stopped in both homes before the Upgrade Assistant", () => {
    const s = plan("9.0.4").steps;
    const at = (id: string) => s.findIndex((x) => x.id === id);
    assert.strictEqual(at("check-infrastructure"), 0);
    assert.ok(at("stop-opmn") < at("upgrade-assistant"));
    const stop = s[at("stop-opmn")].commands.join("\n");
    // the site's stop (004 gives none), with ORACLE_HOME set to each home
    assert.match(stop, /ORACLE_HOME=\/u01\/app\/oracle\/product\/10\.1\.2; export ORACLE_HOME\n\/srv\/site\/oh stop\n/);
    assert.match(stop, /ORACLE_HOME=\/u01\/app\/oracle\/product\/9\.0\.2; export ORACLE_HOME\n\/srv\/site\/oh stop\n/);
    // the source's stop ends the step: a cluster's last old member then returns the upgraded members to the invalidation pool at once
    assert.match(
      s[at("stop-opmn")].commands.at(-1)!,
      /ORACLE_HOME=\/u01\/app\/oracle\/product\/9\.0\.2; export ORACLE_HOME\n\/srv\/site\/oh stop/,
      "the source home is stopped last",
    );
    assert.ok(at("backup") < s.findIndex((x) => x.destructive), "the backup comes before the first destructive step");
    assert.match(s[at("upgrade-assistant")].commands.join("\n"), /upgrade\/iasua\.sh -sourcehome \/u01\/app\/oracle\/product\/9\.0\.2/);
    assert.match(s[at("upgrade-assistant")].commands.join("\n"), /Starting to \(examine\|upgrade\)/);
  });

  it("options add the JVM heap edit, the Web Cache start and the site's propagation, and the farm decommission after the verify", () => {
    const steps = plan("9.0.4", {
      ...full("linux"),
      oc4jMaxHeap: "1024m",
      webCacheMember: true,
      webCache: { propagateCommand: "/srv/site/propagate --cluster wc" },
      decommissionSource: true,
    }).steps;
    const heap = stepOfAction(
      steps.find((s) => s.id === "oc4j-jvm-heap")!,
      "edit",
    );
    assert.deepStrictEqual(
      [heap.action, heap.file, heap.edit, heap.value],
      ["edit", "/u01/app/oracle/product/10.1.2/upgrade/Oc4jPlugin.cfg", "jvm-max-heap", "1024m"],
    );
    assert.ok(steps.findIndex((s) => s.id === "oc4j-jvm-heap") < steps.findIndex((s) => s.id === "upgrade-assistant"));
    const start = steps.find((s) => s.id === "web-cache-start")!;
    assert.match(start.commands.join("\n"), /10\.1\.2\/opmn\/bin\/opmnctl startproc ias-component=WebCache$/);
    assert.strictEqual(start.provenance?.kind, "document");
    const propagate = steps.find((s) => s.id === "web-cache-propagate")!;
    assert.deepStrictEqual(propagate.commands, ["/srv/site/propagate --cluster wc"]);
    assert.deepStrictEqual(propagate.provenance && propagate.provenance.kind === "site" && propagate.provenance.field, "options.webCache.propagateCommand");
    assert.ok(steps.indexOf(start) + 1 === steps.indexOf(propagate), "the site's propagation right after opmnctl startproc");
    assert.ok(!steps.some((s) => /webcachectl/.test(s.commands.join("\n"))), "webcachectl (a start/stop tool) never propagates");
    assert.deepStrictEqual(
      steps.slice(-4).map((s) => s.id),
      ["verify", "start-console", "report-console-port", "leave-farm"],
    );
  });

  it("a failed 10.1.2 hop stops the destination, restores only what changed, starts the source and its EM Web Site", () => {
    const hop = plan("9.0.3").hops[0];
    const c = ctx(full("linux"));
    assert.deepStrictEqual(
      oracleAs.restoreSteps(hop, c).map((s) => s.id),
      ["restore-source"],
    );
    assert.match(
      oracleAs.restoreSteps(hop, c)[0].commands.join("\n"),
      /-dzf "\$archive"/,
      "the home is compared with the restore point before anything is removed",
    );
    const recover = oracleAs.recoverSteps!(hop, c);
    assert.deepStrictEqual(
      recover.map((s) => s.id),
      ["recover-stop-destination", "recover-start-source", "recover-em-web-site"],
    );
    assert.match(recover[1].commands.join("\n"), /ORACLE_HOME=\/u01\/app\/oracle\/product\/9\.0\.2; export ORACLE_HOME\n\/srv\/site\/oh start/);
    assert.ok(
      !oracleAs.recoverSteps!(plan("9.0.4").hops[0], c).some((s) => s.id === "recover-em-web-site"),
      "a 9.0.4 source has no EM Web Site to start again",
    );
  });

  it("preview names every missing input at once", () => {
    const hops = plan("9.0.2.0", {}).hops;
    const problems = planInputProblems(oracleAs, hops, { platform: "linux", options: {} });
    assert.deepStrictEqual([...new Set(problems.map((p) => p.path))].sort(), [
      "options.components",
      "options.homeCommands.emRunning",
      "options.homeCommands.emStart",
      "options.homeCommands.start",
      "options.homeCommands.stop",
      "options.iasAdminPassword",
      "options.infrastructureCheck",
      "options.installers.destination",
      "options.installers.patchSet",
    ]);
    assert.match(
      problems.find((p) => p.path === "options.homeCommands.stop")!.message,
      /OPMN must be stopped before the Upgrade Assistant\) and 004 gives no command for it: give your site's command that stops OPMN and every process it manages in \$ORACLE_HOME/,
    );
    const win = planInputProblems(oracleAs, planUpgrade(oracleAs, { installed: "9.0.4", target: "10.1.2", platform: "windows", options: {} }).hops, {
      platform: "windows",
      options: {},
    });
    assert.deepStrictEqual([...new Set(win.map((p) => p.path))].sort(), [
      "options.components",
      "options.homeCommands.start",
      "options.homeCommands.stop",
      "options.infrastructureCheck",
      "options.installers.destination",
      "options.windowsDestinationService",
      "options.windowsSourceService",
    ]);
    const reports = planInputProblems(oracleAs, plan("9.0.4").hops, {
      platform: "linux",
      options: {
        ...full("linux"),
        homeCommands: { start: "s", stop: "t" },
        components: ["reports"],
        postUpgradeTasks: { reportsFiles: "done", reportsStandaloneServers: "done" },
      },
    });
    assert.deepStrictEqual(
      reports.map((p) => p.path),
      ["options.homeCommands.reportsServerName"],
      "a middle tier with Reports needs the site's way to read the server's name",
    );
    assert.match(reports[0].message, /004 says the name is in rwservlet\.properties \(l\.371-372\) but not under which key/);
  });

  it("what 004 does without giving the command is the site's: no opmnctl startall/stopall/status, emctl status/start, rwservlet key or .exe/.bat in any step", () => {
    for (const platform of ["linux", "windows"] as Os[]) {
      const o = {
        ...full(platform),
        webCacheMember: true,
        webCache: { propagateCommand: "/srv/site/propagate" },
        decommissionSource: true,
        components: ["httpServer", "webCache", "reports"],
        postUpgradeTasks: { ...(full(platform).postUpgradeTasks as object), reportsFiles: "done", reportsStandaloneServers: "done" },
      };
      for (const from of ["9.0.2.0", "9.0.3", "9.0.4"]) {
        const p = plan(from, o, platform);
        const all = [...p.steps, ...p.hops.flatMap((h) => [...oracleAs.restoreSteps(h, ctx(o, platform)), ...oracleAs.recoverSteps!(h, ctx(o, platform))])];
        for (const s of all) {
          const text = s.commands.join("\n") + ("valueCommand" in s && s.valueCommand ? `\n${s.valueCommand}` : "");
          assert.doesNotMatch(text, /opmnctl\S* +(startall|stopall|status)\b/, `${platform} ${from} ${s.id}`);
          assert.doesNotMatch(text, /emctl\S* +(status|start)\b(?! iasconsole)|\$emctl (status|start)\b/, `${platform} ${from} ${s.id}`);
          assert.doesNotMatch(text, /SERVER(_NAME)?=|server\(_name\)/i, `${platform} ${from} ${s.id}`);
          assert.doesNotMatch(text, /\b(opmnctl|emctl|dcmctl)\.(exe|bat)\b/, `${platform} ${from} ${s.id}: 004 gives these tools without an extension`);
          if (/\/srv\/site\/oh (start|stop|em-start)/.test(text) && !["stop-em-web-site", "restore-source"].includes(s.id)) {
            assert.strictEqual(s.provenance.kind, "site", `${platform} ${from} ${s.id} runs a site command`);
          }
        }
        const reports = p.steps.find((s) => s.id === "reports-server-name")!;
        assert.match(platform === "linux" ? stepOfAction(reports, "edit").valueCommand! : reports.commands.join("\n"), /\/srv\/site\/oh reports-name/);
      }
      assert.ok(
        !plan("9.0.3", full(platform), platform).steps.some((s) => s.id === "reports-server-name"),
        "no Reports in options.components: no Reports step",
      );
    }
  });

  it("bad options are refused naming the field and the rule", () => {
    const problems = oracleAs.optionProblems!(
      ctx({ sourceHome: "u01/ias", destinationHome: "/u01/app/oracle/product/9.0.2/new", oc4jMaxHeap: "lots", iasAdminPassword: "hunter2", instalers: {} }),
    );
    const paths = problems.map((p) => p.path);
    for (const f of ["options.sourceHome", "options.oc4jMaxHeap", "options.iasAdminPassword", "options.instalers"])
      assert.ok(paths.includes(f), `${f} in ${paths.join(", ")}`);
    assert.match(problems.find((p) => p.path === "options.instalers")!.message, /installers/);
    assert.ok(!JSON.stringify(problems).includes("hunter2"), "a password typed in place of a reference is never echoed");
    const nul = oracleAs.optionProblems!(ctx({ installers: { destination: "runInstaller\u0000 -silent" } }, "linux"));
    assert.deepStrictEqual(
      nul.map((p) => p.path),
      ["options.installers.destination"],
      "a NUL byte in a site's command is refused, naming it",
    );
    const wildcard = oracleAs.optionProblems!(ctx({ windowsSourceService: "Oracle*" }, "windows"));
    assert.deepStrictEqual(
      wildcard.map((p) => p.path),
      ["options.windowsSourceService"],
      "a wildcard service name would stop several services",
    );
    const overlap = oracleAs.optionProblems!(ctx({ sourceHome: "/u01/ias", destinationHome: "/u01/ias/new" }));
    assert.deepStrictEqual(
      overlap.map((p) => p.path),
      ["options.destinationHome"],
    );
  });

  const hostile = ["/u01/o'racle home", "/u01/$(touch pwned)", "/u01/`id`", "/u01/a;b", "/u01/-rf", '/u01/"x"', "/u01/a\\b"];
  it("every sh command of every step parses (sh -n), each hostile path staying one quoted word", function () {
    this.timeout(30_000); // runs sh a few hundred times
    for (const home of hostile) {
      const o = {
        ...full("linux"),
        sourceHome: home,
        destinationHome: `${home}-10g`,
        backupDir: `/var/backups/${home.slice(5)}`,
        oc4jMaxHeap: "1024m",
        webCacheMember: true,
        webCache: { propagateCommand: "true" },
        decommissionSource: true,
        components: ["oc4j"],
        postUpgradeTasks: {
          jaznLibraryPaths: { applicationXml: `${home}-10g/j2ee/home/config/application.xml` },
          jaznDataFiles: "done",
          applicationXmlCustomizations: "done",
          bc4jRepackaging: "done",
        },
      };
      const p = plan("9.0.2.0", o);
      const all = [...p.steps, ...p.hops.flatMap((h) => [...oracleAs.restoreSteps(h, ctx(o)), ...oracleAs.recoverSteps!(h, ctx(o))])];
      for (const s of all) {
        const r = spawnSync("sh", ["-n", "-c", s.commands.join("\n")], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, `${home} ${s.id}: ${r.stderr}`);
      }
    }
  });

  it("Windows: every PowerShell line's literals close, with hostile paths and service names", () => {
    for (const home of ["D:\\o'racle", "D:\\ora ‘cle’", "D:\\$(x)"]) {
      const o = {
        ...full("windows"),
        sourceHome: home,
        destinationHome: `${home}10g`,
        oc4jMaxHeap: "1024m",
        webCacheMember: true,
        webCache: { propagateCommand: "& C:\\site\\propagate.ps1" },
        decommissionSource: true,
        components: ["oc4j", "reports"],
        postUpgradeTasks: {
          jaznLibraryPaths: { applicationXml: `${home}10g\\j2ee\\home\\config\\application.xml` },
          jaznDataFiles: "done",
          applicationXmlCustomizations: "done",
          bc4jRepackaging: "done",
          reportsFiles: "done",
          reportsStandaloneServers: "done",
        },
      };
      const p = plan("9.0.2.0", o, "windows");
      const all = [...p.steps, ...p.hops.flatMap((h) => [...oracleAs.restoreSteps(h, ctx(o, "windows")), ...oracleAs.recoverSteps!(h, ctx(o, "windows"))])];
      for (const s of all) {
        assert.strictEqual(s.shell, "powershell");
        for (const line of s.commands) assert.doesNotThrow(() => psLiterals(line), `${s.id}: ${line}`);
      }
      assert.ok(
        all.some((s) => s.commands.join("\n").includes("HKLM:\\SOFTWARE\\ORACLE") && s.commands.join("\n").includes("em_loc")),
        "the active EM home comes from the registry key the document names",
      );
      assert.ok(all.some((s) => s.commands.join("\n").includes("iasua.bat")));
    }
  });
});
