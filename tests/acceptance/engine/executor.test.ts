// The executor on a real host: chains, restore on failure, resume after a killed run, the lock.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { executePlan } from "../../../providers/engine/running/executor";
import { planUpgrade } from "../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../providers/errors";
import { connectSsh } from "../../../providers/transport/ssh";
import { RemoteHost } from "../../../providers/transport/remoteHost";
import { counter, counterInstallScript } from "../../support/counterCatalog";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../../support/hosts";

const ctx = { platform: "linux" as const, releases: counter.defaultReleases, options: {} };
const plan = (from: string, to: string) => planUpgrade(counter, { installed: from, target: to, platform: "linux" });

describe("executor on a real host", function () {
  this.timeout(180_000);
  let h: TestHost;
  let host: RemoteHost;
  const conn = () => ({ host: h.host, privateKey: privateKey(h), hostKey: h.hostKey });
  const run = (from: string, to: string, extra: object = {}) =>
    executePlan({ host, catalog: counter, plan: plan(from, to), ctx, resource: "counter", pollMs: 100, ...extra });
  const version = () => onHost("exe", "cat /opt/counter/VERSION").trim();
  const installs = () => onHost("exe", "cat /opt/counter/installs.log").trim().split("\n").filter(Boolean);

  before(async () => {
    requireRoot();
    [h] = startHosts("exe");
    host = await connectSsh(conn());
  });
  after(async () => {
    await host?.close();
    stopHosts("exe");
  });
  beforeEach(() => onHost("exe", counterInstallScript("1")));

  it("runs each hop of the chain in order, checks it, and releases the lock", async () => {
    const lines: string[] = [];
    const r = await run("1", "3", { log: (l: string) => lines.push(l) });
    assert.strictEqual(r.reached, "3");
    assert.strictEqual(version(), "3");
    assert.deepStrictEqual(installs(), ["install 2", "install 3"]);
    assert.ok(
      lines.some((l) => /\[1->2 2\/3\] Install 2/.test(l)),
      "progress names hop and step",
    );
    assert.strictEqual(onHost("exe", "test -d /var/lib/upchain/machine.lock && echo held || echo free").trim(), "free");
    assert.match(onHost("exe", "ls /var/lib/upchain/history"), /counter\..*\.json/);
  });

  it("a long step reports its elapsed time while it runs and how long it took, its own last line included", async () => {
    onHost("exe", "echo 3 > /opt/counter/hooks/slow-2");
    const lines: string[] = [];
    await run("1", "2", { log: (l: string) => lines.push(l), progressEveryMs: 1000 });
    const install = lines.filter((l) => l.startsWith("[1->2 2/3]"));
    assert.strictEqual(install[0], "[1->2 2/3] Install 2", "the step's start");
    assert.ok(install.filter((l) => /^\[1->2 2\/3\] \ds \| (still running|install 2)$/.test(l)).length >= 2, `reports while it runs: ${install.join("\n")}`);
    assert.ok(install.includes("[1->2 2/3]   installed 2"), "its own last line");
    assert.match(install[install.length - 1], /^\[1->2 2\/3\] done in [34]s$/, "and its duration");
  });

  it("a failing step restores the hop's backup, so the host runs its old version, and the error shows the step's output", async () => {
    onHost("exe", "touch /opt/counter/hooks/fail-3");
    await assert.rejects(run("1", "4"), (e: unknown) => {
      const m = (e as Error).message;
      return (
        isUpchainError(e, "STEP_FAILED") &&
        /step "Install 3" \(install\) of hop 2->3 exited 3/.test(m) &&
        /installer of 3 broke/.test(m) &&
        /restored to 2/.test(m)
      );
    });
    assert.strictEqual(version(), "2");
    assert.deepStrictEqual(installs(), ["install 2", "install 3", "restored 2"]);
  });

  it("a run killed during a step is resumed from the journal without repeating the step", async () => {
    onHost("exe", "echo 3 > /opt/counter/hooks/slow-2");
    const child = spawnExecute(conn(), "1", "3", 2);
    await waitFor(() => installs().includes("install 2"), 20_000);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    // the killed run's step goes on detached; the next run waits for it, then carries on
    const lines: string[] = [];
    await new Promise((r) => setTimeout(r, 2500)); // let the dead run's heartbeat go stale
    const r = await run("1", "3", { log: (l: string) => lines.push(l), lockStaleSeconds: 2 });
    assert.ok(r.resumedRun, "the run resumed the interrupted one");
    assert.strictEqual(version(), "3");
    assert.deepStrictEqual(installs(), ["install 2", "install 3"], "step 'install 2' ran once");
    assert.ok(lines.some((l) => /left running by the interrupted run/.test(l)));
  });

  it("a second run on the same server is refused while the first holds the lock", async () => {
    onHost("exe", "echo 2 > /opt/counter/hooks/slow-2");
    const first = run("1", "2");
    await waitFor(() => onHost("exe", "test -d /var/lib/upchain/machine.lock && echo held || echo free").trim() === "held", 10_000);
    const other = await connectSsh(conn());
    try {
      await assert.rejects(
        executePlan({ host: other, catalog: counter, plan: plan("1", "2"), ctx, resource: "counter" }),
        (e: unknown) => isUpchainError(e, "LOCKED") && /another upchain run/.test((e as Error).message),
      );
    } finally {
      await other.close();
    }
    assert.strictEqual((await first).reached, "2");
  });
});

function spawnExecute(connection: object, from: string, to: string, stale: number): ChildProcess {
  const script = path.resolve(__dirname, "../../support/execute-child.js");
  return spawn(process.execPath, [script, JSON.stringify({ connection, from, to, stale })], { stdio: "ignore" });
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}
