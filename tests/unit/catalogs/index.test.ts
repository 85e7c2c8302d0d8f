import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { builtInProducts, findCatalog, getCatalog, productNames } from "../../../providers/catalogs";

const catalogsIndex = path.resolve(__dirname, "../../../providers/catalogs/index.js");

/** The catalog modules a fresh process has loaded after `code` ran with the catalogs' index as `c`. */
function catalogModulesAfter(code: string): string[] {
  const script = `const c = require(${JSON.stringify(catalogsIndex)}); ${code};
    console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /catalogs\\/(omflow|groupmax|oracleAs|altazion)\\//.test(f)).map((f) => f.split("/catalogs/")[1].split("/")[0])))`;
  return [...new Set<string>(JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" })))];
}

describe("catalogs/index", () => {
  it("a provider process that manages only OMFLOW servers loads no other product's catalog (its memory at N = 100)", () => {
    assert.deepStrictEqual(catalogModulesAfter(`c.getCatalog("omflow")`), ["omflow"]);
  });

  it("listing the products loads no catalog; asking for an unknown product still names every one", () => {
    assert.deepStrictEqual(catalogModulesAfter(`c.productNames(); c.builtInProducts(); c.findCatalog("nope")`), []);
    assert.throws(() => getCatalog("nope"), /no catalog for "nope" \(known: omflow, groupmax, oracle-as, altazion-office\)/);
  });

  it("the built-in products are listed in their order, and each name gives the catalog of that product", () => {
    assert.deepStrictEqual(builtInProducts(), ["omflow", "groupmax", "oracle-as", "altazion-office"]);
    assert.deepStrictEqual(productNames().slice(0, 4), builtInProducts());
    for (const p of builtInProducts()) assert.strictEqual(getCatalog(p).product, p);
    assert.strictEqual(findCatalog("groupmax"), getCatalog("groupmax"));
  });
});
