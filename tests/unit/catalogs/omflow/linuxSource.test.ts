// Every OMFLOW Linux step says where it comes from, every quote is the document's own words, and no
// step reads a file no document names (the old recipe's VERSION).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { omflow } from "../../../../providers/catalogs/omflow";
import { SOURCE } from "../../../../providers/catalogs/omflow/linuxSource";
import { planUpgrade } from "../../../../providers/engine/planner";

// dist/tests/unit/catalogs/omflow -> the worktree; the seeds are shared beside it
const seeds = path.resolve(__dirname, "../../../../..", "../shared/seeds");
const normal = (s: string) => s.replace(/\s+/g, " ").trim();
const allSteps = (options: Record<string, unknown>, from: string, to: string) => {
  const p = planUpgrade(omflow, { installed: from, target: to, platform: "linux", options });
  const ctx = { platform: "linux" as const, releases: omflow.defaultReleases, options };
  return [...p.steps, ...p.hops.flatMap((h) => omflow.restoreSteps(h, ctx))];
};
const chains: [string, Record<string, unknown>, string, string][] = [
  ["a bugfix hop without options", {}, "1.1.6.1", "1.1.6.4"],
  ["the 1.2.0.0 chain offline", { offlineBundle: "/srv/b", databaseBackup: "true", databaseRestore: "true" }, "1.1.6.1", "1.2.0.1"],
  ["the 1.2.0.0 chain online", { online: true }, "1.1.5.0", "1.2.0.0"],
];

describe("OMFLOW on Linux: every step's provenance", () => {
  for (const [name, quoteSource] of Object.entries(SOURCE)) {
    if (quoteSource.kind !== "document") continue;
    it(`the quote of ${name} is in ${quoteSource.document} word for word`, function () {
      const file = path.join(seeds, quoteSource.document);
      if (!fs.existsSync(file)) this.skip();
      assert.ok(normal(fs.readFileSync(file, "utf8")).includes(normal(quoteSource.quote)), `${quoteSource.quote} is not in ${file}`);
    });
  }

  for (const [chain, options, from, to] of chains) {
    it(`${chain}: every hop step and restore step has a provenance`, () => {
      const missing = allSteps(options, from, to).filter((s) => !s.provenance).map((s) => s.id);
      assert.deepStrictEqual(missing, []);
    });

    it(`${chain}: no step reads or writes a VERSION file`, () => {
      const mentions = allSteps(options, from, to).filter((s) => JSON.stringify(s).includes("VERSION")).map((s) => s.id);
      assert.deepStrictEqual(mentions, []);
    });
  }

  it("the site's commands are named by the field the user writes, never defaulted", () => {
    const steps = allSteps({}, "1.1.6.1", "1.1.6.3");
    const site = steps.filter((s) => s.provenance?.kind === "site").map((s) => [s.id, (s.provenance as { field: string }).field]);
    assert.deepStrictEqual(site, [["backup-database", "options.databaseBackup"], ["upload-patch", "options.patches"], ["verify", "options.runningCheck"], ["restore-database", "options.databaseRestore"]]);
    assert.match(steps.find((s) => s.id === "backup-database")!.commands.join("\n"), /<site: options\.databaseBackup> is not given/);
  });
});
