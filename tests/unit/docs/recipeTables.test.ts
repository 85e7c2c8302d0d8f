// The catalog READMEs' recipe tables are generated (npm run recipes): a README whose tables are not
// what the catalog plans fails here, so the tables cannot drift from the code.
import * as assert from "assert";
import { getCatalog } from "../../../providers/catalogs";
import { recipeRequests } from "../../../providers/recipeTable";
import { RECIPE_READMES, regenerated } from "../../../scripts/recipes";
import { repoRoot } from "../../support/pulumi";

describe("the catalog READMEs' recipe tables", () => {
  for (const product of Object.keys(RECIPE_READMES)) {
    it(`${RECIPE_READMES[product]} holds a table for each platform of ${product}, each what the catalog plans now (else: npm run recipes)`, () => {
      const r = regenerated(repoRoot, product);
      const platforms = new Set(recipeRequests(r.before).map((q) => q.platform));
      assert.deepStrictEqual([...platforms].sort(), [...getCatalog(product).platforms].sort());
      assert.ok(r.after === r.before, `${RECIPE_READMES[product]} is out of date: run npm run recipes`);
    });
  }

  it("a table counts its steps by provenance, and states none as not stated", () => {
    const r = regenerated(repoRoot, "omflow");
    for (const line of r.after.split("\n").filter((l) => / steps: \d+ from the document/.test(l))) {
      const [, all, doc, site, safety] = line.match(/^(\d+) steps: (\d+) from the document, (\d+) from the site, (\d+) upchain's safety/)!.map(Number);
      assert.strictEqual(doc + site + safety, all, line);
    }
  });
});
