import * as assert from "assert";
import { sizeProblem, splitWaves, waveLabel, waveVerdict } from "../../../../providers/engine/planning/waves";

const fleet = (n: number) => Array.from({ length: n }, (_, i) => `s${i + 1}`);

describe("rollout waves: which servers go in which wave", () => {
  it("a canary of one, then a quarter of the fleet at a time: the last size repeats until every server has a wave", () => {
    assert.deepStrictEqual(
      splitWaves(fleet(9), [1, "25%"]).map((w) => w.length),
      [1, 2, 2, 2, 2],
    );
    assert.deepStrictEqual(splitWaves(fleet(9), [1, "25%"]).flat(), fleet(9), "every server once, in the order given");
  });
  it("counts and percentages mix; a percentage of a small fleet is still at least one server", () => {
    assert.deepStrictEqual(
      splitWaves(fleet(7), [1, 3]).map((w) => w.length),
      [1, 3, 3],
    );
    assert.deepStrictEqual(
      splitWaves(fleet(3), ["10%"]).map((w) => w.length),
      [1, 1, 1],
    );
    assert.deepStrictEqual(
      splitWaves(fleet(4), [10]).map((w) => w.length),
      [4],
      "a wave larger than what is left takes the rest",
    );
  });
  it("no sizes: one wave; no servers: no wave", () => {
    assert.deepStrictEqual(splitWaves(fleet(3), []), [fleet(3)]);
    assert.deepStrictEqual(splitWaves([], [1, 2]), []);
  });
  it("sizes are whole numbers from 1, or percentages above 0 up to 100%; each problem names the rule", () => {
    for (const ok of [1, 20, "25%", "100%", "12.5%"]) assert.strictEqual(sizeProblem(ok), undefined, String(ok));
    for (const bad of [0, -1, 1.5, "0%", "101%", "25", "x%", "", null, [1]])
      assert.match(sizeProblem(bad) ?? "", /wave size.* a whole number of servers \(1 or more\) or a percentage/, String(bad));
  });
  it("waves are named as preview and the errors show them", () => assert.strictEqual(waveLabel(1, 4), "wave 2 of 4"));
});

describe("rollout waves: the failure budget", () => {
  const outcomes = (failed: number, of: number) => fleet(of).map((name, i) => ({ name, status: i < failed ? ("failed" as const) : ("ok" as const) }));
  it("budget 0 (the default): any failure stops the rollout", () => {
    assert.strictEqual(waveVerdict(outcomes(0, 5), 0).proceed, true);
    assert.strictEqual(waveVerdict(outcomes(1, 5), 0).proceed, false);
  });
  it("a failed share up to maxFailPercentage goes on, above it stops (Ansible's max_fail_percentage)", () => {
    assert.deepStrictEqual([waveVerdict(outcomes(1, 3), 34).proceed, waveVerdict(outcomes(1, 3), 34).allowed], [true, 1]);
    assert.strictEqual(waveVerdict(outcomes(2, 3), 34).proceed, false);
    assert.strictEqual(waveVerdict(outcomes(1, 4), 25).proceed, true, "exactly at the budget goes on");
    assert.strictEqual(waveVerdict(outcomes(2, 4), 25).proceed, false);
  });
  it("a canary of one stops the rollout on its failure under any budget below 100%", () => {
    assert.strictEqual(waveVerdict(outcomes(1, 1), 99).proceed, false);
    assert.strictEqual(waveVerdict(outcomes(1, 1), 100).proceed, true);
  });
  it("the verdict lists the failed servers", () => {
    assert.deepStrictEqual(
      waveVerdict(outcomes(2, 5), 50).failed.map((f) => f.name),
      ["s1", "s2"],
    );
  });
});
