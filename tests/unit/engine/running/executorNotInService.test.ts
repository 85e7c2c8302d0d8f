// A hop fails, its restore point comes back, but putting the old release back in service (a recovery
// step) fails too: the run must say exactly that (RESTORED_NOT_IN_SERVICE), not RESTORE_FAILED, whose
// message promises that every later run is refused, while the journal says `restored` and the next
// `up` does proceed. Local fake transport (LocalHost behind the RemoteHost interface).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, shStep } from "../../../../providers/engine/planning/catalog";
import { executePlan } from "../../../../providers/engine/running/executor";
import { Journal } from "../../../../providers/engine/running/journal";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../../providers/errors";
import { quote as q } from "../../../../providers/quote";
import { LocalHost, tempDir } from "../../../support/localHost";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

/** A product whose steps append their ids to `trail`; `fail` lists the steps that exit 1. */
function catalog(trail: string, fail: () => string[]): Catalog {
  const mark = (id: string) => `echo ${q(id)} >> ${q(trail)}`;
  const step = (id: string, action: "run" | "backup" | "restore", destructive: boolean) =>
    shStep({
      provenance: TEST_STEP,
      id,
      action,
      title: id === "start-old" ? "Start 1 again" : id,
      destructive,
      commands: [mark(id), ...(fail().includes(id) ? ["exit 1"] : [])],
    });
  return {
    ...trailProduct(),
    hopSteps: () => [step("stop", "run", false), step("backup", "backup", false), step("change", "run", true), step("start", "run", false)],
    restoreSteps: () => [step("restore", "restore", true)],
    recoverSteps: () => [step("start-old", "restore", false)],
    probeVersion: () => ({ shell: "sh", command: "echo 1" }),
  };
}

describe("executor: restored, but the old release not back in service (local fake transport)", function () {
  this.timeout(20_000);

  it("a restore that works followed by a restart that fails says RESTORED_NOT_IN_SERVICE, what to start, and that the next up retries; the next up does", async () => {
    const dir = tempDir();
    const trail = path.join(dir, "trail");
    const stateDir = path.join(dir, "state");
    let failing = ["change", "start-old"];
    const c = catalog(trail, () => failing);
    // planned afresh each run: the steps' commands are fixed when planned
    const run = () =>
      executePlan({
        host: new LocalHost(),
        catalog: c,
        plan: planUpgrade(c, { installed: "1", target: "2", platform: "linux" }),
        ctx: { platform: "linux", releases: ["1", "2"], options: {} },
        resource: "trail",
        stateDir,
        pollMs: 20,
        onFinish: (j) => (journal = j),
      });
    let journal: Journal | undefined;
    try {
      const error = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isUpchainError(error, "RESTORED_NOT_IN_SERVICE"), `expected RESTORED_NOT_IN_SERVICE, got ${String(error)}`);
      const m = (error as Error).message;
      assert.match(m, /step "change" \(change\) of hop 1->2 exited 1/);
      assert.match(m, /the backup was restored, so the server is back on 1, but not in service/);
      assert.match(m, /"Start 1 again"/, "names the recovery step that failed, so the operator knows what to start");
      assert.match(m, /the next pulumi up retries hop 1->2 from 1/);
      assert.doesNotMatch(m, /clearRun|every later run/, "makes no promise the journal does not keep");
      assert.strictEqual(journal?.status, "restored");
      assert.deepStrictEqual(fs.readFileSync(trail, "utf8").trim().split("\n"), ["stop", "backup", "change", "restore", "start-old"]);

      // what the message promised: the next up runs the hop again, untouched by the earlier failure
      failing = [];
      fs.rmSync(trail);
      await run();
      assert.deepStrictEqual(fs.readFileSync(trail, "utf8").trim().split("\n"), ["stop", "backup", "change", "start"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("before anything destructive, a restart that fails says the same code: nothing was changed, the server is on 1 but not running", async () => {
    const dir = tempDir();
    const c = catalog(path.join(dir, "trail"), () => ["stop", "start-old"]);
    const plan = planUpgrade(c, { installed: "1", target: "2", platform: "linux" });
    try {
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
        (e: unknown) => e,
      );
      assert.ok(isUpchainError(error, "RESTORED_NOT_IN_SERVICE"), `expected RESTORED_NOT_IN_SERVICE, got ${String(error)}`);
      assert.match((error as Error).message, /nothing had been changed yet/);
      assert.match((error as Error).message, /"Start 1 again"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
