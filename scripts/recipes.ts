// Regenerates the recipe tables in the catalog READMEs (`npm run recipes`): each
// `<!-- recipe <platform> <from> <to> [releases=...] [example=<name>] -->` block is rewritten from the
// catalog (providers/recipeTable.ts), planned with the named example option set when it names one.
// The unit test tests/unit/docs/recipeTables.test.ts fails when a README's tables are not what this writes.
import * as fs from "fs";
import * as path from "path";
import { getCatalog } from "../providers/catalogs";
import { ALTAZION_RECIPE_EXAMPLES } from "../providers/catalogs/altazion/recipeExamples";
import { GROUPMAX_RECIPE_EXAMPLES } from "../providers/catalogs/groupmax/recipeExamples";
import { OMFLOW_RECIPE_EXAMPLES } from "../providers/catalogs/omflow/recipeExamples";
import { ORACLE_AS_RECIPE_EXAMPLES } from "../providers/catalogs/oracleAs/recipeExamples";
import { RecipeExamples, withRecipeTables } from "../providers/recipeTable";

/** Each catalog README with recipe tables, by product. */
export const RECIPE_READMES: Record<string, string> = {
  omflow: "providers/catalogs/omflow/README.md",
  groupmax: "providers/catalogs/groupmax/README.md",
  "oracle-as": "providers/catalogs/oracleAs/README.md",
  "altazion-office": "providers/catalogs/altazion/README.md",
};

/** Each catalog's example option sets, which a README's block names with example=<name> (defined beside the catalog). */
export const RECIPE_EXAMPLES: Record<string, RecipeExamples> = {
  omflow: OMFLOW_RECIPE_EXAMPLES,
  groupmax: GROUPMAX_RECIPE_EXAMPLES,
  "oracle-as": ORACLE_AS_RECIPE_EXAMPLES,
  "altazion-office": ALTAZION_RECIPE_EXAMPLES,
};

export function regenerated(root: string, product: string): { file: string; before: string; after: string } {
  const file = path.join(root, RECIPE_READMES[product]);
  const before = fs.readFileSync(file, "utf8");
  return { file, before, after: withRecipeTables(getCatalog(product), before, RECIPE_EXAMPLES[product]) };
}

if (require.main === module) {
  const root = path.resolve(__dirname, "../..");
  for (const product of Object.keys(RECIPE_READMES)) {
    const r = regenerated(root, product);
    if (r.after !== r.before) fs.writeFileSync(r.file, r.after);
    console.log(`${path.relative(root, r.file)}: ${r.after === r.before ? "up to date" : "rewritten"}`);
  }
}
