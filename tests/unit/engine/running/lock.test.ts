// The per-server lock on a local fake transport: take-over is atomic, the heartbeat beats on its own
// for the whole run, a torn owner line is not "stale", and a run whose lock was taken notices.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
  LockHolder,
  acquireLock,
  acquireScript,
  heartbeatStopped,
  lockPreviewNote,
  lockWaitMessage,
  readLockHolder,
  stopHeartbeats,
  thisController,
} from "../../../../providers/engine/running/lock";
import { isUpchainError } from "../../../../providers/errors";
import { pollStep, startDetached } from "../../../../providers/engine/running/detached";
import { LocalHost, tempDir } from "../../../support/localHost";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sh = (script: string) =>
  new Promise<string>((resolve) => {
    const c = spawn("sh", ["-c", script]);
    let out = "";
    c.stdout.on("data", (d) => (out += d));
    c.on("close", () => resolve(out.trim()));
  });

describe("the machine's lock (local fake transport)", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("eight runs racing for a stale lock: exactly one takes it over", async () => {
    fs.mkdirSync(path.join(dir, "machine.lock"), { recursive: true });
    fs.writeFileSync(path.join(dir, "machine.lock/owner"), "20200101T000000-dead00 1000 0\n");
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => sh(acquireScript(dir, "srv", `run-${i}`, 5))));
    const winners = results.filter((r) => /^(acquired|took-over)/.test(r));
    assert.strictEqual(winners.length, 1, results.join("\n"));
    assert.ok(results.filter((r) => r.startsWith("held")).length === 7, results.join("\n"));
    const owner = fs.readFileSync(path.join(dir, "machine.lock/owner"), "utf8").split(" ")[0];
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
    await assert.rejects(
      acquireLock(new LocalHost(), dir, "srv", "run-b", 2, 200),
      (e: unknown) => isUpchainError(e, "LOCKED") && /run-a/.test((e as Error).message),
    );
    await lock.release();
    assert.strictEqual(fs.existsSync(path.join(dir, "machine.lock")), false);
  });

  it("a torn (empty) owner line counts from the lock's own time, not as a dead run", async () => {
    fs.mkdirSync(path.join(dir, "machine.lock"));
    fs.writeFileSync(path.join(dir, "machine.lock/owner"), "");
    const started = Date.now();
    const lock = await acquireLock(new LocalHost(), dir, "srv", "run-b", 2, 200);
    // it waited for the lock to go stale (about 2 s from the folder's time) instead of taking it at once
    assert.ok(Date.now() - started >= 1500, `took it after ${Date.now() - started} ms`);
    assert.strictEqual(lock.tookOverFrom, "unknown");
    await lock.release();
  });

  it("a run whose lock was taken over learns it at its next heartbeat and stops", async () => {
    const lock = await acquireLock(new LocalHost(), dir, "srv", "run-a", 30);
    fs.writeFileSync(path.join(dir, "machine.lock/owner"), `run-b ${Math.floor(Date.now() / 1000)} 0\n`);
    assert.strictEqual(await lock.heartbeat(), false);
    assert.throws(
      () => lock.assertHeld(),
      (e: unknown) => isUpchainError(e, "LOCK_LOST") && /lost this machine's lock \(taken for srv\) to run run-b/.test((e as Error).message),
    );
    await lock.release();
    assert.strictEqual(fs.readFileSync(path.join(dir, "machine.lock/owner"), "utf8").split(" ")[0], "run-b", "the new owner's lock is left alone");
  });

  it("holdUntil keeps a lock with no heartbeat alive past the stale period (a reboot wait)", async () => {
    const lock = await acquireLock(new LocalHost(), dir, "srv", "run-a", 2);
    await lock.holdUntil(Date.now() / 1000 + 60);
    // the owner line now holds a future "until"; a new heartbeat in the past would not matter
    const [, beat, until] = fs.readFileSync(path.join(dir, "machine.lock/owner"), "utf8").trim().split(" ");
    fs.writeFileSync(path.join(dir, "machine.lock/owner"), `run-a ${Number(beat) - 100} ${until}\n`);
    const out = await sh(acquireScript(dir, "srv", "run-b", 2));
    assert.match(out, /^held run-a /);
    await lock.release();
  });

  it("a run waiting for a lock whose heartbeat stopped says so at once: the run, its pid and host, when it stopped, and how long until takeover", async () => {
    fs.mkdirSync(path.join(dir, "machine.lock"));
    const beat = Math.floor(Date.now() / 1000) - 6;
    fs.writeFileSync(path.join(dir, "machine.lock/owner"), `20261206T210000-dead01 ${beat} 0 4242@ctl-1\n`);
    const said: { at: number; message: string }[] = [];
    const started = Date.now();
    const lock = await acquireLock(new LocalHost(), dir, "srv", "run-b", 12, 200, (message) => said.push({ at: Date.now() - started, message }));
    assert.strictEqual(said.length, 1, "said once");
    assert.ok(said[0].at < 1000, `said after ${said[0].at} ms, not after the wait`);
    const m = said[0].message.match(
      /^waiting for the lock on srv, held by run 20261206T210000-dead01 \(pid 4242 on ctl-1\): its heartbeat stopped (\d+)s ago, at \d\d:\d\d:\d\d UTC\. Unless it beats again, this run takes the lock over in (\d+)s \(lockTimeoutSeconds: 12\)/,
    );
    assert.ok(m, said[0].message);
    assert.ok(Number(m[1]) >= 6 && Number(m[1]) + Number(m[2]) === 13, "stopped N s ago, taken over 12 s after it");
    assert.strictEqual(lock.tookOverFrom, "20261206T210000-dead01");
    await lock.release();
  });

  it("a run waiting for a lock whose holder still beats says nothing and is refused as LOCKED, naming the holder's pid and host", async () => {
    const holder = await acquireLock(new LocalHost(), dir, "srv", "run-a", 4);
    const said: string[] = [];
    await assert.rejects(
      acquireLock(new LocalHost(), dir, "srv", "run-b", 4, 300, (m) => said.push(m)),
      (e: unknown) =>
        isUpchainError(e, "LOCKED") &&
        (e as Error).message.includes(`another upchain run (run-a) is working on srv (pid ${thisController().replace("@", " on ")});`),
    );
    assert.deepStrictEqual(said, []);
    await holder.release();
  });

  it("preview reads the lock's holder without taking it; a free lock reads as none", async () => {
    assert.strictEqual(await readLockHolder(new LocalHost(), dir), undefined);
    const lock = await acquireLock(new LocalHost(), dir, "srv", "run-a", 30);
    const h = await readLockHolder(new LocalHost(), dir);
    assert.strictEqual(h?.run, "run-a");
    assert.strictEqual(h?.by, thisController());
    assert.ok(h!.beatAgeSeconds <= 1);
    await lock.release();
  });

  it("a lock written before owner lines named their process reads as held by an unknown process", async () => {
    fs.mkdirSync(path.join(dir, "machine.lock"));
    fs.writeFileSync(path.join(dir, "machine.lock/owner"), `run-a ${Math.floor(Date.now() / 1000)} 0\n`);
    assert.strictEqual((await readLockHolder(new LocalHost(), dir))?.by, "unknown");
  });

  it("one lock per machine: a run for another journal name is refused while a live run holds it, naming that run's journal", async () => {
    const holder = await acquireLock(new LocalHost(), dir, "groupmax", "run-a", 4);
    assert.strictEqual(fs.readFileSync(path.join(dir, "machine.lock/owner"), "utf8").trim().split(" ")[4], "groupmax", "the owner line names the journal");
    await assert.rejects(acquireLock(new LocalHost(), dir, "mail-groupmax", "run-b", 4, 300), (e: unknown) => {
      const m = (e as Error).message;
      return (
        isUpchainError(e, "LOCKED") &&
        m.includes("another upchain run (run-a) is working on groupmax") &&
        /one run at a time per machine.*this run's is mail-groupmax/.test(m) &&
        /dependsOn/.test(m)
      );
    });
    assert.strictEqual((await readLockHolder(new LocalHost(), dir))?.resource, "groupmax");
    await holder.release();
    assert.strictEqual(fs.existsSync(path.join(dir, "machine.lock")), false);
  });

  it("stopping this process's heartbeats stops the beats its waits carry too: a wait still on the host beats no more", async () => {
    const lock = await acquireLock(new LocalHost(), dir, "srv", "run-a", 2);
    assert.match(lock.ridingBeat!.script(), /beat_first=\d+; beat_every=100\b/, "a live lock's waits beat every second");
    stopHeartbeats();
    assert.match(lock.ridingBeat!.script(), /beat_first=-1;/);
    await lock.release();
  });

  it("a wait whose controller is gone (nobody reads its output) stops beating: a dead run's lock still goes stale", async () => {
    const host = new LocalHost();
    const lock = await acquireLock(host, dir, "srv", "run-a", 2); // a beat every second
    const step = path.join(dir, "runs/r/001-x");
    await startDetached(host, step, "sleep 30", undefined, lock.fence);
    // the wait's own command, as the controller would send it
    let command = "";
    const capture = new LocalHost();
    capture.exec = async (c) => ((command = c), { code: 0, signal: null, stdout: "", stderr: "running 1 2\n" });
    await pollStep(capture, step, 0, { waitSeconds: 8, beat: lock.ridingBeat });
    stopHeartbeats(); // from here on only the wait's script could beat
    const beatNow = () => Number(fs.readFileSync(path.join(dir, "machine.lock/owner"), "utf8").split(" ")[1]);
    const run = (closeAfterMs?: number) =>
      new Promise<{ signal: string | null; beats: Set<number> }>((resolve) => {
        const beats = new Set<number>();
        const c = spawn("sh", ["-c", command], { stdio: ["ignore", "pipe", "pipe"] });
        c.stderr.resume();
        const t = setInterval(() => beats.add(beatNow()), 200);
        if (closeAfterMs !== undefined) setTimeout(() => (c.stdout.destroy(), c.stderr.destroy()), closeAfterMs);
        const stop = setTimeout(() => c.kill("SIGKILL"), 4000);
        c.on("exit", (_code, signal) => (clearInterval(t), clearTimeout(stop), resolve({ signal, beats })));
      });
    try {
      const read = await run();
      assert.ok(read.beats.size >= 3, `a wait whose output is read beats: ${[...read.beats].join(" ")}`);
      const gone = await run(300);
      assert.strictEqual(gone.signal, "SIGPIPE", "the wait ends at its next beat");
      assert.ok(gone.beats.size <= 2, `a wait nobody reads beat on: ${[...gone.beats].join(" ")}`);
    } finally {
      spawnSync("sh", ["-c", `kill -s KILL -- -$(cat ${step}/pid)`]);
      await lock.release();
    }
  });

  it("stopping this process's heartbeats leaves the lock in place to go stale, and the next run takes it over", async () => {
    await acquireLock(new LocalHost(), dir, "srv", "run-a", 2);
    stopHeartbeats();
    assert.ok(fs.existsSync(path.join(dir, "machine.lock/owner")), "not released");
    await sleep(3500);
    const next = await acquireLock(new LocalHost(), dir, "srv", "run-b", 2, 200);
    assert.strictEqual(next.tookOverFrom, "run-a");
    await next.release();
  });
});

describe("what a waiting run and preview say about a held lock", () => {
  const holder = (o: Partial<LockHolder>): LockHolder => ({
    run: "20261206T210000-dead01",
    by: "4242@ctl-1",
    ageSeconds: 30,
    beatAgeSeconds: 30,
    beatEpoch: Date.UTC(2026, 11, 6, 21, 0, 0) / 1000,
    resource: "unknown",
    ...o,
  });
  const cases: [string, LockHolder, number, RegExp][] = [
    [
      "a holder silent for 30 s of 120: taken over in 91 s",
      holder({}),
      120,
      /heartbeat stopped 30s ago, at 21:00:00 UTC\. Unless it beats again, this run takes the lock over in 91s \(lockTimeoutSeconds: 120\)/,
    ],
    [
      "a holder whose process is not named (an older owner line): the run alone",
      holder({ by: "unknown" }),
      120,
      /held by run 20261206T210000-dead01: its heartbeat/,
    ],
    [
      "a holder that extended its lock over a reboot wait: that wait is said",
      holder({ ageSeconds: -40, beatAgeSeconds: 20 }),
      10,
      /its heartbeat stopped 20s ago, at 21:00:00 UTC; it holds the lock through a reboot wait for 40s more\. Unless it beats again, this run takes the lock over in 51s/,
    ],
  ];
  for (const [name, h, stale, want] of cases) it(`waiting: ${name}`, () => assert.match(lockWaitMessage("omflow", h, stale), want));

  it("a missed beat means stopped; a beat within its interval and a slow second do not", () => {
    assert.strictEqual(heartbeatStopped(holder({ beatAgeSeconds: 8 }), 120), true);
    assert.strictEqual(heartbeatStopped(holder({ beatAgeSeconds: 6 }), 120), false);
    assert.strictEqual(heartbeatStopped(holder({ beatAgeSeconds: 5 }), 8), true, "a lock of 8 s beats every 2 s");
  });

  it("preview: a dead holder's lock means up may wait, and for how long at most", () => {
    assert.strictEqual(
      lockPreviewNote(holder({}), 120),
      "run 20261206T210000-dead01 (pid 4242 on ctl-1) still holds this server's lock, but its heartbeat stopped 30s ago (at 21:00:00 UTC): up may wait up to 91s to take it over (lockTimeoutSeconds: 120)",
    );
  });

  it("preview: a holder working on another journal on this machine is named with that journal", () => {
    assert.strictEqual(
      lockPreviewNote(holder({ resource: "omflow" }), 120, "omflow").split(" (")[0],
      "run 20261206T210000-dead01",
      "its own journal is not named",
    );
    assert.match(
      lockPreviewNote(holder({ resource: "omflow" }), 120, "mail"),
      /^run 20261206T210000-dead01 for omflow \(pid 4242 on ctl-1\) still holds this server's lock/,
    );
  });

  it("preview: a holder that beat recently may be working or may have just died: both outcomes are said", () => {
    assert.strictEqual(
      lockPreviewNote(holder({ ageSeconds: 3, beatAgeSeconds: 3 }), 120),
      "run 20261206T210000-dead01 (pid 4242 on ctl-1) holds this server's lock (last heartbeat 3s ago): if that run is still working, up stops with LOCKED; if it died, up may wait up to 118s to take it over (lockTimeoutSeconds: 120)",
    );
  });
});
