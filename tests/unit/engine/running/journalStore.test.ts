// The journal store's contract, held by both stores: the host's (journal files under a state folder,
// on the local fake transport) and the in-memory one the unit tests use in its place. A test that
// passes with the memory store says something about the host only because both pass these.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, shStep } from "../../../../providers/engine/planning/catalog";
import { Journal, newJournal, newRunId, parseJournal } from "../../../../providers/engine/running/journal";
import { JournalStore, hostJournalStore } from "../../../../providers/engine/running/journalStore";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { LocalHost, tempDir } from "../../../support/localHost";
import { MemoryJournalStore } from "../../../support/memoryJournalStore";
import { UNFENCED } from "../../../support/testFence";
import { TEST_STEP } from "../../../support/testProvenance";
import { trailProduct } from "../../../support/trailProduct";

const catalog: Catalog = {
  ...trailProduct(2, "stored"),
  hopSteps: () => [shStep({ provenance: TEST_STEP, id: "change", action: "run", title: "change", destructive: false, commands: [":"] })],
  restoreSteps: () => [],
};
const journal = (): Journal => newJournal(newRunId(), planUpgrade(catalog, { installed: "1", target: "2", platform: "linux" }));

const stores: { name: string; open: () => { store: JournalStore; done: () => void } }[] = [
  {
    name: "the host's store",
    open: () => {
      const dir = tempDir();
      fs.mkdirSync(path.join(dir, "state")); // made by the lock, before any journal is written
      return {
        store: hostJournalStore(new LocalHost(), path.join(dir, "state"), "stored", UNFENCED),
        done: () => fs.rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  { name: "the in-memory store", open: () => ({ store: new MemoryJournalStore(undefined, "stored"), done: () => undefined }) },
];

for (const { name, open } of stores) {
  describe(`JournalStore contract: ${name}`, () => {
    let store: JournalStore;
    let done: () => void;
    beforeEach(() => ({ store, done } = open()));
    afterEach(() => done());

    it("a store with no journal reads none", async () => {
      assert.strictEqual(await store.read(), undefined);
    });

    it("a journal written is read back as written, stamped with the time of the write", async () => {
      const j = journal();
      j.next = 1;
      const before = Date.now();
      await store.write(j);
      const read = await store.read();
      assert.strictEqual(read?.run, j.run);
      assert.strictEqual(read?.next, 1);
      assert.ok(Date.parse(read!.updatedAt) >= before - 1000, read?.updatedAt);
    });

    it("a journal changed after its write is read as it was written, not as the caller's object is now", async () => {
      const j = journal();
      await store.write(j);
      j.next = 1;
      assert.strictEqual((await store.read())?.next, 0);
    });

    it("archiving moves the journal to the history under its run's name and leaves none behind", async () => {
      const j = journal();
      await store.write(j);
      const to = await store.archive(j.run, ".cleared");
      assert.ok(to.endsWith(`stored.${j.run}.cleared.json`), to);
      assert.strictEqual(await store.read(), undefined);
    });

    it("a second archive of the same run takes the next free name: one run's record never replaces another's", async () => {
      const j = journal();
      await store.write(j);
      const first = await store.archive(j.run);
      await store.write(j);
      const second = await store.archive(j.run);
      assert.ok(first.endsWith(`stored.${j.run}.json`), first);
      assert.ok(second.endsWith(`stored.${j.run}-2.json`), second);
    });

    it("archiving when there is no journal fails, saying so", async () => {
      await assert.rejects(store.archive(journal().run), /no journal to move/);
    });

    it("a finished journal written and archived at once, then again (its answer lost), is recorded once", async () => {
      const j = journal();
      await store.write(j);
      j.status = "restored";
      const first = await store.writeAndArchive(j);
      const again = await store.writeAndArchive(j);
      assert.strictEqual(again, first);
      assert.ok(first.endsWith(`stored.${j.run}.json`), first);
      assert.strictEqual(await store.read(), undefined);
    });

    it("the write a step's launch carries is the journal as JSON, readable by its owner only", () => {
      const j = journal();
      const w = store.launchWrite(j);
      assert.strictEqual(w.mode, 0o600);
      assert.ok(w.file.endsWith("/stored.journal.json"), w.file);
      assert.strictEqual(parseJournal(w.content, w.file).run, j.run);
    });
  });
}
