// What a run decides from the journal it finds, before anything runs (settleJournal): on the
// in-memory journal store, so each case is the journal and the stack's word, nothing else.
import * as assert from "assert";
import { Catalog, shStep } from "../../../../providers/engine/planning/catalog";
import { ExecuteOptions } from "../../../../providers/engine/running/executor";
import { Journal, newJournal, newRunId } from "../../../../providers/engine/running/journal";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { settleJournal } from "../../../../providers/engine/running/resumeChecks";
import { isUpchainError } from "../../../../providers/errors";
import { LocalHost } from "../../../support/localHost";
import { MemoryJournalStore } from "../../../support/memoryJournalStore";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

const catalog: Catalog = {
  ...trailProduct(3, "settled"),
  hopSteps: () => [shStep({ provenance: TEST_STEP, id: "change", action: "run", title: "change", destructive: false, commands: [":"] })],
  restoreSteps: () => [],
};
const plan = (target = "3") => planUpgrade(catalog, { installed: "1", target, platform: "linux" });
const options = (extra: Partial<ExecuteOptions> = {}): ExecuteOptions => ({
  host: new LocalHost(),
  catalog,
  plan: plan(),
  ctx: { platform: "linux", releases: ["1", "2", "3"], options: {} },
  resource: "settled",
  ...extra,
});
const interrupted = (extra: Partial<Journal> = {}): Journal => ({ ...newJournal(newRunId(), plan()), next: 1, ...extra });

describe("settleJournal: what the journal found on the host lets the run do", () => {
  let lines: string[];
  const log = (line: string) => lines.push(line);
  beforeEach(() => (lines = []));

  it("with no journal, nothing is pending and nothing is archived", async () => {
    const store = new MemoryJournalStore(undefined, "settled");
    assert.strictEqual(await settleJournal(options(), store, undefined, log), undefined);
    assert.deepStrictEqual(store.archived, []);
  });

  it("an interrupted run of this very plan is resumed, its journal left where it is", async () => {
    const j = interrupted();
    const store = new MemoryJournalStore(j, "settled");
    assert.strictEqual((await settleJournal(options(), store, j, log))?.run, j.run);
    assert.deepStrictEqual(store.archived, []);
  });

  it("a finished run killed before its archive has its journal archived, and nothing is pending", async () => {
    const j = interrupted({ status: "restored" });
    const store = new MemoryJournalStore(j, "settled");
    assert.strictEqual(await settleJournal(options(), store, j, log), undefined);
    assert.deepStrictEqual(
      store.archived.map((a) => a.name),
      [`settled.${j.run}.json`],
    );
  });

  it("a failed restore refuses the run, naming the restore point and the clearRun to set, and keeps the journal", async () => {
    const j = interrupted({ status: "restore-failed", failure: { hop: "1->2", step: '"change" (change)', restorePoint: "/backups/one.tgz", why: "exited 1" } });
    const store = new MemoryJournalStore(j, "settled");
    await assert.rejects(
      settleJournal(options(), store, j, log),
      (e: unknown) =>
        isUpchainError(e, "RESTORE_FAILED") &&
        /\/backups\/one\.tgz/.test((e as Error).message) &&
        (e as Error).message.includes(`clearRun: "${j.run}"`) &&
        (e as Error).message.includes(store.where),
    );
    assert.deepStrictEqual(store.archived, []);
  });

  it("a failed restore cleared by clearRun is archived as .cleared, and the run plans afresh", async () => {
    const j = interrupted({ status: "restore-failed" });
    const store = new MemoryJournalStore(j, "settled");
    assert.strictEqual(await settleJournal(options({ clearRun: j.run }), store, j, log), undefined);
    assert.deepStrictEqual(
      store.archived.map((a) => a.name),
      [`settled.${j.run}.cleared.json`],
    );
    assert.match(lines.join("\n"), new RegExp(`cleared run ${j.run} \\(its restore had failed\\) as asked by clearRun; its journal is in memory:history`));
  });

  it("an interrupted run named by clearRun is abandoned: archived as .abandoned", async () => {
    const j = interrupted();
    const store = new MemoryJournalStore(j, "settled");
    assert.strictEqual(await settleJournal(options({ clearRun: j.run }), store, j, log), undefined);
    assert.deepStrictEqual(
      store.archived.map((a) => a.name),
      [`settled.${j.run}.abandoned.json`],
    );
  });

  it("an interrupted run of another plan is refused with JOURNAL_INVALID, naming both plans, and the journal stays", async () => {
    const j = interrupted();
    const store = new MemoryJournalStore(j, "settled");
    const other = options({ plan: plan("2") });
    await assert.rejects(
      settleJournal(other, store, j, log),
      (e: unknown) =>
        isUpchainError(e, "JOURNAL_INVALID") &&
        /settled 1 -> 3, plan \w{12}\), but from this stack that chain plans as settled 1 -> 2/.test((e as Error).message),
    );
    assert.deepStrictEqual(store.archived, []);
    assert.strictEqual((await store.read())?.run, j.run);
  });
});
