// The Oracle AS chain, from tables typed independently from the document (chapter 4 of
// 004_e7ff3c8021ac49a3.txt): which source takes which hops, what is refused and why.
import * as assert from "assert";
import { oracleAs, oracleScheme } from "../../../../providers/catalogs/oracleAs";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../../providers/errors";

const plan = (from: string, to = "10.1.2", platform: "linux" | "windows" = "linux") => planUpgrade(oracleAs, { installed: from, target: to, platform });
const chain = (from: string, to = "10.1.2") => plan(from, to).hops.map((h) => `${h.from}>${h.to}`);

describe("oracle-as: versions", () => {
  const table: [string, string | undefined][] = [
    ["9.0.2", "9.0.2.0"],
    ["9.0.2.0.0", "9.0.2.0"],
    ["9.0.2.3", "9.0.2.3"],
    ["9.0.2.3.0", "9.0.2.3"],
    ["9.0.3.1", "9.0.3"],
    ["9.0.4", "9.0.4"],
    ["9.0.4.1.0", "9.0.4"],
    ["10.1.2", "10.1.2"],
    ["10.1.2.0.2", "10.1.2"],
    [" 10.1.2.0.2 ", "10.1.2"],
    ["9.0", undefined],
    ["9.0.2.3.0.1", undefined],
    ["10g", undefined],
    ["9.0.2.x", undefined],
    ["", undefined],
  ];
  for (const [text, want] of table) it(`"${text}" reads as ${want ?? "not a version"}`, () => assert.strictEqual(oracleScheme.normalize(text), want));

  it("compares numerically, a missing number reading as 0", () => {
    assert.ok(oracleScheme.compare("9.0.2.3", "9.0.10") < 0);
    assert.ok(oracleScheme.compare("10.1.2", "9.0.4") > 0);
    assert.strictEqual(oracleScheme.compare("9.0.2", "9.0.2.0"), 0);
  });
});

describe("oracle-as: the chain", () => {
  const table: [string, string[]][] = [
    ["9.0.2.0", ["9.0.2.0>9.0.2.3", "9.0.2.3>10.1.2"]],
    ["9.0.2.1", ["9.0.2.1>9.0.2.3", "9.0.2.3>10.1.2"]],
    ["9.0.2.3", ["9.0.2.3>10.1.2"]],
    ["9.0.3", ["9.0.3>10.1.2"]],
    ["9.0.3.1", ["9.0.3>10.1.2"]],
    ["9.0.4", ["9.0.4>10.1.2"]],
    ["10.1.2.0.2", []],
  ];
  for (const [from, hops] of table) it(`${from} -> 10.1.2: ${hops.join(", ") || "nothing to do"}`, () => assert.deepStrictEqual(chain(from), hops));

  it("a 9.0.2 source below the patch set may stop at 9.0.2.3", () => assert.deepStrictEqual(chain("9.0.2.0", "9.0.2.3"), ["9.0.2.0>9.0.2.3"]));

  it("every hop carries its rule and the document's section", () => {
    for (const h of plan("9.0.2.0").hops) {
      assert.match(h.rule.id, /^oracle-as\./);
      assert.match(h.rule.source, /004_e7ff3c8021ac49a3\.txt/);
      assert.ok(h.rule.text.length > 20);
    }
    assert.match(plan("9.0.2.0").hops[0].rule.text, /3038037/);
  });

  it("9.0.1 has no legal path, and the refusal names the documented sources", () => {
    assert.throws(
      () => plan("9.0.1"),
      (e: unknown) => isUpchainError(e, "NO_LEGAL_PATH") && /9\.0\.2\.x.*9\.0\.3\.x.*9\.0\.4\.x/.test(e.message),
    );
  });

  it("an older target is a DOWNGRADE", () => {
    assert.throws(
      () => plan("10.1.2.0.2", "9.0.4"),
      (e: unknown) => isUpchainError(e, "DOWNGRADE") && e.path[0] === "target",
    );
  });

  it("9.0.2.0 cannot skip the patch set, even with only 10.1.2 known", () => {
    assert.throws(
      () => planUpgrade(oracleAs, { installed: "9.0.2.0", target: "10.1.2", platform: "linux", releases: ["10.1.2"] }),
      (e: unknown) => isUpchainError(e, "NO_LEGAL_PATH"),
    );
  });
});
