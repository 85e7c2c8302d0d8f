// OMFLOW's chains from the document's rules (001 Update Rules; Windows, step 5), whatever the stack's
// release list forgets. Tables whose case names are the scenario.
import * as assert from "assert";
import { omflow } from "../../../../providers/catalogs/omflow";
import { Platform } from "../../../../providers/engine/planning/catalog";
import { planUpgrade } from "../../../../providers/engine/planning/planner";

const chain = (from: string, to: string, platform: Platform, releases?: string[]) =>
  planUpgrade(omflow, { installed: from, target: to, platform, releases }).hops.map((h) => `${h.from}->${h.to}`);

type Case = [name: string, from: string, to: string, platform: Platform, releases: string[] | undefined, want: string[]];

describe("OMFLOW hops: required stops come from the rules, not from the release list", () => {
  const table: Case[] = [
    [
      "a next-feature hop lands on x.y.z.0 even when the release list forgets it",
      "1.1.5.0",
      "1.1.6.3",
      "linux",
      ["1.1.5.0", "1.1.6.1", "1.1.6.3"],
      ["1.1.5.0->1.1.6.0", "1.1.6.0->1.1.6.3"],
    ],
    ["a bugfix update within a feature version is one hop", "1.1.6.1", "1.1.6.3", "linux", undefined, ["1.1.6.1->1.1.6.3"]],
    ["1.1.6.1 goes to 1.2.0.0 before 1.2.0.1 (the document's own example)", "1.1.6.1", "1.2.0.1", "linux", undefined, ["1.1.6.1->1.2.0.0", "1.2.0.0->1.2.0.1"]],
    [
      "1.2.0.0 is planned even when the list forgets every 1.2.0 release",
      "1.1.6.1",
      "1.2.1.0",
      "linux",
      ["1.1.6.1", "1.2.1.0"],
      ["1.1.6.1->1.2.0.0", "1.2.0.0->1.2.1.0"],
    ],
    [
      "every feature version between is a stop at its x.y.z.0",
      "1.1.5.0",
      "1.2.0.2",
      "linux",
      undefined,
      ["1.1.5.0->1.1.6.0", "1.1.6.0->1.2.0.0", "1.2.0.0->1.2.0.2"],
    ],
    [
      "on Windows below 1.1.4.0 each release is its own hop, in order",
      "1.1.2.0",
      "1.1.4.1",
      "windows",
      undefined,
      ["1.1.2.0->1.1.3.0", "1.1.3.0->1.1.4.0", "1.1.4.0->1.1.4.1"],
    ],
    [
      "on Windows below 1.1.4.0 a forgotten 1.1.4.0 is still a stop",
      "1.1.3.0",
      "1.1.6.1",
      "windows",
      ["1.1.3.0", "1.1.6.1"],
      ["1.1.3.0->1.1.4.0", "1.1.4.0->1.1.6.1"],
    ],
    [
      "on Windows below 1.1.4.0 a forgotten feature release x.y.z.0 is still a stop",
      "1.1.2.0",
      "1.1.4.0",
      "windows",
      ["1.1.2.0", "1.1.3.2", "1.1.4.0"],
      ["1.1.2.0->1.1.3.0", "1.1.3.0->1.1.3.2", "1.1.3.2->1.1.4.0"],
    ],
    ["on Windows from 1.1.4.0 one update file goes straight to the target", "1.1.4.0", "1.2.1.0", "windows", undefined, ["1.1.4.0->1.2.1.0"]],
    ["on Windows from 1.1.6.1 one update file crosses 1.2.0.0 to 1.2.0.1", "1.1.6.1", "1.2.0.1", "windows", undefined, ["1.1.6.1->1.2.0.1"]],
    [
      "on Windows below 1.1.4.0 to a later target: in order to 1.1.4.0, then one file",
      "1.1.2.0",
      "1.2.0.2",
      "windows",
      undefined,
      ["1.1.2.0->1.1.3.0", "1.1.3.0->1.1.4.0", "1.1.4.0->1.2.0.2"],
    ],
  ];
  for (const [name, from, to, platform, releases, want] of table) {
    it(`${name} (${from} -> ${to} on ${platform})`, () => assert.deepStrictEqual(chain(from, to, platform, releases), want));
  }

  const skips: [name: string, platform: Platform, from: string, to: string, releases: string[], missing: string][] = [
    [
      "on Linux a release list that forgets the whole feature version 1.1.3 is refused, not planned 1.1.2.0 -> 1.1.4.0",
      "linux",
      "1.1.2.0",
      "1.1.5.0",
      ["1.1.2.0", "1.1.5.0"],
      "1.1.3",
    ],
    [
      "on Windows below 1.1.4.0 a forgotten feature version 1.1.3 is refused, not skipped on the way to 1.1.4.0",
      "windows",
      "1.1.2.0",
      "1.1.5.0",
      ["1.1.2.0", "1.1.5.0"],
      "1.1.3",
    ],
    [
      "on Linux a forgotten feature version after the first hop is refused too (1.1.6 -> 1.2.0 -> 1.2.2 forgets 1.2.1)",
      "linux",
      "1.1.6.1",
      "1.2.2.0",
      ["1.1.6.1", "1.2.0.0", "1.2.2.0"],
      "1.2.1",
    ],
  ];
  for (const [name, platform, from, to, releases, missing] of skips) {
    it(name, () => {
      assert.throws(
        () => chain(from, to, platform, releases),
        (e: Error & { code?: string; path?: unknown }) => {
          assert.strictEqual(e.code, "NO_LEGAL_PATH");
          assert.deepStrictEqual(e.path, ["releases"]);
          assert.match(
            e.message,
            new RegExp(
              `must pass the feature version ${missing.replace(/\./g, "\\.")} .*releases names no ${missing.replace(/\./g, "\\.")} release; add ${missing.replace(/\./g, "\\.")}\\.0`,
            ),
          );
          return true;
        },
      );
    });
  }

  it("a forgotten feature version beyond the target does not stop a bugfix update before it", () => {
    assert.deepStrictEqual(chain("1.1.2.0", "1.1.2.3", "linux", ["1.1.2.0", "1.1.2.3", "1.1.5.0"]), ["1.1.2.0->1.1.2.3"]);
  });

  it("a hop that lands on a version the list forgot has that version's patch asked for at preview", () => {
    const plan = planUpgrade(omflow, { installed: "1.1.5.0", target: "1.1.6.3", platform: "linux", releases: ["1.1.5.0", "1.1.6.1", "1.1.6.3"] });
    const problems = omflow.preflight!(plan.hops, { platform: "linux", releases: ["1.1.5.0", "1.1.6.1", "1.1.6.3"], options: {} });
    assert.ok(
      problems.some((p) => p.path === 'options.patches["1.1.6.0"]' && /needs the 1\.1\.6\.0 patch archive/.test(p.message)),
      JSON.stringify(problems),
    );
  });

  it("each hop names the rule that allows it: Windows from 1.1.4.0 cites step 5's note", () => {
    const [h] = planUpgrade(omflow, { installed: "1.1.6.1", target: "1.2.0.1", platform: "windows" }).hops;
    assert.strictEqual(h.rule.id, "omflow.windows-direct-from-1.1.4.0");
    assert.match(h.rule.source, /Windows, General Version Update Steps 5/);
  });

  it("a Linux hop into 1.2.0.0 names the Python 3.11 rule", () => {
    const [h] = planUpgrade(omflow, { installed: "1.1.6.4", target: "1.2.0.0", platform: "linux" }).hops;
    assert.strictEqual(h.rule.id, "omflow.1.2.0.0-python-3.11");
  });

  it("the required stops on Windows from 1.1.4.0 are none, below it every release up to 1.1.4.0", () => {
    const ctx = { platform: "windows" as Platform, releases: omflow.defaultReleases, options: {} };
    assert.deepStrictEqual(omflow.requiredStops("1.1.4.1", "1.2.1.0", ctx), []);
    assert.deepStrictEqual(
      omflow.requiredStops("1.1.2.0", "1.2.1.0", ctx).map((s) => s.version),
      ["1.1.3.0", "1.1.4.0"],
    );
  });
});
