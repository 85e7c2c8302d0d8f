// What the executor does when things go wrong around a step, on a local fake transport: polls that
// fail prove nothing, a pid is trusted only with its start time, a step past its deadline is stopped
// and the hop restored, errors thrown inside a step restore too, a failed restore is kept and refuses
// later runs until cleared, and an edit that cannot keep its copy writes nothing.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, Step, shStep, uploadStep } from "../../../../providers/engine/planning/catalog";
import { parseStepState, startDetached, stepState } from "../../../../providers/engine/running/detached";
import { ExecuteOptions, executePlan } from "../../../../providers/engine/running/executor";
import { journalPath, newJournal, stepDir, writeJournal } from "../../../../providers/engine/running/journal";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../../providers/errors";
import { quote as q } from "../../../../providers/quote";
import { FaultyHost } from "../../../support/faultyHost";
import { LocalHost, tempDir } from "../../../support/localHost";
import { UNFENCED } from "../../../support/testFence";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

/** A product whose steps append their ids to `trail`. `extra` steps come after the destructive "change". */
function catalog(dir: string, o: { change?: string[]; restore?: string[]; extra?: Step[] } = {}): Catalog {
  const trail = path.join(dir, "trail");
  const mark = (id: string) => `echo ${q(id)} >> ${q(trail)}`;
  return {
    ...trailProduct(),
    hopSteps: () => [
      shStep({
        provenance: TEST_STEP,
        id: "backup",
        action: "backup",
        title: "backup",
        destructive: false,
        commands: [mark("backup")],
        backupDir: path.join(dir, "backups/1-to-2"),
      }),
      shStep({ provenance: TEST_STEP, id: "change", action: "run", title: "change", destructive: true, commands: [mark("change"), ...(o.change ?? [])] }),
      ...(o.extra ?? []),
      shStep({ provenance: TEST_STEP, id: "start", action: "run", title: "start", destructive: false, commands: [mark("start")] }),
    ],
    restoreSteps: () => [
      shStep({
        provenance: TEST_STEP,
        id: "restore",
        action: "restore",
        title: "restore",
        destructive: true,
        commands: [mark("restore"), ...(o.restore ?? [])],
      }),
    ],
    probeVersion: () => ({ shell: "sh", command: "echo 1" }),
  };
}

describe("executor faults (local fake transport)", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const trail = () => (fs.existsSync(path.join(dir, "trail")) ? fs.readFileSync(path.join(dir, "trail"), "utf8").trim().split("\n") : []);
  const run = (c: Catalog, extra: Partial<ExecuteOptions> = {}) =>
    executePlan({
      host: new LocalHost(),
      catalog: c,
      plan: planUpgrade(c, { installed: "1", target: "2", platform: "linux" }),
      ctx: { platform: "linux", releases: ["1", "2"], options: {} },
      resource: "trail",
      stateDir: path.join(dir, "state"),
      pollMs: 20,
      contactTimeoutMs: 5000,
      ...extra,
    });
  const journal = () => JSON.parse(fs.readFileSync(journalPath(path.join(dir, "state"), "trail"), "utf8"));

  it("reads only the state lines its script prints; anything else is a poll to repeat, not a verdict", () => {
    assert.deepStrictEqual(parseStepState("finished 3\n"), { state: "finished", code: 3 });
    assert.deepStrictEqual(parseStepState("running 100 160"), { state: "running", elapsedSeconds: 60 });
    assert.deepStrictEqual(parseStepState("gone"), { state: "lost" });
    for (const junk of ["", "finished", "finished x", "finished 256", "finished 3; rm -rf /", "lost", "running", "sudo: a password is required", "bad pid"]) {
      assert.strictEqual(parseStepState(junk), undefined, junk);
    }
  });

  it("polls that fail (sudo hiccups, dropped channels) are retried: the step is not lost and nothing is restored", async () => {
    const host = new FaultyHost();
    host.faults.push({ match: /s=not-started/, times: 3, mode: "exit", message: "sudo: a password is required" });
    host.faults.push({ match: /s=not-started/, times: 2, mode: "throw", message: "(SSH) Channel open failure: open failed" });
    const c = catalog(dir, { change: ["sleep 1"] });
    const r = await run(c, { host, contactTimeoutMs: 30_000 });
    assert.strictEqual(r.reached, "2");
    assert.deepStrictEqual(trail(), ["backup", "change", "start"]);
    assert.ok(host.struck >= 5, `${host.struck} faults struck`);
  });

  it("a poll that never succeeds ends in OUTCOME_UNKNOWN, with no restore and the step still named in the journal", async () => {
    const host = new FaultyHost();
    const c = catalog(dir, { change: ["sleep 2"] });
    host.faults.push({ match: /s=not-started/, times: 1000, mode: "throw", message: "Not connected" });
    await assert.rejects(
      run(c, { host, contactTimeoutMs: 1500 }),
      (e: unknown) =>
        isUpchainError(e, "OUTCOME_UNKNOWN") && /may still be running/.test((e as Error).message) && ((e as Error).cause as Error)?.message === "Not connected",
    );
    assert.ok(!trail().includes("restore"), trail().join(","));
    assert.deepStrictEqual(journal().inFlight, { index: 0 }, "the backup step is in flight");
    assert.strictEqual(journal().status, "running");
  });

  it("contact lost for good while writing the journal says so, not that a step may still be running, and keeps the last failure as the cause", async () => {
    const host = new FaultyHost();
    const c = catalog(dir);
    // the run's closing write (journal written and archived in one exec) never gets through, and the host does not answer
    host.faults.push({ match: /\/history\//, times: 1000, mode: "throw", message: "Not connected" });
    host.faults.push({ match: /^true$/, times: 1000, mode: "throw", message: "Not connected" });
    const e = await run(c, { host, contactTimeoutMs: 1500 }).catch((x: unknown) => x);
    assert.ok(isUpchainError(e, "OUTCOME_UNKNOWN"), String(e));
    const message = (e as Error).message;
    assert.match(message, /lost contact with the host while writing and archiving the journal \(last error: Not connected\)/);
    assert.match(message, /The journal on the host may not record this run's last step: nothing was restored/);
    assert.doesNotMatch(message, /step may still be running/);
    assert.strictEqual(((e as Error).cause as Error | undefined)?.message, "Not connected");
    assert.deepStrictEqual(trail(), ["backup", "change", "start"]);
  });

  it("a pid that now belongs to another process (a reboot reused it) is not taken for the step", async () => {
    const stepDir = path.join(dir, "step");
    fs.mkdirSync(stepDir);
    fs.writeFileSync(path.join(stepDir, "pid"), `${process.pid}\n`); // alive, but not the step's process
    fs.writeFileSync(path.join(stepDir, "start"), "1\n");
    fs.writeFileSync(path.join(stepDir, "started"), "1\n");
    assert.deepStrictEqual(await stepState(new LocalHost(), stepDir), { state: "lost" });
    const realStart = fs.readFileSync(`/proc/${process.pid}/stat`, "utf8").replace(/.*\) /s, "").split(" ")[19];
    fs.writeFileSync(path.join(stepDir, "start"), `${realStart}\n`);
    assert.strictEqual((await stepState(new LocalHost(), stepDir))?.state, "running");
  });

  it("a step past its deadline is stopped (its process group gone) and the hop is restored", async () => {
    const c = catalog(dir, { change: [`sleep 30 & echo $! > ${q(path.join(dir, "child"))}; wait`] });
    const started = Date.now();
    await assert.rejects(
      run(c, { stepTimeouts: { change: 1 } }),
      (e: unknown) => isUpchainError(e, "STEP_FAILED") && /exited 124/.test((e as Error).message) && /past its deadline of 1s/.test((e as Error).message),
    );
    assert.ok(Date.now() - started < 15_000, "it did not wait for the sleep");
    assert.deepStrictEqual(trail(), ["backup", "change", "restore"]);
    const child = fs.readFileSync(path.join(dir, "child"), "utf8").trim();
    // gone, or a zombie waiting for this machine's init to reap it: either way no longer running
    const state = fs.existsSync(`/proc/${child}/stat`) ? fs.readFileSync(`/proc/${child}/stat`, "utf8").replace(/.*\) /s, "")[0] : "gone";
    assert.ok(state === "gone" || state === "Z", `the step's child process was stopped too (state ${state})`);
  });

  it("an error thrown inside a step (an upload that cannot be written) restores the hop like a failed command", async () => {
    const host = new FaultyHost();
    fs.writeFileSync(path.join(dir, "patch"), "x");
    const up = uploadStep("sh", {
      provenance: TEST_STEP,
      id: "upload",
      title: "upload the patch",
      source: path.join(dir, "patch"),
      destination: path.join(dir, "uploaded/patch"),
    });
    host.faults.push({ on: "write", match: /uploaded\/patch/, times: 1000, mode: "throw", message: "No space left on device" });
    await assert.rejects(
      run(catalog(dir, { extra: [up] }), { host }),
      (e: unknown) =>
        isUpchainError(e, "STEP_FAILED") && /could not be carried out/.test((e as Error).message) && /No space left on device/.test((e as Error).message),
    );
    assert.deepStrictEqual(trail(), ["backup", "change", "restore"]);
  });

  it("a failed restore is kept in the journal: the next run is refused naming the restore point, until clearRun names the run", async () => {
    const c = catalog(dir, { change: ["exit 1"], restore: ["echo disk full >&2", "exit 1"] });
    await assert.rejects(
      run(c),
      (e: unknown) => isUpchainError(e, "RESTORE_FAILED") && /The restore point is kept on the host: .*backups\/1-to-2/.test((e as Error).message),
    );
    const j = journal();
    assert.strictEqual(j.status, "restore-failed");
    assert.match(j.failure.why, /disk full/);
    // the next run touches nothing: no backup step runs again over the kept restore point
    await assert.rejects(
      run(catalog(dir)),
      (e: unknown) =>
        isUpchainError(e, "RESTORE_FAILED") && new RegExp(`clearRun: "${j.run}"`).test((e as Error).message) && /backups\/1-to-2/.test((e as Error).message),
    );
    assert.deepStrictEqual(trail(), ["backup", "change", "restore"]);
    // a clearRun naming another run does not clear it
    await assert.rejects(run(catalog(dir), { clearRun: "20200101T000000-000000" }), (e: unknown) => isUpchainError(e, "RESTORE_FAILED"));
    const r = await run(catalog(dir), { clearRun: j.run });
    assert.strictEqual(r.reached, "2");
    assert.ok(fs.readdirSync(path.join(dir, "state/history")).some((f) => f.includes(`${j.run}.cleared`)));
  });

  it("an edit whose copy of the old file cannot be made writes nothing", async () => {
    const file = path.join(dir, "site.conf");
    fs.writeFileSync(file, "LoadModule wsgi_module /old/mod_wsgi.so\n");
    const host = new FaultyHost();
    host.faults.push({ match: /(^|\n)cp -p -- /, times: 1, mode: "exit", message: "cp: cannot create regular file: No space left on device" });
    const edit = shStep({
      provenance: TEST_STEP,
      id: "edit",
      action: "edit",
      title: "point wsgi at the new module",
      destructive: true,
      commands: [],
      file,
      edit: "wsgi-module",
      valueCommand: "echo /new/mod_wsgi.so",
    });
    await assert.rejects(
      run(catalog(dir, { extra: [edit] }), { host }),
      (e: unknown) => isUpchainError(e, "STEP_FAILED") && /could not keep a copy of .*site\.conf.*so it was not edited/.test((e as Error).message),
    );
    assert.strictEqual(fs.readFileSync(file, "utf8"), "LoadModule wsgi_module /old/mod_wsgi.so\n");
  });

  it("a reboot command that fails fails the step at once with its output, and the hop is restored", async () => {
    const host = new FaultyHost();
    const reboot = shStep({
      provenance: TEST_STEP,
      id: "reboot",
      action: "reboot",
      title: "reboot",
      destructive: true,
      commands: ["echo 'shutdown: not permitted' >&2", "exit 7"],
      bootMarker: "echo boot-1",
      timeoutSeconds: 600,
    });
    const started = Date.now();
    await assert.rejects(
      run(catalog(dir, { extra: [reboot] }), { host }),
      (e: unknown) =>
        isUpchainError(e, "STEP_FAILED") && /exited 7/.test((e as Error).message) && /the reboot command failed .*not permitted/s.test((e as Error).message),
    );
    assert.ok(Date.now() - started < 20_000, "not after the reboot timeout");
    assert.strictEqual(host.reconnects, 0, "it never waited for a reboot that could not start");
    assert.deepStrictEqual(trail(), ["backup", "change", "restore"]);
  });

  describe("a run killed while it restored the hop", () => {
    const killed = "20261123T080000-abcdef";
    /**
     * What a run killed during the restore leaves: the journal naming the failed "change" step in
     * flight, that step finished with exit 1, and the restore step's folder started with `restore`.
     */
    async function killedDuringRestore(c: Catalog, restore: string): Promise<string> {
      const state = path.join(dir, "state");
      const host = new LocalHost();
      fs.mkdirSync(state);
      const plan = planUpgrade(c, { installed: "1", target: "2", platform: "linux" });
      await writeJournal(host, state, "trail", { ...newJournal(killed, plan), next: 1, inFlight: { index: 1 } }, UNFENCED);
      await startDetached(host, stepDir(state, killed, 1, "change"), "exit 1", undefined, UNFENCED);
      fs.writeFileSync(path.join(dir, "trail"), "backup\nchange\n");
      const restoreDir = path.join(state, "runs", killed, "restore-restore");
      await startDetached(host, restoreDir, restore, undefined, UNFENCED);
      return restoreDir;
    }
    const trailMark = () => `echo restore >> ${q(path.join(dir, "trail"))}`;

    it("waits for the restore it left running and does not run it again", async () => {
      const c = catalog(dir);
      await killedDuringRestore(c, `sleep 1; ${trailMark()}`);
      const lines: string[] = [];
      await assert.rejects(
        run(c, { log: (l) => lines.push(l) }),
        (e: unknown) => isUpchainError(e, "STEP_FAILED") && /restored to 1/.test((e as Error).message),
      );
      assert.deepStrictEqual(trail(), ["backup", "change", "restore"], "the restore ran once");
      assert.ok(
        lines.some((l) => /left running by the interrupted run; waited for it, not run again/.test(l)),
        lines.join("\n"),
      );
    });

    it("takes the verdict of a restore it finished: one that failed is a failed restore, not a second attempt", async () => {
      const c = catalog(dir);
      await killedDuringRestore(c, `${trailMark()}; echo disk full >&2; exit 1`);
      await new Promise((r) => setTimeout(r, 300));
      await assert.rejects(run(c), (e: unknown) => isUpchainError(e, "RESTORE_FAILED") && /disk full/.test((e as Error).message));
      assert.deepStrictEqual(trail(), ["backup", "change", "restore"], "the failed restore was not run again");
      assert.strictEqual(journal().status, "restore-failed");
    });

    it("names the restore point its backup printed when that restore failed, although the backup ran in the killed run", async () => {
      // a catalog that names no backup folder: its backup prints "restore point: <archive>" as its last line
      const base = catalog(dir);
      const c: Catalog = { ...base, hopSteps: (hop, ctx) => base.hopSteps(hop, ctx).map((s) => (s.action === "backup" ? { ...s, backupDir: undefined } : s)) };
      await killedDuringRestore(c, `${trailMark()}; exit 1`);
      await startDetached(
        new LocalHost(),
        stepDir(path.join(dir, "state"), killed, 0, "backup"),
        "echo taking it; echo 'restore point: /srv/kept/1-before-2.tar.gz'",
        undefined,
        UNFENCED,
      );
      await assert.rejects(
        run(c),
        (e: unknown) =>
          isUpchainError(e, "RESTORE_FAILED") && (e as Error).message.includes("The restore point is kept on the host: /srv/kept/1-before-2.tar.gz."),
      );
      assert.strictEqual(journal().failure.restorePoint, "/srv/kept/1-before-2.tar.gz");
    });

    it("runs again a restore whose process died without an exit status (the machine restarted)", async () => {
      const c = catalog(dir);
      const restoreDir = await killedDuringRestore(c, "sleep 30");
      // the machine restarted: the restore's whole process group is gone, and it wrote no exit status
      process.kill(-Number(fs.readFileSync(path.join(restoreDir, "pid"), "utf8").trim()), "SIGKILL");
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(!fs.existsSync(path.join(restoreDir, "rc")));
      await assert.rejects(run(c), (e: unknown) => isUpchainError(e, "STEP_FAILED") && /restored to 1/.test((e as Error).message));
      assert.deepStrictEqual(trail(), ["backup", "change", "restore"]);
    });
  });

  it("a resumed run re-issues a reboot that never happened", async () => {
    const host = new FaultyHost();
    let marker = "boot-1";
    const markerFile = path.join(dir, "marker");
    fs.writeFileSync(markerFile, marker);
    // the "reboot" changes the marker, as a real restart changes the boot id
    const reboot = shStep({
      provenance: TEST_STEP,
      id: "reboot",
      action: "reboot",
      title: "reboot",
      destructive: true,
      commands: [`echo boot-2 > ${q(markerFile)}`],
      bootMarker: `cat ${q(markerFile)}`,
      timeoutSeconds: 600,
    });
    const c = catalog(dir, { extra: [reboot] });
    const plan = planUpgrade(c, { installed: "1", target: "2", platform: "linux" });
    const { newJournal, writeJournal } = await import("../../../../providers/engine/running/journal");
    fs.mkdirSync(path.join(dir, "state"));
    // the killed run noted the marker (step 2 in flight) but died before it launched the reboot
    await writeJournal(
      host,
      path.join(dir, "state"),
      "trail",
      { ...newJournal("20261123T080000-abcdef", plan), next: 2, inFlight: { index: 2, marker } },
      UNFENCED,
    );
    fs.writeFileSync(path.join(dir, "trail"), "backup\nchange\n");
    const r = await run(c, { host });
    assert.strictEqual(r.resumedRun, "20261123T080000-abcdef");
    marker = fs.readFileSync(markerFile, "utf8").trim();
    assert.strictEqual(marker, "boot-2", "the reboot was issued");
    assert.deepStrictEqual(trail(), ["backup", "change", "start"]);
  });
});
