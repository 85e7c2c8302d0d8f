// Re-planning an interrupted run for a product whose releases come from the host (Catalog.offers):
// the host's offer has moved on since the run started (a module installed, the service's detection
// changed), so the journal's own chain of versions is what the run is planned with again.
import * as assert from "assert";
import { Catalog, Hop, PlanContext, shStep } from "../../../../providers/engine/planning/catalog";
import { newJournal, parseJournal, planDigest } from "../../../../providers/engine/running/journal";
import { planUpgrade, replanInterrupted } from "../../../../providers/engine/planning/planner";
import { dottedNumbers } from "../../../../providers/engine/planning/version";
import { isUpchainError } from "../../../../providers/errors";
import { TEST_STEP } from "../../../support/testProvenance";

/** A product with an update service: nothing is known but what the host offers; one hop to each next release on offer. */
const serviced: Catalog = {
  product: "serviced",
  title: "Serviced",
  scheme: dottedNumbers(1, "3"),
  platforms: ["linux"],
  defaultReleases: [],
  legalHops: (from: string, ctx: PlanContext) =>
    ctx.releases.filter((r) => Number(r) === Number(from) + 1).map((to) => ({ from, to, rule: { id: "r", text: "r", source: "s" } }) as Hop),
  requiredStops: () => [],
  hopSteps: (hop) => [
    shStep({ provenance: TEST_STEP, id: "backup", action: "backup", title: "backup", destructive: false, commands: ["true"] }),
    shStep({ provenance: TEST_STEP, id: "install", action: "run", title: `install ${hop.to}`, destructive: true, commands: ["true"] }),
  ],
  restoreSteps: () => [],
  offers: () => ({ shell: "sh", command: "cat offer", read: () => ({ releases: [], target: "" }) }),
};

describe("planner: an interrupted run re-planned for a product whose releases come from the host", () => {
  // the run started at 1 with 2 and 3 on offer; killed after the first hop, the host now offers only 3
  const started = planUpgrade(serviced, { installed: "1", target: "3", platform: "linux", releases: ["1", "2", "3"] });
  const journal = parseJournal(JSON.stringify(newJournal("20261207T040000-abcdef", started)), "test");

  it("the journal keeps the chain of versions its plan passes through", () => {
    assert.deepStrictEqual(journal.chain, ["1", "2", "3"]);
  });

  it("re-planned from the journal with none of the stack's releases (what preview has): the very plan the run started, by its digest", () => {
    const again = replanInterrupted(serviced, { platform: "linux", releases: [] }, journal);
    assert.strictEqual(planDigest(again), journal.planDigest);
  });

  it("re-planned with what the host offers now (3 only): still the run's own plan", () => {
    const again = replanInterrupted(serviced, { platform: "linux", releases: ["3"] }, journal);
    assert.strictEqual(planDigest(again), journal.planDigest);
  });

  it("a product whose releases are the stack's keeps them: a release removed from the stack still refuses the journal's plan", () => {
    const own: Catalog = { ...serviced, product: "own", offers: undefined, defaultReleases: ["1", "2", "3"] };
    const ownJournal = parseJournal(
      JSON.stringify(newJournal("20261207T040000-abcdef", planUpgrade(own, { installed: "1", target: "3", platform: "linux" }))),
      "test",
    );
    assert.throws(
      () => replanInterrupted(own, { platform: "linux", releases: ["1", "3"] }, ownJournal),
      (e: unknown) => isUpchainError(e, "UNKNOWN_VERSION") || isUpchainError(e, "NO_LEGAL_PATH"),
    );
  });

  it("a chain that does not run from the journal's from to its to is not a journal this version writes", () => {
    assert.throws(
      () => parseJournal(JSON.stringify({ ...journal, chain: ["1", "9"] }), "test"),
      (e: unknown) => isUpchainError(e, "JOURNAL_INVALID"),
    );
  });

  it("a journal written before the chain was kept: re-planned from the given releases, as before", () => {
    const { chain: _c, ...old } = journal;
    const older = parseJournal(JSON.stringify(old), "test");
    assert.throws(
      () => replanInterrupted(serviced, { platform: "linux", releases: [] }, older),
      (e: unknown) => isUpchainError(e, "UNKNOWN_VERSION") && /known: ;/.test((e as Error).message),
    );
    assert.strictEqual(planDigest(replanInterrupted(serviced, { platform: "linux", releases: ["2", "3"] }, older)), journal.planDigest);
  });
});
