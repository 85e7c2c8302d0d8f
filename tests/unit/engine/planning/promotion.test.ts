// Environments promoted in order: the pure verdict on a target, given what the previous stack runs.
import * as assert from "assert";
import { groupmax } from "../../../../providers/catalogs/groupmax";
import { altazion } from "../../../../providers/catalogs/altazion";
import { oracleAs } from "../../../../providers/catalogs/oracleAs";
import { Proven, addProven, hasVisibleText, promotionProblem } from "../../../../providers/engine/planning/promotion";

describe("promotion: a target must already run in the environment promoted from", () => {
  it("an override whose reason has no visible text (spaces, a tab, U+200B) lets nothing through (issue 19)", () => {
    for (const override of [" ", "\t", "\u200b", " \u200b\u00a0"]) {
      assert.ok(promotionProblem(groupmax.scheme, "groupmax", "06-00", { from: "staging", proven: [], server: "gmx1", override }), JSON.stringify(override));
      assert.strictEqual(hasVisibleText(override), false, JSON.stringify(override));
    }
    assert.strictEqual(hasVisibleText("CVE-2026-0001"), true);
  });

  it("a target the previous stack runs passes", () => {
    assert.strictEqual(promotionProblem(groupmax.scheme, "groupmax", "06-00", { from: "staging", proven: ["05-00", "06-00"] }), undefined);
  });

  it("a target it does not run yet is refused, naming the version, the stack, what it runs, and the override", () => {
    const p = promotionProblem(groupmax.scheme, "groupmax", "06-00", { from: "staging", proven: ["05-00"], server: "gmx1" })!;
    assert.match(p, /^06-00 is not yet run successfully by the stack it is promoted from \(staging\) for groupmax: it runs 05-00\. /);
    assert.match(p, /pulumi config set --path 'upchain:promotion\.overrides\.gmx1' '<why it cannot wait>'/);
  });

  it("a server whose name holds a dot is named in brackets, so that --path reads it as one key", () => {
    assert.match(
      promotionProblem(groupmax.scheme, "groupmax", "06-00", { from: "staging", proven: [], server: "gmx.paris" })!,
      /'upchain:promotion\.overrides\["gmx\.paris"\]'/,
    );
  });

  it("a previous stack with no server of the product says so", () => {
    assert.match(promotionProblem(groupmax.scheme, "groupmax", "06-00", { from: "staging", proven: [] })!, /it runs no groupmax server successfully/);
  });

  it("versions are compared as the product's releases: 10.1.2 is 10.1.2.0.2", () => {
    assert.strictEqual(promotionProblem(oracleAs.scheme, "oracle-as", "10.1.2", { from: "staging", proven: ["10.1.2.0.2"] }), undefined);
  });

  it("a module set passes when each module runs at its version somewhere in the previous stack", () => {
    const gate = { from: "staging", proven: ["ecommerce=5.2.0.0", "integration=5.2.0.0,database=5.2.0.0"] };
    assert.strictEqual(promotionProblem(altazion.scheme, "altazion-office", "ecommerce=5.2.0.0,database=5.2.0.0", gate), undefined);
    assert.match(
      promotionProblem(altazion.scheme, "altazion-office", "ecommerce=5.2.0.0,phygitalapi=5.2.0.0", gate)!,
      /^phygitalapi=5\.2\.0\.0 is not yet run/,
    );
  });

  it("an override lets the target through (the caller shows it)", () => {
    assert.strictEqual(
      promotionProblem(groupmax.scheme, "groupmax", "06-00", { from: "staging", proven: [], override: "CVE fix approved by change 4711" }),
      undefined,
    );
  });

  it("a stack proves only the versions its servers run after a successful run", () => {
    const p: Proven = {};
    addProven(p, "groupmax", "06-00", "gm1", true);
    addProven(p, "groupmax", "06-00", "gm2", true);
    addProven(p, "groupmax", "05-00", "gm3", false);
    addProven(p, "omflow", undefined, "of1", true);
    assert.deepStrictEqual(p, { groupmax: { "06-00": ["gm1", "gm2"] } });
  });
});
