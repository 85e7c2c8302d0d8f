// What the operator lives through while `pulumi up` runs, with the real pulumi CLI on a real test
// host and a product of the test's own whose steps take as long as the test says: Ctrl-C stops after
// the hop in progress and says so at once; `kill -9` of the CLI leaves no provider process behind
// (it used to spin on EPIPE and keep the server's lock alive forever); and the next run says at once
// what lock it waits for, and how long, before it takes it over and finishes.
import * as assert from "assert";
import { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../../support/hosts";
import { PulumiProject, killTree, runErrors } from "../../support/pulumi";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOST = "rtm1";
const APP = "/etc/slowapp";

// A product of the test's own: each hop backs the version file up, writes the next version after
// sleeping as long as $APP/delay-<to> says (0 when absent), and checks it. Every step leaves a line
// in $APP/trail, at its start and at its end, so the test sees on the host what ran and when.
const catalogJs = `const { shStep, quote } = require("upchain");
const rule = { id: "slowapp.one-by-one", text: "each release upgrades the one before it", source: "the test" };
const app = ${JSON.stringify(APP)};
const mark = (hop, what) => "echo " + quote(hop.from + "->" + hop.to + " " + what) + " >> " + app + "/trail";
exports.catalog = {
  product: "slowapp",
  title: "Slow app",
  scheme: { describe: "a whole number", normalize: (v) => (/^[0-9]+$/.test(v) ? String(Number(v)) : undefined), compare: (a, b) => Number(a) - Number(b) },
  platforms: ["linux"],
  defaultReleases: ["1", "2", "3"],
  legalHops: (from, ctx) => ctx.releases.filter((r) => Number(r) === Number(from) + 1).map((to) => ({ from, to, rule })),
  requiredStops: () => [],
  probeVersion: () => ({ shell: "sh", command: "cat " + app + "/VERSION 2>/dev/null || true" }),
  hopSteps: (hop) => [
    shStep({ id: "backup", action: "backup", title: "Keep " + hop.from, destructive: false, commands: [mark(hop, "backup"), "cp " + app + "/VERSION " + app + "/VERSION." + hop.from] }),
    shStep({ id: "write", action: "run", title: "Write " + hop.to, destructive: true, commands: [
      mark(hop, "write started"),
      "sleep \\"$(cat " + app + "/delay-" + hop.to + " 2>/dev/null || echo 0)\\"",
      "echo " + quote(hop.to) + " > " + app + "/VERSION",
      mark(hop, "write done"),
    ] }),
    shStep({ id: "verify", action: "verify", title: "Reads " + hop.to, destructive: false, commands: [mark(hop, "verify"), 'test "$(cat ' + app + '/VERSION)" = ' + quote(hop.to)] }),
  ],
  restoreSteps: (hop) => [shStep({ id: "restore", action: "restore", title: "Put " + hop.from + " back", destructive: true, commands: ["cp " + app + "/VERSION." + hop.from + " " + app + "/VERSION"] })],
};
`;

const program = `const pulumi = require("@pulumi/pulumi");
const { Server } = require("upchain");
const cfg = new pulumi.Config();
const app = new Server("app", {
  product: "slowapp",
  catalogModule: "./catalogs/slowapp",
  target: cfg.require("target"),
  lockTimeoutSeconds: cfg.requireNumber("lockTimeoutSeconds"),
  connection: { host: cfg.require("host"), user: "root", privateKey: cfg.requireSecret("privateKey"), hostKey: cfg.require("hostKey") },
});
exports.installed = app.installedVersion;
`;

/** A run of `pulumi` in the background whose output is read as it comes, with when each line first appeared. */
class Watched {
  readonly child: ChildProcess;
  readonly started = Date.now();
  private readonly exit: Promise<number | null>;
  constructor(
    project: PulumiProject,
    args: string[],
    readonly log: string,
  ) {
    this.child = project.start(args, log);
    this.exit = new Promise((r) => this.child.on("exit", (code) => r(code)));
  }
  get output(): string {
    return fs.existsSync(this.log) ? fs.readFileSync(this.log, "utf8") : "";
  }
  /** Milliseconds from the start until `pattern` appeared in the output (polled every 100 ms). */
  async seen(pattern: RegExp, timeoutMs: number): Promise<number> {
    const end = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (Date.now() > end) throw new Error(`${pattern} did not appear within ${timeoutMs} ms:\n${this.output}`);
      await sleep(100);
    }
    return Date.now() - this.started;
  }
  async exited(timeoutMs: number): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs)));
    const code = await Promise.race([this.exit, timeout]).finally(() => clearTimeout(timer)); // no timer left to keep mocha alive
    if (code === "timeout") throw new Error(`pulumi did not end within ${timeoutMs} ms:\n${this.output}`);
    return code;
  }
}

/** The pids of live dynamic-provider processes started for the project in `dir` (their working folder). */
const providerProcesses = (dir: string) => projectProcesses(dir, /dynamic-provider/);

/** The pids of live processes working in `dir` whose command line matches `cmd`. */
function projectProcesses(dir: string, cmd = /./): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8");
      const state = fs.readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.[0];
      if (state !== "Z" && cmd.test(cmdline) && fs.readlinkSync(`/proc/${entry}/cwd`) === dir) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

describe("pulumi up as the operator lives it: Ctrl-C, a killed CLI, a dead run's lock", function () {
  this.timeout(10 * 60 * 1000);
  let h: TestHost;
  let project: PulumiProject;
  const runs: Watched[] = [];
  const trail = () => onHost(HOST, `cat ${APP}/trail 2>/dev/null || true`).trim().split("\n").filter(Boolean);
  const installedOnHost = () => onHost(HOST, `cat ${APP}/VERSION`).trim();
  const start = (args: string[]) => {
    const w = new Watched(project, args, path.join(project.dir, `run-${runs.length}.log`));
    runs.push(w);
    return w;
  };
  const waitForTrail = async (line: string, timeoutMs = 120_000) => {
    const end = Date.now() + timeoutMs;
    while (!trail().includes(line)) {
      const ended = runs.find((r) => r.child.exitCode !== null || r.child.signalCode !== null);
      if (Date.now() > end || ended)
        throw new Error(`the host's trail never showed "${line}": ${trail().join(" | ")}\n${runs.map((r) => r.output).join("\n---\n")}`);
      await sleep(250);
    }
  };
  /** The host at 1, with a fresh trail; `delays` says how long each version's write step sleeps. */
  const setHost = (delays: Record<string, number>) =>
    onHost(
      HOST,
      [
        `rm -rf ${APP} /var/lib/upchain`,
        `mkdir -p ${APP}`,
        `echo 1 > ${APP}/VERSION`,
        ...Object.entries(delays).map(([v, s]) => `echo ${s} > ${APP}/delay-${v}`),
      ].join(" && "),
    );
  const configure = (target: string, lockTimeoutSeconds: number) => {
    project.writeConfig({
      "upchain-e2e:host": h.host,
      "upchain-e2e:hostKey": h.hostKey,
      "upchain-e2e:target": target,
      "upchain-e2e:lockTimeoutSeconds": lockTimeoutSeconds,
    });
    project.setConfig("privateKey", privateKey(h), true);
  };

  before(() => {
    requireRoot();
    [h] = startHosts(HOST);
    project = new PulumiProject("runtime", program);
    fs.mkdirSync(path.join(project.dir, "catalogs"));
    fs.writeFileSync(path.join(project.dir, "catalogs/slowapp.js"), catalogJs);
    project.init();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") for (const r of runs) console.log(`--- ${path.basename(r.log)} ---\n${r.output}`);
    const killed = runs.filter((r) => r.child.exitCode === null && r.child.signalCode === null && r.child.pid).map((r) => killTree(r.child.pid!));
    // a killed CLI may leave its language host and program behind too: this test's, by pid
    for (const pid of projectProcesses(project.dir)) killTree(pid);
    if (killed.length) project.run(["cancel", "--yes"]); // and its stack lock
    runs.length = 0;
  });
  after(() => {
    project?.dispose();
    stopHosts(HOST);
  });

  it("Ctrl-C during hop 1 of 1 -> 2 -> 3: upchain says at once it stops after this hop, hop 1 ends, hop 2 never starts, the state records 2, and the next up goes on to 3", async () => {
    setHost({ "2": 8 });
    configure("3", 120);
    const up = start(["up", "--yes", "--skip-preview"]);
    await waitForTrail("1->2 write started");
    process.kill(up.child.pid!, "SIGINT");
    const interrupted = Date.now() - up.started;
    const acknowledged = await up.seen(/Ctrl-C: stopping after this hop \(1->2\)/, 10_000);
    assert.ok(!trail().includes("1->2 write done"), "acknowledged while the step still ran, not after the hop");
    assert.ok(acknowledged - interrupted < 5000, `acknowledged ${acknowledged - interrupted} ms after the Ctrl-C`);
    const code = await up.exited(180_000);
    assert.notStrictEqual(code, 0, "the update was cancelled");
    assert.match(
      up.output,
      /stopped after hop 1->2 as asked \(Ctrl-C\): the server runs 2, checked by that hop; hop 2->3 was not started\. Run pulumi up again to go on from 2 to 3\./,
    );
    assert.deepStrictEqual(
      trail(),
      ["1->2 backup", "1->2 write started", "1->2 write done", "1->2 verify"],
      "hop 1 ran to its end and its check; nothing of hop 2 ran",
    );
    assert.strictEqual(installedOnHost(), "2");
    const state = JSON.parse(project.ok(["stack", "export"]).stdout).deployment.resources.find(
      (r: { type: string }) => r.type === "pulumi-nodejs:dynamic:Resource" || /Server/.test(r.type),
    );
    assert.strictEqual(state?.outputs?.installedVersion, "2", "the state records the version reached");

    const next = project.run(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(next.code, 0, runErrors(next.output));
    assert.match(next.output, /Slow app 2 -> 3: 2->3/, "the next up plans from 2");
    assert.strictEqual(installedOnHost(), "3");
    assert.deepStrictEqual(trail().filter((l) => l.startsWith("1->2")).length, 4, "hop 1 did not run again");
    assert.ok(trail().includes("2->3 verify"));
  });

  describe("kill -9 of the pulumi CLI during a long step", () => {
    const LOCK_TIMEOUT = 40;
    let killedAt = 0;
    let orphan = 0;

    it("the orphaned dynamic-provider process notices its engine is gone and exits within 30 s", async () => {
      setHost({ "2": 20 });
      configure("2", LOCK_TIMEOUT);
      project.ok(["refresh", "--yes", "--skip-preview"]); // the state learns the host is back at 1
      const up = start(["up", "--yes", "--skip-preview"]);
      await waitForTrail("1->2 write started");
      [orphan] = providerProcesses(project.dir);
      assert.ok(orphan, "the provider process runs the step");
      up.child.kill("SIGKILL"); // the CLI alone: its plugins live in process groups of their own
      killedAt = Date.now();
      await up.exited(10_000);
      while (providerProcesses(project.dir).length && Date.now() - killedAt < 30_000) await sleep(250);
      assert.deepStrictEqual(
        providerProcesses(project.dir),
        [],
        `a provider process still runs ${Math.round((Date.now() - killedAt) / 1000)} s after the CLI was killed`,
      );
    });

    it("preview then says the interrupted run is finished first, and that up may wait for its lock", () => {
      assert.ok(orphan, "the previous test killed a run");
      project.ok(["cancel", "--yes"]); // the killed CLI's own stack lock
      const preview = project.ok(["preview", "--diff"]);
      assert.match(preview.output, /first finishes interrupted run \d{8}T\d{6}-[0-9a-f]{6} \(1 -> 2\)/);
      assert.match(
        preview.output,
        new RegExp(
          `run \\d{8}T\\d{6}-[0-9a-f]{6} \\(pid ${orphan} on ${os.hostname()}\\) (still )?holds this server's lock.*up may wait up to \\d+s to take it over`,
        ),
      );
    });

    it("the next up says at once which run's lock it waits for and for how long, then takes it over and finishes", async () => {
      assert.ok(orphan, "the previous test killed a run");
      const up = start(["up", "--yes", "--skip-preview"]);
      const waiting = await up.seen(/waiting for the lock on slowapp, held by run/, 60_000);
      const text = up.output;
      const m = text.match(
        new RegExp(
          `held by run \\S+ \\(pid ${orphan} on ${os.hostname()}\\): its heartbeat stopped (\\d+)s ago, at \\d\\d:\\d\\d:\\d\\d UTC\\. Unless it beats again, this run takes the lock over in (\\d+)s`,
        ),
      );
      assert.ok(m, `the message names the run's pid and host, when its heartbeat stopped and the seconds left:\n${text}`);
      assert.ok(Number(m[2]) >= 5, `said well before the takeover (${m[2]} s before it), not after the wait`);
      const tookOver = await up.seen(/took over the lock of run/, (LOCK_TIMEOUT + 30) * 1000);
      assert.ok(tookOver - waiting >= 4000, `the wait came after the message (${tookOver - waiting} ms)`);
      assert.strictEqual(await up.exited(180_000), 0, runErrors(up.output));
      assert.match(up.output, /left running by the interrupted run; waited for it/);
      assert.strictEqual(installedOnHost(), "2");
      assert.strictEqual(trail().filter((l) => l === "1->2 write started").length, 1, "the step ran once");
      assert.ok(!/\bLOCKED: /.test(up.output), up.output);
    });
  });
});
