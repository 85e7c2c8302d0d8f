// The per-server lock on a local fake transport: take-over is atomic, the heartbeat beats on its own
// for the whole run, a torn owner line is not "stale", and a run whose lock was taken notices.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { acquireLock, acquireScript } from "../../../providers/engine/lock";
import { isUpchainError } from "../../../providers/errors";
import { LocalHost, tempDir } from "../../support/localHost";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sh = (script: string) =>
  new Promise<string>((resolve) => {
    const c = spawn("sh", ["-c", script]);
    let out = "";
    c.stdout.on("data", (d) => (out += d));
    c.on("close", () => resolve(out.trim()));
  });

describe("the per-server lock (local fake transport)", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("eight runs racing for a stale lock: exactly one takes it over", async () => {
    fs.mkdirSync(path.join(dir, "srv.lock"), { recursive: true });
    fs.writeFileSync(path.join(dir, "srv.lock/owner"), "20200101T000000-dead00 1000 0\n");
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => sh(acquireScript(dir, "srv", `run-${i}`, 5))));
    const winners = results.filter((r) => /^(acquired|took-over)/.test(r));
    assert.strictEqual(winners.length, 1, results.join("\n"));
    assert.ok(results.filter((r) => r.startsWith("held")).length === 7, results.join("\n"));
    const owner = fs.readFileSync(path.join(dir, "srv.lock/owner"), "utf8").split(" ")[0];
    assert.strictEqual(`took-over 20200101T000000-dead00`, winners[0]);
    assert.match(owner, /^run-\d$/);
  });

  it("eight runs racing for a free lock: exactly one gets it", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => sh(acquireScript(dir, "srv", `run-${i}`, 5))));
    assert.strictEqual(results.filter((r) => r === "acquired").length, 1, results.join("\n"));
  });

  it("the heartbeat beats on its own while the run does something else, so the lock never looks dead", async () => {
    const host = new LocalHost();
    const lock = await acquireLock(host, dir, "srv", "run-a", 2);
    await sleep(4500); // longer than the stale period, with no poll and no explicit heartbeat
    await assert.rejects(acquireLock(new LocalHost(), dir, "srv", "run-b", 2, 200), (e: unknown) => isUpchainError(e, "LOCKED") && /run-a/.test((e as Error).message));
    await lock.release();
    assert.strictEqual(fs.existsSync(path.join(dir, "srv.lock")), false);
  });

  it("a torn (empty) owner line counts from the lock's own time, not as a dead run", async () => {
    fs.mkdirSync(path.join(dir, "srv.lock"));
    fs.writeFileSync(path.join(dir, "srv.lock/owner"), "");
    const started = Date.now();
    const lock = await acquireLock(new LocalHost(), dir, "srv", "run-b", 2, 200);
    // it waited for the lock to go stale (about 2 s from the folder's time) instead of taking it at once
    assert.ok(Date.now() - started >= 1500, `took it after ${Date.now() - started} ms`);
    assert.strictEqual(lock.tookOverFrom, "unknown");
    await lock.release();
  });

  it("a run whose lock was taken over learns it at its next heartbeat and stops", async () => {
    const lock = await acquireLock(new LocalHost(), dir, "srv", "run-a", 30);
    fs.writeFileSync(path.join(dir, "srv.lock/owner"), `run-b ${Math.floor(Date.now() / 1000)} 0\n`);
    assert.strictEqual(await lock.heartbeat(), false);
    assert.throws(() => lock.assertHeld(), (e: unknown) => isUpchainError(e, "LOCK_LOST") && /lost its lock on srv to run run-b/.test((e as Error).message));
    await lock.release();
    assert.strictEqual(fs.readFileSync(path.join(dir, "srv.lock/owner"), "utf8").split(" ")[0], "run-b", "the new owner's lock is left alone");
  });

  it("holdUntil keeps a lock with no heartbeat alive past the stale period (a reboot wait)", async () => {
    const lock = await acquireLock(new LocalHost(), dir, "srv", "run-a", 2);
    await lock.holdUntil(Date.now() / 1000 + 60);
    // the owner line now holds a future "until"; a new heartbeat in the past would not matter
    const [, beat, until] = fs.readFileSync(path.join(dir, "srv.lock/owner"), "utf8").trim().split(" ");
    fs.writeFileSync(path.join(dir, "srv.lock/owner"), `run-a ${Number(beat) - 100} ${until}\n`);
    const out = await sh(acquireScript(dir, "srv", "run-b", 2));
    assert.match(out, /^held run-a /);
    await lock.release();
  });
});
