// What the executor does after a failed step, on a local fake transport: the restore point comes
// back only when something destructive ran, recovery steps run in every case, and after a failed
// restore only the recovery steps marked `always` run.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, shStep } from "../../../../providers/engine/planning/catalog";
import { executePlan } from "../../../../providers/engine/running/executor";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { newJournal, writeJournal } from "../../../../providers/engine/running/journal";
import { isUpchainError } from "../../../../providers/errors";
import { RunRecord, runRecord, writeRunRecord } from "../../../../providers/engine/running/runRecord";
import { quote as q } from "../../../../providers/quote";
import { LocalHost, tempDir } from "../../../support/localHost";
import { UNFENCED } from "../../../support/testFence";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

/** A product whose steps append their ids to `trail`; `fail` names the step that exits 1. */
function catalog(trail: string, fail: string, restoreFails = false): Catalog {
  const mark = (id: string) => `echo ${q(id)} >> ${q(trail)}`;
  const run = (id: string, destructive: boolean) =>
    shStep({
      provenance: TEST_STEP,
      id,
      action: id === "backup" ? "backup" : "run",
      title: id,
      destructive,
      commands: [mark(id), ...(id === fail ? ["exit 1"] : [])],
    });
  return {
    ...trailProduct(),
    hopSteps: () => [run("stop", false), run("backup", false), run("change", true), run("start", false)],
    restoreSteps: () => [
      shStep({
        provenance: TEST_STEP,
        id: "restore",
        action: "restore",
        title: "restore",
        destructive: true,
        commands: [mark("restore"), ...(restoreFails ? ["exit 1"] : [])],
      }),
    ],
    recoverSteps: () => [
      {
        ...shStep({
          provenance: TEST_STEP,
          id: "setting-back",
          action: "restore",
          title: "setting back",
          destructive: false,
          commands: [mark("setting-back")],
        }),
        always: true,
      },
      shStep({ provenance: TEST_STEP, id: "start-old", action: "restore", title: "start old", destructive: false, commands: [mark("start-old")] }),
    ],
    probeVersion: () => ({ shell: "sh", command: "echo 1" }),
  };
}

async function runWith(fail: string, restoreFails = false): Promise<{ trail: string[]; error: unknown }> {
  const dir = tempDir();
  const trail = path.join(dir, "trail");
  const c = catalog(trail, fail, restoreFails);
  const plan = planUpgrade(c, { installed: "1", target: "2", platform: "linux" });
  const error = await executePlan({
    host: new LocalHost(),
    catalog: c,
    plan,
    ctx: { platform: "linux", releases: ["1", "2"], options: {} },
    resource: "trail",
    stateDir: path.join(dir, "state"),
    pollMs: 20,
  }).then(
    () => undefined,
    (e) => e,
  );
  const lines = fs.existsSync(trail) ? fs.readFileSync(trail, "utf8").trim().split("\n") : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { trail: lines, error };
}

describe("the run's timeline (journal and the controller's record)", function () {
  this.timeout(20_000);

  it("a failed run keeps every step's start, end and outcome, then the restore and recovery steps, named from the controller's plan", async () => {
    const dir = tempDir();
    const trail = path.join(dir, "trail");
    const c = catalog(trail, "change");
    const plan = planUpgrade(c, { installed: "1", target: "2", platform: "linux" });
    let record: RunRecord | undefined;
    await executePlan({
      host: new LocalHost(),
      catalog: c,
      plan,
      ctx: { platform: "linux", releases: ["1", "2"], options: {} },
      resource: "trail",
      stateDir: path.join(dir, "state"),
      pollMs: 20,
      onFinish: (j) => (record = runRecord(j, plan, c, "local-fake", "trail")),
    }).catch(() => undefined);
    assert.ok(record, "onFinish was told the journal of a failed run");
    assert.strictEqual(record.status, "restored");
    assert.deepStrictEqual(
      record.steps.map((s) => `${s.kind}:${s.id}:${s.outcome}`),
      ["step:stop:ok", "step:backup:ok", "step:change:failed", "restore:restore:ok", "recover:setting-back:ok", "recover:start-old:ok"],
    );
    assert.ok(record.steps.every((s) => s.hop === "1->2" && s.end !== undefined && s.start <= s.end));
    const out = writeRunRecord(record, path.join(dir, "runs"));
    assert.deepStrictEqual(JSON.parse(fs.readFileSync(out, "utf8")), JSON.parse(JSON.stringify(record)));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("executor after a failed step (local fake transport)", function () {
  this.timeout(20_000);

  it("before anything destructive: no restore, but the recovery steps put the old version back in service", async () => {
    const r = await runWith("stop");
    assert.deepStrictEqual(r.trail, ["stop", "setting-back", "start-old"]);
    assert.ok(isUpchainError(r.error, "STEP_FAILED"));
    assert.match((r.error as Error).message, /nothing had been changed yet, and 1 was put back in service/);
  });

  it("after a destructive step: the restore point comes back, then the recovery steps run", async () => {
    const r = await runWith("start");
    assert.deepStrictEqual(r.trail, ["stop", "backup", "change", "start", "restore", "setting-back", "start-old"]);
    assert.match((r.error as Error).message, /step "start" \(start\) of hop 1->2 exited 1; the host was restored to 1/);
  });

  it("when the restore fails too: only the `always` recovery steps run, and the error says to restore by hand", async () => {
    const r = await runWith("change", true);
    assert.deepStrictEqual(r.trail, ["stop", "backup", "change", "restore", "setting-back"]);
    assert.ok(isUpchainError(r.error, "RESTORE_FAILED"));
    assert.match(
      (r.error as Error).message,
      /restoring the backup failed too .*Restore it by hand; every later run on this server is refused until you set clearRun: "\d{8}T\d{6}-[0-9a-f]{6}"/s,
    );
  });

  it("a chain that succeeds runs no restore or recovery step", async () => {
    const r = await runWith("none");
    assert.deepStrictEqual(r.trail, ["stop", "backup", "change", "start"]);
    assert.strictEqual(r.error, undefined);
  });
});

describe("executor resuming a step the killed run never launched (local fake transport)", function () {
  this.timeout(20_000);

  it("runs the step (once) instead of restoring, and finishes the chain", async () => {
    const dir = tempDir();
    const trail = path.join(dir, "trail");
    const stateDir = path.join(dir, "state");
    const c = catalog(trail, "none");
    const plan = planUpgrade(c, { installed: "1", target: "2", platform: "linux" });
    const host = new LocalHost();
    // the killed run wrote the journal naming step 3 ("change") and made its folder, then died before launching it
    const run = "20261123T080000-abcdef";
    fs.mkdirSync(path.join(stateDir, "runs", run, "002-change"), { recursive: true });
    fs.writeFileSync(trail, "stop\nbackup\n");
    await writeJournal(host, stateDir, "trail", { ...newJournal(run, plan), next: 2, inFlight: { index: 2 } }, UNFENCED);
    const lines: string[] = [];
    const r = await executePlan({
      host,
      catalog: c,
      plan,
      ctx: { platform: "linux", releases: ["1", "2"], options: {} },
      resource: "trail",
      stateDir,
      pollMs: 20,
      log: (l) => lines.push(l),
    });
    assert.strictEqual(r.resumedRun, run);
    assert.deepStrictEqual(fs.readFileSync(trail, "utf8").trim().split("\n"), ["stop", "backup", "change", "start"]);
    assert.ok(
      lines.some((l) => /the interrupted run never launched it; running it now/.test(l)),
      lines.join("\n"),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
