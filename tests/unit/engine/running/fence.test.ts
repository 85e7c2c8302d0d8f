// The fencing token on a local fake transport: the guard runs a change only while this run owns the
// machine's lock, in the same script as the change, and each kind of change a run makes (the journal's
// write and archive, a step's launch and stop, a restore, a reboot, a file step) is sent guarded and
// is refused, changing nothing, once another run owns the lock.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Catalog, RebootStep, shStep } from "../../../../providers/engine/planning/catalog";
import { killStep, startDetached } from "../../../../providers/engine/running/detached";
import { executePlan } from "../../../../providers/engine/running/executor";
import { FENCE_EXIT, GUARD_FUNCTION, fencedHost, fencedScript, machineLock } from "../../../../providers/engine/running/fence";
import { archiveJournal, journalPath, newJournal, writeJournal } from "../../../../providers/engine/running/journal";
import { HostLock, acquireLock } from "../../../../providers/engine/running/lock";
import { liveSteps } from "../../../../providers/engine/running/machineRuns";
import { PlannedStep, planUpgrade } from "../../../../providers/engine/planning/planner";
import { rebootAndWait } from "../../../../providers/engine/running/reboot";
import { isUpchainError } from "../../../../providers/errors";
import { quote as q } from "../../../../providers/quote";
import { ExecOptions, ExecResult } from "../../../../providers/transport/remoteHost";
import { FaultyHost } from "../../../support/faultyHost";
import { tempDir } from "../../../support/localHost";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

/** A local host that keeps every command with its standard input, and can reconnect (a reboot step needs it). */
class Recorder extends FaultyHost {
  readonly sent: { command: string; stdin: string }[] = [];
  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    this.sent.push({ command, stdin: options?.stdin ?? "" });
    return super.exec(command, options);
  }
  /** The one script that carries `marker` (in its text or on its standard input). */
  scriptWith(marker: string | RegExp): string {
    const hits = this.sent.filter((s) => (typeof marker === "string" ? (s.command + s.stdin).includes(marker) : marker.test(s.command + s.stdin)));
    assert.ok(hits.length >= 1, `a script carried ${marker}: ${this.sent.map((s) => s.command.slice(-120)).join("\n---\n")}`);
    return hits[hits.length - 1].command;
  }
}

// the guard's call: the mutex, the owner line, the run (each quoted for sh when it needs it)
const RUN_CALL = /\nupchain_fence '?[^'\s]*\/machine\.lock\.mutex'? '?[^'\s]*\/machine\.lock\/owner'? '?([^'\s]+)'?\n/;

/** The script opens with the guard and calls it, for `run`, before `mutation`. */
function assertGuarded(script: string, mutation: string | RegExp, run?: string): void {
  assert.ok(script.startsWith(GUARD_FUNCTION), `the script opens with the guard:\n${script.slice(0, 300)}`);
  const call = script.match(RUN_CALL);
  assert.ok(call, `the script calls the guard:\n${script}`);
  if (run) assert.strictEqual(call[1], run);
  const at = typeof mutation === "string" ? script.indexOf(mutation) : script.search(mutation);
  assert.ok(at > (call.index ?? 0), `the change (${mutation}) comes after the guard's call, in the same script:\n${script}`);
}

describe("the fencing token (local fake transport)", function () {
  this.timeout(30_000);
  let dir: string;
  let lock: HostLock;
  const owner = () => machineLock(dir).owner;
  /** Another run takes the lock over, as a run that found it stale would. */
  const takeOver = () => fs.writeFileSync(owner(), `run-b ${Math.floor(Date.now() / 1000)} 0 1@other other\n`);
  const sh = (script: string) => spawnSync("sh", ["-c", script], { encoding: "utf8" });

  beforeEach(async () => {
    dir = tempDir();
    lock = await acquireLock(new FaultyHost(), dir, "trail", "run-a", 60);
  });
  afterEach(async () => {
    await lock.release().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("the guard", () => {
    it("runs the body while the owner line names the run, and refuses (exit 86, body not run) once it names another", () => {
      const made = path.join(dir, "made");
      assert.strictEqual(sh(fencedScript(dir, "run-a", `touch ${q(made)}`)).status, 0);
      assert.ok(fs.existsSync(made));
      fs.rmSync(made);
      takeOver();
      const r = sh(fencedScript(dir, "run-a", `touch ${q(made)}`));
      assert.strictEqual(r.status, FENCE_EXIT);
      assert.match(r.stderr, /the lock is held by run-b/);
      assert.ok(!fs.existsSync(made), "the body did not run");
    });

    it("refuses when the machine has no lock at all (a released one, or no state folder)", () => {
      const r = sh(fencedScript(path.join(dir, "nowhere"), "run-a", "echo ran"));
      assert.strictEqual(r.status, FENCE_EXIT);
      assert.strictEqual(r.stdout, "");
    });

    it("holds the mutex for the whole body, so a take-over waits for the change to finish; a process the body leaves running does not keep it", () => {
      const mutex = machineLock(dir).mutex;
      const r = sh(`${fencedScript(dir, "run-a", `flock -n ${q(mutex)} true && echo free || echo held; sleep 5 > /dev/null 2>&1 &`)}`);
      assert.strictEqual(r.stdout.trim(), "held", "another taker cannot get the mutex while the body runs");
      const after = sh(`flock -n ${q(mutex)} true && echo free || echo held`);
      assert.strictEqual(after.stdout.trim(), "free", "the body's background process does not hold it");
    });
  });

  describe("each change is guarded in its own script and refused once the lock is lost", () => {
    const plan = planUpgrade(trailCatalog(), { installed: "1", target: "2", platform: "linux" });

    it("writing the journal", async () => {
      const host = new Recorder();
      const j = newJournal("20261123T080000-abcdef", plan);
      await writeJournal(host, dir, "trail", j, lock.fence);
      assertGuarded(host.scriptWith('mv -f -T -- "$t" "$f"'), 'mv -f -T -- "$t" "$f"', "run-a");
      const before = fs.readFileSync(journalPath(dir, "trail"), "utf8");
      takeOver();
      await assert.rejects(
        writeJournal(host, dir, "trail", { ...j, next: 1 }, lock.fence),
        (e: unknown) => isUpchainError(e, "LOCK_LOST") && /to run run-b/.test((e as Error).message),
      );
      assert.strictEqual(fs.readFileSync(journalPath(dir, "trail"), "utf8"), before, "the journal is as it was");
      assert.throws(
        () => lock.assertHeld(),
        (e: unknown) => isUpchainError(e, "LOCK_LOST"),
        "the handle knows too",
      );
    });

    it("archiving the journal; a history file is never overwritten", async () => {
      const host = new Recorder();
      const j = newJournal("20261123T080000-abcdef", plan);
      await writeJournal(host, dir, "trail", j, lock.fence);
      const first = await archiveJournal(host, dir, "trail", j.run, lock.fence);
      assertGuarded(host.scriptWith("ln -T --"), "ln -T --", "run-a");
      await writeJournal(host, dir, "trail", { ...j, status: "done" }, lock.fence);
      const second = await archiveJournal(host, dir, "trail", j.run, lock.fence);
      assert.deepStrictEqual([path.basename(first), path.basename(second)], [`trail.${j.run}.json`, `trail.${j.run}-2.json`]);
      assert.strictEqual(JSON.parse(fs.readFileSync(first, "utf8")).status, "running", "the first record is kept as it was");
      await writeJournal(host, dir, "trail", j, lock.fence);
      takeOver();
      await assert.rejects(archiveJournal(host, dir, "trail", j.run, lock.fence), (e: unknown) => isUpchainError(e, "LOCK_LOST"));
      assert.ok(fs.existsSync(journalPath(dir, "trail")), "the live journal stays");
      assert.strictEqual(fs.readdirSync(path.join(dir, "history")).length, 2, "no history file added");
    });

    it("launching a step (and its secrets file)", async () => {
      const host = new Recorder();
      const step = path.join(dir, "runs/r/000-a");
      await startDetached(host, step, 'test -n "$UPCHAIN_SECRET_X"; echo launched', { UPCHAIN_SECRET_X: "s3cret" }, lock.fence);
      assertGuarded(host.scriptWith("setsid sh -c"), "setsid sh -c", "run-a");
      assertGuarded(host.scriptWith("f=" + q(`${step}/env`)), 'mv -f -T -- "$t" "$f"', "run-a");
      takeOver();
      const other = path.join(dir, "runs/r/001-b");
      await assert.rejects(startDetached(host, other, "echo launched", undefined, lock.fence), (e: unknown) => isUpchainError(e, "LOCK_LOST"));
      assert.ok(!fs.existsSync(other), "no step folder, nothing launched");
    });

    it("stopping a step at its deadline", async () => {
      const host = new Recorder();
      const step = path.join(dir, "runs/r/000-a");
      await startDetached(host, step, "sleep 30", undefined, lock.fence);
      takeOver();
      await assert.rejects(killStep(host, step, lock.fence, 1), (e: unknown) => isUpchainError(e, "LOCK_LOST"));
      assertGuarded(host.scriptWith("kill -s TERM"), "kill -s TERM", "run-a");
      const pid = fs.readFileSync(path.join(step, "pid"), "utf8").trim();
      assert.ok(fs.existsSync(`/proc/${pid}`), "the step was not stopped by a run that lost the lock");
      process.kill(-Number(pid), "SIGKILL");
    });

    it("a file step's commands and writes (upload, edit, services-add go through this host)", async () => {
      const host = new Recorder();
      const h = fencedHost(host, lock.fence);
      const file = path.join(dir, "site.conf");
      await h.writeFile(file, "new\n", 0o640);
      assert.strictEqual(fs.readFileSync(file, "utf8"), "new\n");
      assertGuarded(host.scriptWith(/mv -f -T -- "\$s" "\$f"/), 'mv -f -T -- "$s" "$f"', "run-a");
      await h.exec(`echo x > ${q(path.join(dir, "x"))}`);
      assertGuarded(host.scriptWith("echo x >"), "echo x >", "run-a");
      takeOver();
      await assert.rejects(h.writeFile(file, "stale\n"), (e: unknown) => isUpchainError(e, "LOCK_LOST"));
      await assert.rejects(h.exec(`touch ${q(path.join(dir, "y"))}`), (e: unknown) => isUpchainError(e, "LOCK_LOST"));
      assert.strictEqual(fs.readFileSync(file, "utf8"), "new\n");
      assert.ok(!fs.existsSync(path.join(dir, "y")));
      assert.deepStrictEqual(
        fs.readdirSync(dir).filter((n) => n.includes("upchain")),
        [],
        "no staged copy left behind",
      );
    });

    it("a reboot: its command is launched guarded; after a take-over it is never issued", async () => {
      const boot = path.join(dir, "boot");
      fs.writeFileSync(boot, "A\n");
      const step = {
        ...shStep({
          provenance: TEST_STEP,
          id: "reboot",
          action: "reboot",
          title: "Restart",
          destructive: true,
          commands: [`echo B > ${q(boot)}`],
          bootMarker: `cat ${q(boot)}`,
          timeoutSeconds: 5,
        }),
        hop: "1->2",
      } as PlannedStep & RebootStep;
      const host = new Recorder();
      takeOver();
      await assert.rejects(
        rebootAndWait({
          host,
          step,
          dir: path.join(dir, "runs/r/002-reboot"),
          remember: async () => undefined,
          holdLock: async () => undefined,
          fence: lock.fence,
          log: () => undefined,
        }),
        (e: unknown) => isUpchainError(e, "LOCK_LOST"),
      );
      assertGuarded(host.scriptWith(`echo B > ${q(boot)}`), "setsid sh -c", "run-a");
      assert.strictEqual(fs.readFileSync(boot, "utf8"), "A\n", "the machine was not restarted");
    });

    it("a reboot waits for the machine's other runs, or refuses naming them before it notes its marker or launches anything", async () => {
      const boot = path.join(dir, "boot");
      fs.writeFileSync(boot, "A\n");
      const step = {
        ...shStep({
          provenance: TEST_STEP,
          id: "reboot",
          action: "reboot",
          title: "Restart",
          destructive: true,
          commands: [`echo B > ${q(boot)}`],
          bootMarker: `cat ${q(boot)}`,
          timeoutSeconds: 5,
        }),
        hop: "1->2",
      } as PlannedStep & RebootStep;
      const other = path.join(dir, "runs/20261201T000000-f0f0f0/001-migrate");
      await startDetached(new FaultyHost(), other, "sleep 30", undefined, lock.fence);
      assert.deepStrictEqual(await liveSteps(new FaultyHost(), dir, "20261123T080000-abcdef"), ["20261201T000000-f0f0f0/001-migrate"]);
      assert.deepStrictEqual(await liveSteps(new FaultyHost(), dir, "20261201T000000-f0f0f0"), [], "a run's own steps are not another's");
      let remembered = false;
      const { othersSettled } = await import("../../../../providers/engine/running/machineRuns");
      await assert.rejects(
        rebootAndWait({
          host: new Recorder(),
          step,
          dir: path.join(dir, "runs/20261123T080000-abcdef/002-reboot"),
          remember: async () => void (remembered = true),
          holdLock: async () => undefined,
          fence: lock.fence,
          log: () => undefined,
          othersSettled: () => othersSettled(new FaultyHost(), dir, "20261123T080000-abcdef", 1, "restarts nothing", undefined, 200),
        }),
        (e: unknown) =>
          isUpchainError(e, "LOCKED") &&
          /step 001-migrate of run 20261201T000000-f0f0f0 is still running on this machine/.test((e as Error).message) &&
          /restarts nothing/.test((e as Error).message),
      );
      assert.strictEqual(remembered, false, "no marker noted");
      assert.strictEqual(fs.readFileSync(boot, "utf8"), "A\n", "the machine was not restarted");
      process.kill(-Number(fs.readFileSync(path.join(other, "pid"), "utf8").trim()), "SIGKILL");
    });
  });
});

describe("the executor once another run owns the lock (local fake transport)", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const state = () => path.join(dir, "state");
  const run = (c: Catalog, host = new Recorder()) =>
    executePlan({
      host,
      catalog: c,
      plan: planUpgrade(c, { installed: "1", target: "2", platform: "linux" }),
      ctx: { platform: "linux", releases: ["1", "2"], options: {} },
      resource: "trail",
      stateDir: state(),
      pollMs: 20,
      contactTimeoutMs: 5000,
      lockStaleSeconds: 60,
    });

  it("a restore is launched guarded in the same script", async () => {
    const host = new Recorder();
    await assert.rejects(run(trailCatalog(dir, { fail: true }), host), (e: unknown) => isUpchainError(e, "STEP_FAILED"));
    assertGuarded(host.scriptWith(`echo restore >>`), "setsid sh -c");
    assert.match(fs.readFileSync(path.join(dir, "trail"), "utf8"), /restore/);
  });

  it("a run whose lock is taken over while a step runs changes nothing more, before its heartbeat notices: LOCK_LOST; the journal as it was, no later step, no history", async () => {
    const c = trailCatalog(dir, { slow: 1.5 });
    const running = run(c);
    const owner = machineLock(state()).owner;
    const journal = journalPath(state(), "trail");
    // the take-over, while the slow step runs (the heartbeat beats every 5 s: it has not yet looked)
    const deadline = Date.now() + 10_000;
    while (!fs.existsSync(path.join(dir, "trail")) || !fs.readFileSync(path.join(dir, "trail"), "utf8").includes("change")) {
      if (Date.now() > deadline) assert.fail("the slow step never started");
      await new Promise((r) => setTimeout(r, 20));
    }
    fs.writeFileSync(owner, `run-b ${Math.floor(Date.now() / 1000)} 0 1@other other\n`);
    const before = fs.readFileSync(journal, "utf8");
    await assert.rejects(
      running,
      (e: unknown) => isUpchainError(e, "LOCK_LOST") && /to run run-b/.test((e as Error).message) && /changed nothing more/.test((e as Error).message),
    );
    assert.strictEqual(fs.readFileSync(journal, "utf8"), before, "the journal is as the take-over found it");
    assert.deepStrictEqual(fs.readFileSync(path.join(dir, "trail"), "utf8").trim().split("\n"), ["backup", "change"], "no later step, no restore");
    assert.ok(!fs.existsSync(path.join(state(), "history")), "nothing archived");
    assert.strictEqual(fs.readFileSync(owner, "utf8").split(" ")[0], "run-b", "the new owner's lock is left alone");
  });
});

/** Backup, change (slow or failing on demand), start; a restore. Steps append their ids to `<dir>/trail`. */
function trailCatalog(dir = "/nonexistent", o: { fail?: boolean; slow?: number } = {}): Catalog {
  const mark = (id: string) => `echo ${id} >> ${q(path.join(dir, "trail"))}`;
  return {
    ...trailProduct(),
    hopSteps: () => [
      shStep({ provenance: TEST_STEP, id: "backup", action: "backup", title: "backup", destructive: false, commands: [mark("backup")] }),
      shStep({
        provenance: TEST_STEP,
        id: "change",
        action: "run",
        title: "change",
        destructive: true,
        commands: [mark("change"), ...(o.slow ? [`sleep ${o.slow}`] : []), ...(o.fail ? ["exit 1"] : [])],
      }),
      shStep({ provenance: TEST_STEP, id: "start", action: "run", title: "start", destructive: false, commands: [mark("start")] }),
    ],
    restoreSteps: () => [shStep({ provenance: TEST_STEP, id: "restore", action: "restore", title: "restore", destructive: true, commands: [mark("restore")] })],
  };
}
