// The Linux stand-in's scripts run by sh against a temporary layout: the failing component named from
// this run's part of iasua.log only, the source's EM Web Site stopped (and started again) once it holds
// the active Enterprise Manager, the site's home commands run with ORACLE_HOME set, 004's jazn library
// entries added once, and the console port reported from targets.xml.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { oracleAs } from "../../../../providers/catalogs/oracleAs";
import { Step } from "../../../../providers/engine/planning/catalog";
import { planUpgrade } from "../../../../providers/engine/planning/planner";

interface Layout {
  root: string;
  src: string;
  dest: string;
  backup: string;
  emtab: string;
}

function layout(): Layout {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "upchain oracle "));
  const l = { root, src: path.join(root, "ias902"), dest: path.join(root, "ias1012"), backup: path.join(root, "backups"), emtab: path.join(root, "emtab") };
  for (const d of [l.src, l.dest, l.backup]) fs.mkdirSync(d, { recursive: true });
  return l;
}

const options = (l: Layout, extra: Record<string, unknown> = {}) => ({
  sourceHome: l.src,
  destinationHome: l.dest,
  backupDir: l.backup,
  emtab: l.emtab,
  infrastructureCheck: "none",
  components: ["oc4j"],
  postUpgradeTasks: {
    jaznLibraryPaths: { applicationXml: path.join(l.dest, "j2ee/home/config/application.xml") },
    jaznDataFiles: "done",
    applicationXmlCustomizations: "done",
    bc4jRepackaging: "done",
  },
  installers: { destination: "true" },
  iasAdminPassword: "$UPCHAIN_SECRET_IAS_ADMIN",
  // the site's home commands, here over the fake emctl the tests write
  homeCommands: {
    start: 'echo "started $ORACLE_HOME" >> "$ORACLE_HOME/../started"',
    stop: 'echo "stopped $ORACLE_HOME" >> "$ORACLE_HOME/../stopped"',
    emRunning: '"$ORACLE_HOME/bin/emctl" status',
    emStart: '"$ORACLE_HOME/bin/emctl" start',
    reportsServerName: `sed -n 's/^SERVER_NAME=//p' "$ORACLE_HOME/reports/conf/rwservlet.properties"`,
  },
  ...extra,
});

const stepOf = (l: Layout, id: string, from = "9.0.2.3", extra: Record<string, unknown> = {}): Step =>
  planUpgrade(oracleAs, { installed: from, target: "10.1.2", platform: "linux", options: options(l, extra) }).steps.find((s) => s.id === id)!;
const run = (s: Step, env: Record<string, string> = {}) =>
  spawnSync("sh", ["-c", s.commands.join("\n")], { encoding: "utf8", env: { ...process.env, ...env } });

/** An executable script at `file`. */
function script(file: string, body: string) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

describe("oracle-as on Linux: the scripts (run by sh)", () => {
  let l: Layout;
  beforeEach(() => (l = layout()));
  afterEach(() => fs.rmSync(l.root, { recursive: true, force: true }));

  describe("the Upgrade Assistant's failing component comes from this run's part of iasua.log (004: the log is appended)", () => {
    const oldRun = '2026-12-01 Starting to upgrade component "Oracle HTTP Server"\n';
    beforeEach(() => {
      fs.mkdirSync(path.join(l.dest, "upgrade/log"), { recursive: true });
      fs.writeFileSync(path.join(l.dest, "upgrade/log/iasua.log"), oldRun);
    });

    it("a run that writes no line of its own is not blamed on an earlier run's component", () => {
      script(path.join(l.dest, "upgrade/iasua.sh"), "cat > /dev/null; exit 1");
      const r = run(stepOf(l, "upgrade-assistant"));
      assert.strictEqual(r.status, 1);
      assert.doesNotMatch(r.stderr, /Oracle HTTP Server/);
      assert.match(r.stderr, /unknown \(this run wrote no 'Starting to examine\/upgrade' line/);
    });

    it("a run that fails at a component names that component, not the earlier run's", () => {
      script(
        path.join(l.dest, "upgrade/iasua.sh"),
        `cat > /dev/null; echo 'Starting to upgrade component "OracleAS Web Cache"' >> "$(dirname "$0")/log/iasua.log"; exit 1`,
      );
      const r = run(stepOf(l, "upgrade-assistant"));
      assert.strictEqual(r.status, 1);
      assert.match(r.stderr, /failed at component: "OracleAS Web Cache"/);
    });
  });

  describe("the source's EM Web Site is stopped once it holds the active Enterprise Manager (004 l.32-36), whether it runs asked of the site", () => {
    let other: string;
    const withPassword = (s: Step) => ({ ...s, commands: s.commands.map((c) => c.replace('"$UPCHAIN_SECRET_IAS_ADMIN"', '"secret"')) });
    const recoverEm = () => {
      const hop = planUpgrade(oracleAs, { installed: "9.0.2.3", target: "10.1.2", platform: "linux", options: options(l) }).hops[0];
      return oracleAs.recoverSteps!(hop, { platform: "linux", releases: oracleAs.defaultReleases, options: options(l) }).find(
        (s) => s.id === "recover-em-web-site",
      )!;
    };
    beforeEach(() => {
      other = path.join(l.root, "ias903");
      // a fake emctl: status exits 0 while a 'running' file is there; stop needs the password on stdin
      for (const home of [l.src, other]) {
        script(
          path.join(home, "bin/emctl"),
          [
            `h=$(dirname "$(dirname "$0")")`,
            `case "$1" in status) [ -f "$h/running" ];; stop) read p; [ "$p" = secret ] && rm -f "$h/running" && echo "$h" >> "$h/stopped";; start) touch "$h/running";; esac`,
          ].join("\n"),
        );
      }
    });

    it("em_loc naming the source: SOURCE_ORACLE_HOME/bin/emctl stop, and the recovery starts it again there with the site's emStart", () => {
      fs.writeFileSync(path.join(l.src, "running"), "");
      fs.writeFileSync(l.emtab, `DEFAULT=${l.src}\n`);
      const r = run(withPassword(stepOf(l, "stop-em-web-site")));
      assert.strictEqual(r.status, 0, r.stderr);
      assert.ok(fs.existsSync(path.join(l.src, "stopped")), "the source's emctl stop ran");
      assert.ok(!fs.existsSync(path.join(l.src, "running")));
      assert.strictEqual(run(recoverEm()).status, 0);
      assert.ok(fs.existsSync(path.join(l.src, "running")), "started again where it ran");
    });

    it("another active home is refused before anything stops, saying the operator's emctl switch home (a dialog box)", () => {
      fs.writeFileSync(path.join(other, "running"), "");
      fs.writeFileSync(l.emtab, `DEFAULT=${other}\n`);
      const r = run(withPassword(stepOf(l, "stop-em-web-site")));
      assert.strictEqual(r.status, 1);
      assert.match(r.stderr, new RegExp(`names ${other} as the active Enterprise Manager home, not the source home ${l.src}\\.`));
      assert.match(r.stderr, /ACTIVE_EM_ORACLE_HOME\/bin\/emctl switch home and choose .*ias902 in the dialog box it opens/);
      assert.ok(fs.existsSync(path.join(other, "running")) && !fs.existsSync(path.join(other, "stopped")), "nothing stopped in the other home");
      assert.deepStrictEqual(fs.readdirSync(l.backup), [], "nothing noted: a later run reads em_loc again");
    });

    it("a source whose EM Web Site does not run (the site's emRunning fails) is neither stopped nor started again", () => {
      const r = run(withPassword(stepOf(l, "stop-em-web-site")));
      assert.strictEqual(r.status, 0, r.stderr);
      assert.match(r.stdout, /the EM Web Site is not running/);
      assert.strictEqual(run(recoverEm()).status, 0);
      assert.ok(!fs.existsSync(path.join(l.src, "running")), "not started: it did not run before");
    });

    it("an active EM home that is not a plain absolute path is refused (the file is data)", () => {
      fs.writeFileSync(l.emtab, "DEFAULT=$(touch /tmp/pwned)\n");
      const r = run(stepOf(l, "stop-em-web-site"));
      assert.strictEqual(r.status, 1);
      assert.match(r.stderr, /not an absolute path/);
    });
  });

  describe("the site's home commands run with ORACLE_HOME set to the home they act on", () => {
    it("stop-opmn stops the destination, then the source; a home that is not there is skipped", () => {
      const r = run(stepOf(l, "stop-opmn"));
      assert.strictEqual(r.status, 0, r.stderr);
      assert.strictEqual(fs.readFileSync(path.join(l.root, "stopped"), "utf8"), `stopped ${l.dest}\nstopped ${l.src}\n`);
      fs.rmSync(l.dest, { recursive: true });
      const again = run(stepOf(l, "stop-opmn"));
      assert.strictEqual(again.status, 0, again.stderr);
      assert.match(again.stdout, /ias1012 is not there: nothing of it runs/);
    });

    it("a failing site command fails the step (its own exit ends only its subshell, its status is the step's)", () => {
      const r = run(stepOf(l, "start-destination", "9.0.2.3", { homeCommands: { start: "echo no >&2; exit 3; echo after", stop: "true" } }));
      assert.strictEqual(r.status, 3);
      assert.doesNotMatch(r.stdout, /after/);
    });

    it("the Reports server's name is what the site's command prints (first line); printing nothing fails the step", () => {
      const reports = { components: ["reports"], postUpgradeTasks: { reportsFiles: "done", reportsStandaloneServers: "done" } };
      const value = (stepOf(l, "reports-server-name", "9.0.2.3", reports) as Step & { valueCommand: string }).valueCommand;
      fs.mkdirSync(path.join(l.dest, "reports/conf"), { recursive: true });
      fs.writeFileSync(path.join(l.dest, "reports/conf/rwservlet.properties"), "SERVER_NAME=rep_src\nSERVER_NAME=second\n");
      const r = spawnSync("sh", ["-c", value], { encoding: "utf8" });
      assert.deepStrictEqual([r.status, r.stdout], [0, "rep_src\n"]);
      fs.writeFileSync(path.join(l.dest, "reports/conf/rwservlet.properties"), "OTHER=x\n");
      const empty = spawnSync("sh", ["-c", value], { encoding: "utf8" });
      assert.strictEqual(empty.status, 1);
      assert.match(empty.stderr, /options\.homeCommands\.reportsServerName printed no name for .*ias1012/);
    });
  });

  describe("004's jazn.jar and jazncore.jar library entries (9.0.2 sources)", () => {
    const xml = () => path.join(l.dest, "j2ee/home/config/application.xml");
    const entry = (jar: string) => `<library path="${l.dest}/j2ee/home/${jar}"/>`;

    it("are added beside the last library entry, once: a second run changes nothing", () => {
      fs.mkdirSync(path.dirname(xml()), { recursive: true });
      fs.writeFileSync(xml(), `<orion-application>\n  <library path="../../home/lib"/>\n  <principals path="principals.xml"/>\n</orion-application>\n`);
      const s = stepOf(l, "post-upgrade-jaznLibraryPaths");
      assert.strictEqual(run(s).status, 0);
      const once = fs.readFileSync(xml(), "utf8");
      assert.deepStrictEqual(once.split("\n").slice(1, 4), ['  <library path="../../home/lib"/>', entry("jazn.jar"), entry("jazncore.jar")]);
      const second = run(s);
      assert.match(second.stdout, /already has both/);
      assert.strictEqual(fs.readFileSync(xml(), "utf8"), once);
    });

    it("a file with no library entry is left alone and the step says what to add", () => {
      fs.mkdirSync(path.dirname(xml()), { recursive: true });
      fs.writeFileSync(xml(), "<orion-application/>\n");
      const r = run(stepOf(l, "post-upgrade-jaznLibraryPaths"));
      assert.strictEqual(r.status, 1);
      assert.match(r.stderr, /jazncore\.jar/);
      assert.strictEqual(fs.readFileSync(xml(), "utf8"), "<orion-application/>\n");
    });

    it("are not a task for a 9.0.3 or 9.0.4 source (004 names 9.0.2)", () => {
      for (const from of ["9.0.3", "9.0.4"]) assert.strictEqual(stepOf(l, "post-upgrade-jaznLibraryPaths", from), undefined);
    });
  });

  it("the console port is reported from targets.xml's StandaloneConsoleURL, with 004's 1810 -> 1812 note for a 9.0.2 source", () => {
    fs.mkdirSync(path.join(l.dest, "sysman/emd"), { recursive: true });
    fs.writeFileSync(
      path.join(l.dest, "sysman/emd/targets.xml"),
      `<Targets>\n<Target TYPE="oracle_ias"><Property NAME="StandaloneConsoleURL" VALUE="http://mid.example:1812/emd/console"/></Target>\n</Targets>\n`,
    );
    const r = run(stepOf(l, "report-console-port"));
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /console port: 1812 .*1812 after a 9\.0\.2 or 9\.0\.3 source/);
    assert.match(r.stdout, /portlist\.ini keeps the installer's values/);
  });
});
