// The site's confirmations of 004's tasks before 10.1.2 (options.prerequisites): only "done" is a
// value, an unknown task is refused naming the near one, and every sentence quoted from 004 is in the
// seed word for word, with its translation.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { checkOracleAsOptions } from "../../../../providers/catalogs/oracleAs/options";
import { PREREQUISITES, WEB_CACHE_PORT_IN_PORTLIST } from "../../../../providers/catalogs/oracleAs/prerequisites";
import { DOCUMENTS } from "../../../../providers/engine/planning/provenance";
import { repoRoot } from "../../../support/pulumi";

const seedsDir = process.env.UPCHAIN_SEEDS ?? path.resolve(repoRoot, "../shared/seeds");
const normalized = (text: string) => text.replace(/\s+/g, " ").trim();

describe("oracle-as: options.prerequisites (the site's confirmations)", () => {
  it('takes "done" for each task, and nothing at all', () => {
    for (const platform of ["linux", "windows"] as const) {
      assert.deepStrictEqual(
        checkOracleAsOptions({ prerequisites: { updateOid902Entries: "done", registerModOssoOnWebCachePort: "done" } }, platform).problems,
        [],
      );
      assert.deepStrictEqual(checkOracleAsOptions({}, platform).problems, []);
    }
  });

  it("refuses any other value and an unknown task, all at once, naming each field and the legal choice", () => {
    const { problems } = checkOracleAsOptions(
      { prerequisites: { updateOid902Entries: "yes", registerModOssoOnWebCachePort: true, updateOidEntries: "done" } },
      "linux",
    );
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    assert.match(byPath["options.prerequisites.updateOid902Entries"], /the only value is "done" \(leave it out until the task is done\)/);
    assert.match(byPath["options.prerequisites.registerModOssoOnWebCachePort"], /the only value is "done"/);
    assert.match(byPath["options.prerequisites.updateOidEntries"], /updateOid902Entries/);
  });

  it("every sentence quoted from 004 is in the seed word for word, with an English translation", () => {
    const seed = normalized(fs.readFileSync(path.join(seedsDir, DOCUMENTS.oracleAs), "utf8"));
    const quoted = [...Object.values(PREREQUISITES).map((p) => p.provenance), WEB_CACHE_PORT_IN_PORTLIST];
    for (const p of quoted) {
      assert.strictEqual(p.document, DOCUMENTS.oracleAs);
      assert.ok(seed.includes(normalized(p.quote)), `not in 004: ${p.quote}`);
      assert.ok(p.translation && /^[\x20-\x7e]+$/.test(p.translation), `an English translation of: ${p.quote}`);
    }
  });
});
