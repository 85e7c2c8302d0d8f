// The article before a product's title reads as the title is said, for every catalog shipped.
import * as assert from "assert";
import { withArticle } from "../../providers/article";
import { getCatalog, productNames } from "../../providers/catalogs";

describe("the article before a product's title", () => {
  const expected: Record<string, string> = {
    omflow: "an OMFLOW",
    groupmax: "a Groupmax master management server",
    "oracle-as": "an Oracle Application Server middle tier",
    "altazion-office": "an Altazion Office",
  };

  it("every catalog shipped has its title written with the right article", () => {
    assert.deepStrictEqual(productNames().sort(), Object.keys(expected).sort(), "a new catalog needs its expected article here");
    for (const p of productNames()) assert.strictEqual(withArticle(getCatalog(p).title), expected[p], p);
  });

  const cases: [string, string, string][] = [
    ["an acronym spelt from a letter said with a vowel sound takes an", "SAP", "an SAP"],
    ["an acronym spelt from a letter said with a consonant sound takes a", "DB2", "a DB2"],
    ["a word that starts with a vowel takes an", "Exchange", "an Exchange"],
    ["a word that starts with a consonant takes a", "Postgres", "a Postgres"],
  ];
  for (const [name, title, want] of cases) it(name, () => assert.strictEqual(withArticle(title), want));
});
