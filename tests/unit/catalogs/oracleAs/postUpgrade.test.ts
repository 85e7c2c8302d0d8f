// 004's manual post-upgrade tasks: listed per configured component, each answered by the site's command
// or "done", every missing one refused at preview at once, and the instance started only after them.
import * as assert from "assert";
import { oracleAs } from "../../../../providers/catalogs/oracleAs";
import { POST_UPGRADE_TASKS, applicableTasks } from "../../../../providers/catalogs/oracleAs/postUpgrade";
import { planInputProblems, planUpgrade } from "../../../../providers/engine/planning/planner";

const base = {
  installers: { destination: "site-install" },
  infrastructureCheck: "none",
  iasAdminPassword: "$UPCHAIN_SECRET_IAS_ADMIN",
  homeCommands: { start: "site-start", stop: "site-stop", emRunning: "site-em-running", emStart: "site-em-start" },
};
const problemsOf = (from: string, options: Record<string, unknown>) =>
  planInputProblems(oracleAs, planUpgrade(oracleAs, { installed: from, target: "10.1.2", platform: "linux", options }).hops, { platform: "linux", options });

describe("oracle-as: post-upgrade tasks (004: the instance starts once every manual task is done)", () => {
  it("preview refuses every unanswered task at once, naming each field as the user writes it and what to give", () => {
    const p = problemsOf("9.0.2.3", { ...base, components: ["httpServer", "oc4j"], postUpgradeTasks: { ossoPartner: "done" } });
    assert.deepStrictEqual(
      p.map((x) => x.path),
      [
        "options.postUpgradeTasks.httpServerFilesOutsideDefaults",
        "options.postUpgradeTasks.directiveTargets",
        "options.postUpgradeTasks.defaultDocumentRoot",
        "options.postUpgradeTasks.jaznLibraryPaths",
        "options.postUpgradeTasks.jaznDataFiles",
        "options.postUpgradeTasks.applicationXmlCustomizations",
        "options.postUpgradeTasks.bc4jRepackaging",
      ],
    );
    for (const x of p) assert.match(x.message, /give your site's command that does it, or "done"/);
    assert.match(p.find((x) => x.path.endsWith("jaznLibraryPaths"))!.message, /applicationXml/);
  });

  it("without components, preview asks for them and names the legal ones", () => {
    const p = problemsOf("9.0.4", base);
    assert.deepStrictEqual(
      p.map((x) => x.path),
      ["options.components"],
    );
    assert.match(p[0].message, /httpServer, oc4j, webCache, forms, reports/);
  });

  it("an unknown task name is refused naming the known ones; a bad component is refused by the schema", () => {
    const p = problemsOf("9.0.4", { ...base, components: ["webCache"], postUpgradeTasks: { webCacheWallet: "done", walletCheck: "done" } });
    assert.deepStrictEqual(
      p.map((x) => x.path),
      ["options.postUpgradeTasks.walletCheck"],
    );
    assert.match(p[0].message, /webCacheWallet/);
    const bad = oracleAs.optionProblems!({ platform: "linux", releases: [], options: { components: ["portal"] } });
    assert.deepStrictEqual(
      bad.map((x) => x.path),
      ["options.components[0]"],
    );
  });

  it("the destination starts (and a member returns to traffic) only after every applicable task", () => {
    const components = ["httpServer", "oc4j", "webCache", "forms", "reports"];
    const tasks = Object.fromEntries(POST_UPGRADE_TASKS.map((t) => [t.id, "done"]));
    const steps = planUpgrade(oracleAs, {
      installed: "9.0.2.3",
      target: "10.1.2",
      platform: "linux",
      options: { ...base, components, postUpgradeTasks: tasks, webCacheMember: true, webCache: { propagateCommand: "site-propagate" } },
    }).steps;
    const ids = steps.map((s) => s.id);
    const lastTask = Math.max(...ids.map((id, i) => (id.startsWith("post-upgrade-") ? i : -1)));
    assert.strictEqual(ids.filter((id) => id.startsWith("post-upgrade-")).length, POST_UPGRADE_TASKS.length);
    assert.ok(lastTask > ids.indexOf("upgrade-assistant"));
    assert.ok(lastTask < ids.indexOf("start-at-boot") && lastTask < ids.indexOf("start-destination"), ids.join(" "));
  });

  it('a site\'s command runs as given; a task confirmed "done" only says so and changes nothing', () => {
    const steps = planUpgrade(oracleAs, {
      installed: "9.0.4",
      target: "10.1.2",
      platform: "linux",
      options: {
        ...base,
        components: ["httpServer"],
        postUpgradeTasks: {
          ossoPartner: "done",
          httpServerFilesOutsideDefaults: "done",
          directiveTargets: "done",
          defaultDocumentRoot: "/srv/site/htdocs-copy --from 9.0.4",
        },
      },
    }).steps;
    const docRoot = steps.find((s) => s.id === "post-upgrade-defaultDocumentRoot")!;
    assert.deepStrictEqual([docRoot.commands, docRoot.destructive], [["/srv/site/htdocs-copy --from 9.0.4"], true]);
    const osso = steps.find((s) => s.id === "post-upgrade-ossoPartner")!;
    assert.strictEqual(osso.destructive, false);
    assert.match(osso.commands.join("\n"), /^echo .*done, as the stack confirms/);
  });

  it("which tasks apply follows the components and, for jazn, the 9.0.2 source", () => {
    assert.deepStrictEqual(
      applicableTasks("9.0.4", ["reports"]).map((t) => t.id),
      ["reportsFiles", "reportsStandaloneServers"],
    );
    assert.ok(applicableTasks("9.0.2.3", ["oc4j"]).some((t) => t.id === "jaznLibraryPaths"));
    assert.ok(!applicableTasks("9.0.3", ["oc4j"]).some((t) => t.id === "jaznLibraryPaths"));
  });
});
