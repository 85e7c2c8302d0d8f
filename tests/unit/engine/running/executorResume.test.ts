// A resumed run goes on only on a host that is on one side of the hop its journal points at: a host
// already past the hop (another run finished the chain) or behind it is refused with nothing run, so
// a finished hop is never redone and "restored" over a newer version.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, shStep } from "../../../../providers/engine/planning/catalog";
import { executePlan } from "../../../../providers/engine/running/executor";
import { journalPath, newJournal, writeJournal } from "../../../../providers/engine/running/journal";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../../providers/errors";
import { quote as q } from "../../../../providers/quote";
import { LocalHost, tempDir } from "../../../support/localHost";
import { UNFENCED } from "../../../support/testFence";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

const KILLED = "20261123T080000-abcdef";

/** Versions 1, 2, 3, one hop at a time; the installed version is the file `<dir>/version`; steps append to `<dir>/trail`. */
function chain(dir: string): Catalog {
  const mark = (id: string) => `echo ${id} >> ${q(path.join(dir, "trail"))}`;
  return {
    ...trailProduct(3),
    hopSteps: (hop) => [
      shStep({ provenance: TEST_STEP, id: "backup", action: "backup", title: "backup", destructive: false, commands: [mark(`backup-${hop.to}`)] }),
      shStep({
        provenance: TEST_STEP,
        id: "change",
        action: "run",
        title: `change to ${hop.to}`,
        destructive: true,
        commands: [mark(`change-${hop.to}`), `echo ${hop.to} > ${q(path.join(dir, "version"))}`],
      }),
      shStep({ provenance: TEST_STEP, id: "start", action: "run", title: "start", destructive: false, commands: [mark(`start-${hop.to}`)] }),
    ],
    restoreSteps: (hop) => [
      shStep({ provenance: TEST_STEP, id: "restore", action: "restore", title: "restore", destructive: true, commands: [mark(`restore-${hop.from}`)] }),
    ],
    probeVersion: () => ({ shell: "sh", command: `cat ${q(path.join(dir, "version"))}` }),
  };
}

describe("executor: a resumed run and the version the host reports (local fake transport)", function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const state = () => path.join(dir, "state");
  const trail = () => (fs.existsSync(path.join(dir, "trail")) ? fs.readFileSync(path.join(dir, "trail"), "utf8").trim().split("\n") : []);

  /** A killed run's journal for 1 -> 3, `next` being the next step, and the host reporting `version`. */
  async function killedAt(next: number, version: string) {
    const c = chain(dir);
    const plan = planUpgrade(c, { installed: "1", target: "3", platform: "linux" });
    fs.writeFileSync(path.join(dir, "version"), `${version}\n`);
    fs.mkdirSync(state(), { recursive: true });
    await writeJournal(new LocalHost(), state(), "trail", { ...newJournal(KILLED, plan), next }, UNFENCED);
    const log: string[] = [];
    const run = () =>
      executePlan({
        host: new LocalHost(),
        catalog: c,
        plan,
        ctx: { platform: "linux", releases: ["1", "2", "3"], options: {} },
        resource: "trail",
        stateDir: state(),
        pollMs: 20,
        contactTimeoutMs: 5000,
        log: (l) => log.push(l),
      });
    return { run, log, journal: fs.readFileSync(journalPath(state(), "trail"), "utf8") };
  }

  it("a host already past the hop the journal points at (another run finished the chain) is refused: JOURNAL_INVALID naming the run to clear; nothing runs, the journal stays", async () => {
    const { run, journal } = await killedAt(2, "3"); // the journal is in hop 1 -> 2; the host runs 3
    await assert.rejects(run(), (e: unknown) => {
      const m = (e as Error).message;
      return (
        isUpchainError(e, "JOURNAL_INVALID") &&
        /at hop 1->2, but the server now reports 3, on neither side of that hop/.test(m) &&
        m.includes(`clearRun: "${KILLED}"`) &&
        /nothing was run/.test(m)
      );
    });
    assert.deepStrictEqual(trail(), [], "no step and no restore ran");
    assert.strictEqual(fs.readFileSync(journalPath(state(), "trail"), "utf8"), journal, "the journal is left for the operator");
  });

  it("a host behind the hop's source is refused too", async () => {
    const { run } = await killedAt(4, "1"); // the journal is in hop 2 -> 3; the host runs 1
    await assert.rejects(run(), (e: unknown) => isUpchainError(e, "JOURNAL_INVALID") && /reports 1, on neither side/.test((e as Error).message));
    assert.deepStrictEqual(trail(), []);
  });

  for (const [where, next, version, ran] of [
    ["at the hop's source", 1, "1", ["change-2", "start-2", "backup-3", "change-3", "start-3"]],
    ["at the hop's target (its change done, its start not)", 2, "2", ["start-2", "backup-3", "change-3", "start-3"]],
  ] as const) {
    it(`a host ${where} resumes`, async () => {
      const { run } = await killedAt(next, version);
      const r = await run();
      assert.strictEqual(r.resumedRun, KILLED);
      assert.deepStrictEqual(trail(), ran);
    });
  }

  it("a run killed after its last step, before it wrote done, is finished without running anything, and says so (never 'step 7 of 6')", async () => {
    const { run, log } = await killedAt(6, "3");
    const r = await run();
    assert.strictEqual(r.resumedRun, KILLED);
    assert.deepStrictEqual(trail(), [], "no step ran again");
    assert.ok(
      log.some((l) => l.includes(`finishing run ${KILLED}: 1 -> 3, whose 6 steps had all run`)),
      log.join("\n"),
    );
    assert.ok(!log.some((l) => /at step 7 of 6/.test(l)), log.join("\n"));
    assert.ok(!fs.existsSync(journalPath(state(), "trail")), "the finished run's journal is archived");
  });
});
