// The example option sets a README's recipe block may plan with (example=<name>, defined beside each
// catalog): each is a legal stack's options by the catalog's own preview validation, each is shown in a
// table of its catalog's README, and the tables they make show the steps that only options add.
import * as assert from "assert";
import { getCatalog } from "../../../providers/catalogs";
import { planInputProblems, planUpgrade } from "../../../providers/engine/planning/planner";
import { RecipeRequest, exampleOptions, recipeRequests, recipeTable } from "../../../providers/recipeTable";
import { RECIPE_EXAMPLES, RECIPE_READMES, regenerated } from "../../../scripts/recipes";
import { repoRoot } from "../../support/pulumi";

/** The README blocks of `product` that name an example. */
const exampleBlocks = (product: string): RecipeRequest[] => recipeRequests(regenerated(repoRoot, product).before).filter((r) => r.example);

/** Only a file that lives on the operator's machine (a patch archive) may be missing here: a legal stack names it, this machine need not have it. */
const onlyLocalFilesMissing = (problems: { path: string; message: string }[]) => problems.filter((p) => !/ does not exist on this machine/.test(p.message));

describe("the recipe tables' example option sets", () => {
  for (const product of Object.keys(RECIPE_READMES)) {
    it(`${product}: every example is named by a block of ${RECIPE_READMES[product]}, and every block names a known one`, () => {
      const named = new Set(exampleBlocks(product).map((r) => r.example));
      assert.deepStrictEqual([...named].sort(), Object.keys(RECIPE_EXAMPLES[product]).sort());
    });

    it(`${product}: each block's example is a legal stack by the catalog's own preview checks, on the block's platform and chain`, () => {
      const catalog = getCatalog(product);
      for (const r of exampleBlocks(product)) {
        const options = exampleOptions(r, RECIPE_EXAMPLES[product]);
        const releases = r.releases ?? catalog.releasesBetween?.(r.from, r.to);
        const hops = planUpgrade(catalog, { installed: r.from, target: r.to, platform: r.platform, releases, options }).hops;
        assert.ok(hops.length > 0, `${r.example} on ${r.platform}: ${r.from} -> ${r.to} plans hops`);
        const problems = planInputProblems(catalog, hops, { platform: r.platform, options, releases });
        assert.deepStrictEqual(onlyLocalFilesMissing(problems), [], `${product} example ${r.example} on ${r.platform}`);
      }
    });
  }

  it("oracle-as: the Windows 9.0.2.0 chain of a Web Cache member shows the patch set, every post-upgrade task, the propagation and the site's home commands", () => {
    const table = recipeTable(
      getCatalog("oracle-as"),
      { platform: "windows", from: "9.0.2.0", to: "10.1.2", example: "webCacheMember" },
      RECIPE_EXAMPLES["oracle-as"],
    );
    for (const id of [
      "9.0.2.0->9.0.2.3: apply-patch-set",
      "post-upgrade-jaznLibraryPaths",
      "post-upgrade-webCacheWallet",
      "post-upgrade-defaultDocumentRoot",
      "web-cache-start",
      "web-cache-propagate",
    ])
      assert.ok(table.includes(id), id);
    assert.match(table, /site: `options\.homeCommands\.stop`/);
    assert.match(table, /site: `options\.webCache\.propagateCommand`/);
    assert.match(table, /\(with the example options `webCacheMember`\)/);
  });

  it("oracle-as: a 9.0.4 tier with Reports, decommissioned, shows the OC4J heap, the Reports server's name and dcmctl leavefarm after the verify", () => {
    const table = recipeTable(
      getCatalog("oracle-as"),
      { platform: "linux", from: "9.0.4", to: "10.1.2", example: "reportsDecommission" },
      RECIPE_EXAMPLES["oracle-as"],
    );
    for (const id of ["oc4j-jvm-heap", "reports-server-name", "post-upgrade-reportsFiles", "leave-farm"]) assert.ok(table.includes(id), id);
    assert.ok(table.indexOf(": verify") < table.indexOf(": leave-farm"));
  });

  it("a block naming an unknown example fails, naming the known ones", () => {
    assert.throws(
      () => recipeTable(getCatalog("oracle-as"), { platform: "linux", from: "9.0.4", to: "10.1.2", example: "nosuch" }, RECIPE_EXAMPLES["oracle-as"]),
      /example=nosuch, which is not one of the catalog's examples for linux \(known: reportsDecommission\)/,
    );
  });
});
