// Waiting for a detached step, counted on a local fake transport: how many execs a step costs after
// its launch, and the lock's heartbeat riding on the wait (no exec of its own, the lock still alive to
// another run, a lock taken over noticed on the host at once).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { startDetached } from "../../../../providers/engine/running/detached";
import { acquireLock } from "../../../../providers/engine/running/lock";
import { waitForStep } from "../../../../providers/engine/running/stepWait";
import { isUpchainError } from "../../../../providers/errors";
import { AsyncLocalHost } from "../../../support/asyncLocalHost";
import { LocalHost, tempDir } from "../../../support/localHost";
import { UNFENCED } from "../../../support/testFence";

/** A heartbeat exec of the lock's own (lock.ts whileMine): it prints "mine" under the mutex. */
const isHeartbeatExec = (c: string) => c.includes("echo mine;");
const isPoll = (c: string) => c.includes("s=not-started");

describe("waiting for a step (local fake transport)", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a short step costs one exec after its launch: the poll that sees it end brings its stdout and stderr and removes its secrets file", async () => {
    const host = new LocalHost();
    const step = path.join(dir, "s");
    await startDetached(host, step, 'test -n "$UPCHAIN_SECRET_PW"\necho out-line\necho err-line >&2', { UPCHAIN_SECRET_PW: "hunter2" }, UNFENCED);
    fs.writeFileSync(path.join(step, "env"), "left behind\n", { mode: 0o600 }); // as if the step had not removed it
    const before = host.commands.length;
    const r = await waitForStep(host, step, { pollMs: 500, what: "x", fence: UNFENCED });
    assert.deepStrictEqual(r, { code: 0, stdout: "out-line\n", stderr: "err-line\n" });
    const after = host.commands.slice(before);
    assert.ok(after.length <= 2 && after.every(isPoll), `${after.length} execs after the launch:\n${after.join("\n----\n")}`);
    assert.strictEqual(fs.existsSync(path.join(step, "env")), false, "the secrets file is gone");
  });

  it("while a step is waited for, the lock's heartbeat rides on the wait: no heartbeat exec of its own, and the lock still looks alive to another run", async () => {
    const host = new AsyncLocalHost();
    const lock = await acquireLock(host, dir, "srv", "run-a", 2); // a beat every second
    const step = path.join(dir, "runs/r/001-x");
    try {
      await startDetached(host, step, "sleep 4\necho done", undefined, lock.fence);
      const before = host.commands.length;
      const waited = waitForStep(host, step, { pollMs: 500, what: "x", fence: lock.fence, beat: lock.ridingBeat, beforePoll: () => lock.assertHeld() });
      // another run looks at the lock while the step runs: its heartbeat moves, so it is refused
      await new Promise((r) => setTimeout(r, 1500));
      const other = await acquireLock(new AsyncLocalHost(), dir, "srv", "run-b", 2, 200).then(
        () => "taken",
        (e: unknown) => (isUpchainError(e, "LOCKED") ? "refused" : String(e)),
      );
      const r = await waited;
      assert.ok(r !== "lost" && r !== "not-started" && r.stdout === "done\n", JSON.stringify(r));
      assert.strictEqual(other, "refused", "the holder is seen alive");
      const during = host.commands.slice(before);
      assert.strictEqual(
        during.filter(isHeartbeatExec).length,
        0,
        `heartbeat execs while waiting: ${during.filter(isHeartbeatExec).length} of ${during.length}`,
      );
      const [who, beat] = fs.readFileSync(path.join(dir, "machine.lock/owner"), "utf8").split(" ");
      assert.strictEqual(who, "run-a");
      assert.ok(Date.now() / 1000 - Number(beat) <= 2, `the last beat is ${Date.now() / 1000 - Number(beat)} s old`);
    } finally {
      await lock.release();
    }
  });

  it("a wait whose beat finds on the host that the lock was taken over stops at once with LOCK_LOST, leaving the step and the other run's owner line alone", async () => {
    const host = new AsyncLocalHost();
    const lock = await acquireLock(host, dir, "srv", "run-a", 4); // a beat every second
    const step = path.join(dir, "runs/r/001-x");
    try {
      await startDetached(host, step, "sleep 20", undefined, lock.fence);
      const waited = waitForStep(host, step, { pollMs: 500, what: "x", fence: lock.fence, beat: lock.ridingBeat, beforePoll: () => lock.assertHeld() });
      await new Promise((r) => setTimeout(r, 300));
      const takenAt = Date.now();
      fs.writeFileSync(path.join(dir, "machine.lock/owner"), `run-b ${Math.floor(Date.now() / 1000)} 0 1@other srv\n`);
      await assert.rejects(waited, (e: unknown) => isUpchainError(e, "LOCK_LOST") && /to run run-b/.test((e as Error).message));
      assert.ok(Date.now() - takenAt < 3000, `noticed ${Date.now() - takenAt} ms after the take-over`);
      assert.match(fs.readFileSync(path.join(dir, "machine.lock/owner"), "utf8"), /^run-b /, "the other run's owner line is left alone");
      const pid = fs.readFileSync(path.join(step, "pid"), "utf8").trim();
      assert.strictEqual(spawnSync("kill", ["-0", pid]).status, 0, "the step still runs: the new owner decides about it");
    } finally {
      spawnSync("sh", ["-c", `kill -s KILL -- -$(cat ${step}/pid)`]);
      await lock.release();
    }
  });
});
