// How many round trips a run costs: every exec is an SSH channel, a sudo and a shell on the host, and at
// 20 hosts they are most of the time between steps. A counting fake transport (the local one, every
// exec recorded) runs the same chain with few and with many steps: the difference is the cost per step,
// the rest the cost per run. Bounds, not exact counts, so that a poll more under load does not fail it;
// each bound is below what the run cost before the bookkeeping was folded into the launches.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, shStep } from "../../../../providers/engine/planning/catalog";
import { executePlan } from "../../../../providers/engine/running/executor";
import { journalPath, parseJournal } from "../../../../providers/engine/running/journal";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { quote as q } from "../../../../providers/quote";
import { CountingHost } from "../../../support/countingHost";
import { tempDir } from "../../../support/localHost";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

/** One hop 1 -> 2 of `n` quick steps, each appending its id to `<dir>/trail`; the version is `<dir>/version`. */
function quickSteps(dir: string, n: number): Catalog {
  return {
    ...trailProduct(2, "quick"),
    hopSteps: (hop) =>
      Array.from({ length: n }, (_, i) =>
        shStep({
          provenance: TEST_STEP,
          id: `s${i}`,
          action: i === 0 ? "backup" : "run",
          title: `step ${i}`,
          destructive: i > 0,
          commands: [`echo s${i} >> ${q(path.join(dir, "trail"))}`, ...(i === n - 1 ? [`echo ${hop.to} > ${q(path.join(dir, "version"))}`] : [])],
        }),
      ),
    restoreSteps: () => [],
    probeVersion: () => ({ shell: "sh", command: `cat ${q(path.join(dir, "version"))}` }),
  };
}

describe("executor: round trips per step and per run (counting fake transport)", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function execsFor(steps: number): Promise<number> {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "version"), "1\n");
    const c = quickSteps(dir, steps);
    const plan = planUpgrade(c, { installed: "1", target: "2", platform: "linux" });
    const host = new CountingHost();
    const state = path.join(dir, "state");
    const result = await executePlan({
      host,
      catalog: c,
      plan,
      ctx: { platform: "linux", releases: ["1", "2"], options: {} },
      resource: "quick",
      stateDir: state,
      pollMs: 500,
      contactTimeoutMs: 5000,
    });
    assert.deepStrictEqual(
      fs.readFileSync(path.join(dir, "trail"), "utf8").trim().split("\n"),
      Array.from({ length: steps }, (_, i) => `s${i}`),
      "every step ran, once, in order",
    );
    const history = fs.readdirSync(path.join(state, "history"));
    assert.strictEqual(history.length, 1, "the finished journal is archived");
    assert.strictEqual(parseJournal(fs.readFileSync(path.join(state, "history", history[0]), "utf8"), "history").status, "done");
    assert.ok(!fs.existsSync(journalPath(state, "quick")));
    assert.deepStrictEqual(result.versionAtEnd, { code: 0, stdout: "2\n" }, "the version after the run, read in the run's last exec");
    return host.runExecs;
  }

  // before the journal rode on the launches: 6 per step (journal, launch, poll, output, secrets file,
  // "next") and 9 per run; nospin's final poll (output and secrets file with it) takes this to 2 per step
  // the run's end (journal "done", archive, lock release) in one exec (runEnd.ts): 4 per run before, 3 after
  it("a step launched detached costs at most 4 execs (its launch with the journal write, the poll that finds it ended, its output, its secrets file), and a run at most 3 besides its steps", async () => {
    const few = await execsFor(2);
    const many = await execsFor(8);
    const perStep = (many - few) / 6;
    const perRun = few - 2 * perStep;
    console.log(`      measured: ${perStep.toFixed(2)} execs per step, ${perRun.toFixed(2)} per run (2 steps: ${few}, 8 steps: ${many})`);
    assert.ok(perStep <= 4, `${perStep} execs per step`);
    assert.ok(perRun <= 3, `${perRun} execs per run besides its steps`);
  });
});
