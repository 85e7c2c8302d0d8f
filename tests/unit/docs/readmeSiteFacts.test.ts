// The README's table "What each site must supply": every stack option it names (`options.…`) is one the
// product's catalog refuses at preview when it is missing. Checked on the catalogs' own example stacks (the
// recipe tables' examples, legal by recipeExamples.test.ts): the option is taken out of an example that sets
// it, and preview's checks must then name it. A `<task>` segment stands for each key the example gives there.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { getCatalog } from "../../../providers/catalogs";
import { planInputProblems, planUpgrade } from "../../../providers/engine/planning/planner";
import { exampleOptions, recipeRequests } from "../../../providers/recipeTable";
import { RECIPE_EXAMPLES, regenerated } from "../../../scripts/recipes";
import { repoRoot } from "../../support/pulumi";

const PRODUCT_OF_ROW: Record<string, string> = { OMFLOW: "omflow", Groupmax: "groupmax", "Oracle AS": "oracle-as", "Altazion Office": "altazion-office" };

/** The README's site table: product -> the `options.…` paths its row names. */
function siteTable(readme: string): Map<string, string[]> {
  const start = readme.indexOf("| product | the site supplies");
  assert.ok(start >= 0, "the README has its site table");
  const lines = readme.slice(start).split("\n").slice(2);
  const rows = lines.slice(
    0,
    lines.findIndex((l) => !l.startsWith("|")),
  );
  const table = new Map<string, string[]>();
  for (const row of rows) {
    const product = PRODUCT_OF_ROW[row.split("|")[1].trim()];
    assert.ok(product, `a row of the README's site table names a product upchain knows: ${row.slice(0, 40)}`);
    table.set(
      product,
      [...row.matchAll(/`(options\.[A-Za-z0-9_.<>]+)`/g)].map((m) => m[1]),
    );
  }
  return table;
}

type Options = Record<string, unknown>;
const clone = (o: Options): Options => JSON.parse(JSON.stringify(o));

/** The concrete paths `pattern` stands for in `options` (a `<…>` segment: each key there), as segments after `options`. */
function concretePaths(options: Options, pattern: string): string[][] {
  let paths: string[][] = [[]];
  for (const seg of pattern.split(".").slice(1)) {
    paths = paths.flatMap((p) => {
      const here = p.reduce<unknown>((o, k) => (o as Options | undefined)?.[k], options) as Options | undefined;
      if (!here || typeof here !== "object") return [];
      return /^<.*>$/.test(seg) ? Object.keys(here).map((k) => [...p, k]) : seg in here ? [[...p, seg]] : [];
    });
  }
  return paths;
}

function without(options: Options, segs: string[]): Options {
  const copy = clone(options);
  const parent = segs.slice(0, -1).reduce<Options>((o, k) => o[k] as Options, copy);
  delete parent[segs[segs.length - 1]];
  return copy;
}

describe("the README's site table names only options preview refuses when missing", () => {
  const table = siteTable(fs.readFileSync(path.join(repoRoot, "README.md"), "utf8"));

  it("has a row for each of the four products, and names options for Oracle AS and Altazion Office", () => {
    assert.deepStrictEqual([...table.keys()].sort(), Object.values(PRODUCT_OF_ROW).sort());
    for (const p of ["oracle-as", "altazion-office"]) assert.ok(table.get(p)!.length >= 5, `${p}: ${table.get(p)}`);
  });

  for (const [product, named] of table) {
    for (const option of named) {
      it(`${product}: without ${option}, preview names it`, () => {
        const catalog = getCatalog(product);
        const blocks = recipeRequests(regenerated(repoRoot, product).before).filter((r) => r.example);
        const tried: string[] = [];
        for (const r of blocks) {
          const options = exampleOptions(r, RECIPE_EXAMPLES[product]);
          for (const segs of concretePaths(options, option)) {
            const field = ["options", ...segs].join(".");
            const stripped = without(options, segs);
            const releases = r.releases ?? catalog.releasesBetween?.(r.from, r.to);
            const hops = planUpgrade(catalog, { installed: r.from, target: r.to, platform: r.platform, releases, options }).hops;
            const problems = planInputProblems(catalog, hops, { platform: r.platform, options: stripped, releases });
            if (problems.some((p) => p.path === field || p.path.startsWith(`${field}.`) || p.path.startsWith(`${field}[`))) return;
            tried.push(`${r.example} (${r.platform} ${r.from} -> ${r.to}) without ${field}: ${problems.map((p) => p.path).join(", ") || "no problem"}`);
          }
        }
        assert.fail(
          tried.length
            ? `never refused:\n${tried.join("\n")}`
            : `no recipe example of ${product} sets ${option}, so the README's claim is not checked: add it to an example`,
        );
      });
    }
  }
});
