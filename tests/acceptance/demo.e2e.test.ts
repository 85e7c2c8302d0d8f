// `npm run demo` as a user runs it (bash scripts/demo.sh, for real), the first time on a freshly booted
// machine: no hosts' run folder (a boot empties /run) and no demo state. It installs the old versions,
// previews each server's chain and steps, upgrades every product (checked on the hosts themselves), and
// prints the installed versions; run again it changes nothing; and `--reset` puts the old versions back
// with the demo stack's state forgotten.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { altazionEvents, moduleVersion } from "../support/altazionFixture";
import { groupmaxLog, groupmaxState } from "../support/groupmaxFixture";
import { haproxyEvents, serverAdminStates } from "../support/haproxyFixture";
import { hostInfo, onHost, requireRoot, stopHosts } from "../support/hosts";
import { homeState, oracleEvents } from "../support/oracleAsFixture";
import { DESTINATION_HOME, SOURCE_HOME } from "../support/oracleAsProject";
import { engineEnv, repoRoot } from "../support/pulumi";
import { DEMO_HOSTS } from "../../scripts/demoHosts";

const HOSTS = Object.keys(DEMO_HOSTS);
const MEMBERS = ["demo-wc1", "demo-wc2"];

interface DemoRun {
  code: number;
  output: string;
  seconds: number;
  /** The output of one `== title` section of the script (up to the next one). */
  section(title: RegExp): string;
}

function demo(...args: string[]): DemoRun {
  const t0 = Date.now();
  // stderr into stdout, so the output reads in the order a user sees it
  const r = spawnSync("bash", ["-c", 'exec bash scripts/demo.sh "$@" 2>&1', "demo.sh", ...args], {
    cwd: repoRoot,
    env: engineEnv(),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: 30 * 60_000,
  });
  const output = r.stdout ?? "";
  const sections = output.split(/\n(?=== )/);
  return {
    code: r.status ?? -1,
    output,
    seconds: (Date.now() - t0) / 1000,
    section: (title) => sections.find((s) => title.test(s.split("\n")[0])) ?? "",
  };
}

function ok(r: DemoRun): DemoRun {
  assert.strictEqual(r.code, 0, `scripts/demo.sh exited ${r.code}:\n${r.output.slice(-20_000)}`);
  return r;
}

/**
 * Folders the first run must make for itself, pointed at before they exist: the hosts' run folder and
 * the demo stack's state (scripts/demo.sh reads UPCHAIN_HOSTS_RUN and UPCHAIN_DEMO_STATE).
 */
const fresh = { root: "", hostsRun: "", state: "" };
const ENV_KEYS = ["UPCHAIN_HOSTS_RUN", "UPCHAIN_DEMO_STATE"] as const;
const savedEnv: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};

/** The pulumi CLI on the demo's own state, as scripts/demo.sh sets it up. */
function demoPulumi(...args: string[]): string {
  const env = { ...engineEnv(), PULUMI_BACKEND_URL: `file://${fresh.state}`, PULUMI_CONFIG_PASSPHRASE: "upchain-demo" };
  const r = spawnSync("pulumi", [...args, "--stack", "demo", "--non-interactive"], { cwd: repoRoot, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.strictEqual(r.status, 0, `pulumi ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

const omflowPage = () => onHost("demo-omf", "curl -s -m 10 http://127.0.0.1/");
const altazion = (m: "ecommerce" | "gestioncommerciale" | "database") => moduleVersion({ name: "demo-az", root: hostInfo("demo-az").root }, m);
/** Each server's admin state per backend, from HAProxy's runtime API. */
const pools = () =>
  Object.fromEntries(Object.entries(serverAdminStates("demo-lb")).map(([server, admin]) => [server, admin === 0 ? "ready" : `admin=${admin}`]));
const allReady = { "traffic/demo-wc1": "ready", "traffic/demo-wc2": "ready", "invalidation/demo-wc1": "ready", "invalidation/demo-wc2": "ready" };
/** What the products did (not the traffic they served): grows only when something runs on a host. */
function activity(): Record<string, number> {
  return {
    groupmax: groupmaxLog("demo-gmx").length,
    oracle: MEMBERS.map((n) => oracleEvents(n).filter((e) => !/^(invalidation|forward|configuration)/.test(e.event)).length).reduce((a, b) => a + b),
    altazion: altazionEvents("demo-az").filter((e) => /^(install|backup|files|pool|app-offline|sql|hook)/.test(e.event)).length,
    omflow: Number(onHost("demo-omf", "find /var/backups/upchain /var/lib/upchain 2>/dev/null | wc -l").trim()),
  };
}

describe("npm run demo: the demo hosts upgraded along each chain, then no changes, then --reset", function () {
  this.timeout(60 * 60 * 1000);
  const timings: string[] = [];

  before(() => {
    requireRoot();
    engineEnv(); // says how to get the pulumi CLI when it is missing
    for (const [cmd, how] of [
      ["npm", "Node 22 with npm (scripts/test.sh puts it on PATH)"],
      ["curl", "apt-get install -y curl"],
    ]) {
      if (spawnSync("sh", ["-c", `command -v ${cmd}`]).status !== 0) throw new Error(`${cmd} is missing: install ${how}`);
    }
    // demo hosts already running in the usual run folder would hold the demo's addresses
    stopHosts(...HOSTS);
    fresh.root = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-demo-first-"));
    fresh.hostsRun = path.join(fresh.root, "hosts-run");
    fresh.state = path.join(fresh.root, "state");
    for (const k of ENV_KEYS) savedEnv[k] = process.env[k];
    // the demo (a child) and this test's own look at the hosts (onHost, hostInfo) both use them
    process.env.UPCHAIN_HOSTS_RUN = fresh.hostsRun;
    process.env.UPCHAIN_DEMO_STATE = fresh.state;
  });
  after(() => {
    console.log(`      demo timings: ${timings.join("; ")}`);
    stopHosts(...HOSTS);
    for (const k of ENV_KEYS) {
      if (savedEnv[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
    if (fresh.root) fs.rmSync(fresh.root, { recursive: true, force: true });
  });

  let first: DemoRun;
  it("the first run, on a machine with no hosts' run folder and no demo state, installs the old versions, and its preview shows each server's chain and steps before any host changes", () => {
    assert.ok(!fs.existsSync(fresh.hostsRun) && !fs.existsSync(fresh.state), "the run folder and the state must not exist before the first run");
    first = ok(demo());
    timings.push(`first run, nothing in the run folder ${first.seconds.toFixed(0)} s`);
    assert.ok(fs.existsSync(path.join(fresh.hostsRun, "demo-omf")), "the hosts ran in the folder the first run made");
    const installed = first.section(/^== installing the old versions/);
    for (const row of [
      /demo-omf\s+OMFLOW\s+1\.1\.6\.1/,
      /demo-gmx\s+Groupmax\s+02-00/,
      /demo-wc1\s+Oracle AS Web Cache\s+9\.0\.2\.3\.0 \(\/u01\/app\/oracle\/product\/9\.0\.2 mid, running\)/,
      /demo-az\s+Altazion Office\s+ecommerce 5\.1\.0\.0, gestioncommerciale 5\.1\.0\.0, database 5\.1\.0\.0/,
    ]) {
      assert.match(installed, row, "the old versions, read on the hosts before the preview");
    }
    const preview = first.section(/^== pulumi preview --diff/);
    assert.match(preview, /"1\.1\.6\.1->1\.2\.0\.0 \(omflow\.1\.2\.0\.0-python-3\.11\)"[\s\S]*"1\.2\.0\.0->1\.2\.0\.1 \(omflow\.same-feature\)"/);
    for (const step of [
      "backup",
      "upload-bundle",
      "remove-venv",
      "install-python",
      "create-venv",
      "apache-wsgi-module",
      "run-patch",
      "restart-apache",
      "verify",
    ])
      assert.match(preview, new RegExp(`"1\\.1\\.6\\.1->1\\.2\\.0\\.0 ${step}: `), `OMFLOW step ${step}`);
    assert.match(preview, /"02-00->06-00 \(groupmax\.v2\.0-to-v6\)"/);
    for (const step of ["upload-1", "reboot", "install-object-server", "services-add", "advup2_6", "verify"])
      assert.match(preview, new RegExp(`"02-00->06-00 ${step}: `), `Groupmax step ${step}`);
    assert.match(preview, /"02-00->06-00 \/etc\/services \+= adagt_ap 9080\/tcp"/);
    assert.match(preview, /"9\.0\.2\.3->10\.1\.2 \(oracle-as\.side-by-side-to-10\.1\.2\)"/);
    assert.match(preview, /"9\.0\.2\.3->10\.1\.2 upgrade-assistant: /);
    const rollout = [...preview.matchAll(/"(demo-wc\d): (invalidation-remove|upgrade|invalidation-add)"/g)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepStrictEqual(
      rollout,
      ["demo-wc1 invalidation-remove", "demo-wc1 upgrade", "demo-wc2 upgrade", "demo-wc1 invalidation-add"],
      "the cluster's rollout, one member at a time",
    );
    for (const [m, from, to] of [
      ["ecommerce", "5.1.0.0", "5.2.0.0"],
      ["gestioncommerciale", "5.1.0.0", "5.2.1.0"],
      ["database", "5.1.0.0", "5.2.0.0"],
    ]) {
      assert.match(
        preview,
        new RegExp(`"${m}: installed ${from.replace(/\./g, "\\.")} -> available ${to.replace(/\./g, "\\.")} -> target ${to.replace(/\./g, "\\.")}"`),
      );
      assert.match(preview, new RegExp(`"${m} ${from.replace(/\./g, "\\.")}->${to.replace(/\./g, "\\.")} install: \\[http\\] Press Installer`));
    }
  });

  it("its up shows each step as it runs (server by its name in the stack, hop, step number, how long), and every product is upgraded on its host", () => {
    const up = first.section(/^== pulumi up \(stack demo\)/);
    assert.match(up, /upchain demo-omf: \[1\.1\.6\.1->1\.2\.0\.0 \d+\/\d+\] Install Python 3\.11/);
    assert.match(up, /upchain demo-gmx: \[02-00->06-00 \d+\/\d+\] done in \d+s/, "each step's duration");
    assert.match(up, /upchain demo-omf: \[1\.2\.0\.0->1\.2\.0\.1 \d+\/\d+\] Run \.\/patch\.sh for 1\.2\.0\.1/);
    assert.match(up, /upchain demo-gmx: \[02-00->06-00 \d+\/\d+\] Shut the machine down and restart it/);
    for (const member of ["demo-wc1", "demo-wc2"])
      assert.match(up, new RegExp(`upchain ${member}: \\[9\\.0\\.2\\.3->10\\.1\\.2 \\d+/\\d+\\] Run the Upgrade Assistant`));
    assert.match(up, /upchain demo-az: \[gestioncommerciale 5\.1\.0\.0->5\.2\.1\.0 \d+\/\d+\] Press Installer/);
    assert.match(up, /\+ +\d+ created/);
    assert.match(up, /wrote \S+\/\.upchain\/demo-run\.svg: 5 server\(s\), \d+ step\(s\)/, "the run's picture, from the run records");
    assert.match(fs.readFileSync(`${repoRoot}/.upchain/demo-run.svg`, "utf8"), /upchain demo: 5 server\(s\)/);

    assert.match(omflowPage(), /^OMFLOW 1\.2\.0\.1\nDjango 4\.2\nPython 3\.11/, "Apache serves the new OMFLOW from the Python 3.11 environment");
    assert.match(onHost("demo-omf", "cat /etc/apache2/sites-enabled/django.conf"), /LoadModule wsgi_module \/opt\/omflow\/python\/lib\/python3\.11\//);
    const gmx = groupmaxState("demo-gmx");
    assert.strictEqual(gmx.version, "06-00");
    assert.deepStrictEqual(gmx.running, ["objsrv", "address", "server"]);
    assert.match(gmx.services, /^adagt_ap\s+9080\/tcp/m);
    assert.ok(
      groupmaxLog("demo-gmx").some((l) => /^boot /.test(l)),
      "the Groupmax host was rebooted",
    );
    for (const n of MEMBERS) {
      const dest = homeState(n, DESTINATION_HOME);
      assert.match(dest.version ?? "", /^10\.1\.2/, n);
      assert.strictEqual(dest.opmnRunning, true, `${n} runs its 10.1.2 home`);
      assert.strictEqual(homeState(n, SOURCE_HOME).opmnRunning, false, `${n}'s 9.0.2 home is stopped`);
    }
    assert.deepStrictEqual(pools(), allReady, "every member back in both HAProxy pools");
    assert.ok(
      haproxyEvents("demo-lb").some((e) => e.backend === "invalidation" && e.server === "demo-wc1" && e.event === "maint"),
      "demo-wc1 left the invalidation pool during the rollout",
    );
    assert.deepStrictEqual([altazion("ecommerce"), altazion("gestioncommerciale"), altazion("database")], ["5.2.0.0", "5.2.1.0", "5.2.0.0"]);
  });

  it("it ends with a table of the installed versions (an Altazion server's modules in the order its site's versionCommand prints them: by name)", () => {
    const table = first.section(/^== installed versions/);
    for (const row of [
      /demo-omf\s+1\.2\.0\.1/,
      /demo-gmx\s+06-00/,
      /demo-webcache \/ demo-wc1\s+10\.1\.2/,
      /demo-webcache \/ demo-wc2\s+10\.1\.2/,
      /demo-az\s+database 5\.2\.0\.0/,
      /ecommerce 5\.2\.0\.0/,
      /gestioncommerciale 5\.2\.1\.0/,
    ]) {
      assert.match(table, row);
    }
  });

  it("the ias_admin password and the SSH key are in no output, and only encrypted in the state", () => {
    const password = demoPulumi("config", "get", "--path", "upchain:secrets.ias_admin").replace(/\n$/, "");
    assert.ok(password.length >= 8, "the stack holds the password");
    assert.ok(!first.output.includes(password), "the password is in the demo's output");
    const state = demoPulumi("stack", "export");
    assert.ok(state.includes('"pulumi-nodejs:dynamic/upchain:Server"'), "the state holds the servers");
    assert.ok(!state.includes(password), "the password is in the state in plain text");
    const key = fs.readFileSync(hostInfo("demo-omf").privateKeyFile, "utf8");
    for (const line of key.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"))) {
      assert.ok(!state.includes(line) && !first.output.includes(line), "a line of the SSH key is in the state or the output");
    }
  });

  it("run again, it changes nothing and says so", () => {
    const before = activity();
    const again = ok(demo());
    timings.push(`second run ${again.seconds.toFixed(0)} s`);
    assert.doesNotMatch(again.output, /== installing the old versions/, "the hosts kept their products");
    assert.match(again.section(/^== pulumi preview/), /Resources:\n\s+\d+ unchanged/);
    assert.doesNotMatch(again.section(/^== pulumi preview/), /to (create|update|replace|delete)/);
    assert.match(again.output, /== pulumi up --expect-no-changes[\s\S]*No changes: every server already runs its target version/);
    assert.deepStrictEqual(activity(), before, "nothing ran on the hosts");
    assert.match(again.section(/^== installed versions/), /demo-omf\s+1\.2\.0\.1/);
  });

  it("--reset puts the old versions back and forgets the stack's state, so the next run shows the whole upgrade again", () => {
    const reset = ok(demo("--reset"));
    timings.push(`--reset ${reset.seconds.toFixed(0)} s`);
    assert.doesNotMatch(reset.output, /== pulumi (preview|up)/, "a reset changes nothing through pulumi");
    assert.match(reset.output, /The demo hosts run their old versions again/);
    assert.match(omflowPage(), /^OMFLOW 1\.1\.6\.1\nDjango 2\.2/);
    assert.strictEqual(groupmaxState("demo-gmx").version, "02-00");
    for (const n of MEMBERS) {
      assert.strictEqual(homeState(n, DESTINATION_HOME).exists, false, `${n} has no 10.1.2 home`);
      assert.match(homeState(n, SOURCE_HOME).version ?? "", /^9\.0\.2\.3/, n);
    }
    assert.deepStrictEqual(pools(), allReady);
    assert.deepStrictEqual([altazion("ecommerce"), altazion("gestioncommerciale"), altazion("database")], ["5.1.0.0", "5.1.0.0", "5.1.0.0"]);
    // the stack is there (its configuration kept) with no resource: the next up creates them all again
    assert.deepStrictEqual(JSON.parse(demoPulumi("stack", "export")).deployment.resources ?? [], []);
  });
});
