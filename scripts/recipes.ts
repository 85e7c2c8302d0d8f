// Regenerates the recipe tables in the catalog READMEs (`npm run recipes`): each
// `<!-- recipe <platform> <from> <to> -->` block is rewritten from the catalog (providers/recipeTable.ts).
// The unit test tests/unit/docs/recipeTables.test.ts fails when a README's tables are not what this writes.
import * as fs from "fs";
import * as path from "path";
import { getCatalog } from "../providers/catalogs";
import { withRecipeTables } from "../providers/recipeTable";

/** Each catalog README with recipe tables, by product. */
export const RECIPE_READMES: Record<string, string> = {
  omflow: "providers/catalogs/omflow/README.md",
  groupmax: "providers/catalogs/groupmax/README.md",
  "altazion-office": "providers/catalogs/altazion/README.md",
};

export function regenerated(root: string, product: string): { file: string; before: string; after: string } {
  const file = path.join(root, RECIPE_READMES[product]);
  const before = fs.readFileSync(file, "utf8");
  return { file, before, after: withRecipeTables(getCatalog(product), before) };
}

if (require.main === module) {
  const root = path.resolve(__dirname, "../..");
  for (const product of Object.keys(RECIPE_READMES)) {
    const r = regenerated(root, product);
    if (r.after !== r.before) fs.writeFileSync(r.file, r.after);
    console.log(`${path.relative(root, r.file)}: ${r.after === r.before ? "up to date" : "rewritten"}`);
  }
}
