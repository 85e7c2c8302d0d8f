// The planner against the OMFLOW catalog: tables of documented cases, then properties over random
// release lists and requests (fast-check).
import * as assert from "assert";
import fc from "fast-check";
import { omflow, omflowScheme } from "../../../../providers/catalogs/omflow";
import { Platform } from "../../../../providers/engine/planning/catalog";
import { SEARCH_BOUNDS, legalTargets, planUpgrade } from "../../../../providers/engine/planning/planner";
import { Catalog, Hop } from "../../../../providers/engine/planning/catalog";
import { TEST_STEP } from "../../../support/testProvenance";
import { shStep } from "../../../../providers/engine/planning/catalog";
import { isUpchainError } from "../../../../providers/errors";

const chain = (from: string, to: string, platform: Platform = "linux", releases?: string[]) =>
  planUpgrade(omflow, { installed: from, target: to, platform, releases }).hops.map((h) => `${h.from}->${h.to}`);

describe("planner: OMFLOW chains from the document's rules", () => {
  const table: [string, string, Platform, string[]][] = [
    ["1.1.6.1", "1.1.6.3", "linux", ["1.1.6.1->1.1.6.3"]],
    ["1.1.6.1", "1.2.0.0", "linux", ["1.1.6.1->1.2.0.0"]],
    ["1.1.6.1", "1.2.0.1", "linux", ["1.1.6.1->1.2.0.0", "1.2.0.0->1.2.0.1"]],
    ["1.1.5.0", "1.2.0.2", "linux", ["1.1.5.0->1.1.6.0", "1.1.6.0->1.2.0.0", "1.2.0.0->1.2.0.2"]],
    ["1.1.2.0", "1.1.4.1", "windows", ["1.1.2.0->1.1.3.0", "1.1.3.0->1.1.4.0", "1.1.4.0->1.1.4.1"]],
    ["1.1.6.1", "1.2.0.1", "windows", ["1.1.6.1->1.2.0.1"]],
  ];
  for (const [from, to, platform, want] of table) {
    it(`${from} -> ${to} on ${platform} goes ${want.join(", ")}`, () => assert.deepStrictEqual(chain(from, to, platform), want));
  }

  it("the same version is an empty plan", () => assert.deepStrictEqual(chain("1.2.0.1", "1.2.0.1"), []));

  it("a downgrade is refused, naming the legal targets", () => {
    assert.throws(
      () => chain("1.2.0.1", "1.1.6.3"),
      (e: unknown) => isUpchainError(e, "DOWNGRADE") && /legal targets from 1\.2\.0\.1: 1\.2\.0\.2, 1\.2\.1\.0/.test((e as Error).message),
    );
  });
  it("an unknown version is refused, naming the known releases and legal targets", () => {
    assert.throws(
      () => chain("1.1.6.1", "1.2.0.9"),
      (e: unknown) =>
        isUpchainError(e, "UNKNOWN_VERSION") && /known: .*1\.2\.0\.1/.test((e as Error).message) && /legal targets from 1\.1\.6\.1/.test((e as Error).message),
    );
  });
  it("an unknown target's message reads as one sentence, its parenthesis closed", () => {
    assert.throws(
      () => chain("1.1.6.1", "1.2.0.9"),
      (e: unknown) =>
        isUpchainError(e, "UNKNOWN_VERSION") &&
        (e as Error).message ===
          "target: 1.2.0.9 is not a known OMFLOW release (known: 1.1.2.0, 1.1.3.0, 1.1.4.0, 1.1.4.1, 1.1.5.0, 1.1.6.0, 1.1.6.1, 1.1.6.3, 1.1.6.4, 1.2.0.0, 1.2.0.1, 1.2.0.2, 1.2.1.0; " +
            "legal targets from 1.1.6.1: 1.1.6.3, 1.1.6.4, 1.2.0.0, 1.2.0.1, 1.2.0.2, 1.2.1.0)",
    );
  });
  it("an unknown target among hundreds of releases is refused in a message short enough to arrive whole, its parenthesis closed", () => {
    const releases = ["1.1.6.1", "1.2.0.0", ...Array.from({ length: 300 }, (_, i) => `1.2.0.${i + 1}`)];
    assert.throws(
      () => chain("1.1.6.1", "1.2.9.9", "linux", releases),
      (e: unknown) => {
        const m = (e as Error).message;
        assert.ok(isUpchainError(e, "UNKNOWN_VERSION"), m);
        assert.ok(m.length < 600, `${m.length} characters`);
        assert.match(
          m,
          /^target: 1\.2\.9\.9 is not a known OMFLOW release \(known: 1\.1\.6\.1, 1\.2\.0\.0, 1\.2\.0\.1, 1\.2\.0\.2, 1\.2\.0\.3, … 292 more …, 1\.2\.0\.296, /,
        );
        assert.match(m, /1\.2\.0\.300; legal targets from 1\.1\.6\.1: 1\.2\.0\.0, .*, 1\.2\.0\.300\)$/);
        return true;
      },
    );
  });
  it("text that is not a version is called not an OMFLOW version (the article fits the title)", () => {
    assert.throws(
      () => chain("1.1.6", "1.2.0.0"),
      (e: unknown) =>
        isUpchainError(e, "INVALID_INPUT") &&
        (e as Error).message === 'installed: "1.1.6" is not an OMFLOW version (4 numbers separated by dots, like 1.2.0.1)',
    );
    assert.throws(
      () => planUpgrade(omflow, { installed: "1.1.6.1", target: "1.2.0.0", platform: "linux", releases: ["1.2"] }),
      (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /^releases\[0\]: "1\.2" is not an OMFLOW version \(/.test((e as Error).message),
    );
  });
  it("text that is not a four-number version is refused with the scheme", () => {
    assert.throws(
      () => chain("1.1.6", "1.2.0.0"),
      (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /installed: "1\.1\.6" .*4 numbers/.test((e as Error).message),
    );
  });
  it("a platform without recipes is refused with the choices", () => {
    assert.throws(
      () => chain("1.1.6.1", "1.2.0.0", "aix" as Platform),
      (e: unknown) => isUpchainError(e, "UNSUPPORTED_PLATFORM") && /linux and windows/.test((e as Error).message),
    );
  });
  it("the user's release list says which feature version comes next, and the hop lands on its x.y.z.0", () => {
    assert.deepStrictEqual(chain("1.1.6.1", "1.2.0.1", "linux", ["1.1.6.1", "1.2.0.0", "1.2.0.1"]), ["1.1.6.1->1.2.0.0", "1.2.0.0->1.2.0.1"]);
    assert.deepStrictEqual(chain("1.1.5.0", "1.1.6.3", "linux", ["1.1.5.0", "1.1.6.1", "1.1.6.3"]), ["1.1.5.0->1.1.6.0", "1.1.6.0->1.1.6.3"]);
  });
  it("a release list without 1.2.0.0 cannot skip it: the Python 3.11 stop is planned (and its patch asked for at preview)", () => {
    assert.deepStrictEqual(chain("1.1.6.1", "1.2.0.1", "linux", ["1.1.6.1", "1.2.0.1"]), ["1.1.6.1->1.2.0.0", "1.2.0.0->1.2.0.1"]);
  });
  it("legalTargets lists what the installed version can reach", () => {
    assert.deepStrictEqual(legalTargets(omflow, { installed: "1.2.0.2", platform: "linux" }), ["1.2.1.0"]);
  });
  it("every hop's steps begin with a backup before anything destructive", () => {
    const plan = planUpgrade(omflow, { installed: "1.1.6.1", target: "1.2.0.1", platform: "linux" });
    for (const hop of plan.hops) {
      const steps = plan.steps.filter((s) => s.hop === `${hop.from}->${hop.to}`);
      assert.strictEqual(steps[0].action, "backup");
    }
  });
});

// Properties over random release lists: versions a.b.c.d with small numbers so chains are dense.
const version = fc
  .tuple(fc.integer({ min: 1, max: 1 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }))
  .map((p) => p.join("."));
const scenario = fc
  .record({ releases: fc.uniqueArray(version, { minLength: 2, maxLength: 14 }), platform: fc.constantFrom<Platform>("linux", "windows") })
  .chain(({ releases, platform }) =>
    fc.record({ releases: fc.constant(releases), platform: fc.constant(platform), from: fc.constantFrom(...releases), to: fc.constantFrom(...releases) }),
  );

const feature = (v: string) => v.split(".").slice(0, 3).join(".");
const sorted = (rs: string[]) => [...rs].sort(omflowScheme.compare);

const cmp = omflowScheme.compare;
const first = (f: string) => `${f}.0`;
/** Feature versions the document says exist whatever the list says: 1.1.4 (Windows step 5) and 1.2.0 (Notes for 1.2.0.0). */
const features = (releases: string[]) => [...new Set([...releases, "1.1.4.0", "1.2.0.0"].map(feature))].sort((a, b) => cmp(first(a), first(b)));
/** The next feature version's first release (x.y.z.0): a feature version is released at .0, its bugfixes count up from there. */
const nextFeature = (from: string, releases: string[]) => {
  const f = features(releases).find((x) => cmp(first(x), from) > 0 && x !== feature(from));
  return f && first(f);
};

/** The feature version a.b.(c+1) a hop from a.b.c.x must reach next, when the list names none and a later one in the same a.b (001: the third digit grows by one per feature version). */
const missingFeature = (from: string, releases: string[]) => {
  const f = features(releases).find((x) => cmp(first(x), from) > 0 && x !== feature(from));
  const [a, b, c] = from.split(".").map(Number);
  const [fa, fb, fc] = (f ?? "").split(".").map(Number);
  return f && fa === a && fb === b && fc !== c + 1 ? `${a}.${b}.${c + 1}` : undefined;
};
/** No hop below the Windows cumulative 1.1.4.0 (or on Linux) may reach past a feature version the list forgot. */
const pastMissing = (from: string, to: string, releases: string[]) => {
  const missing = missingFeature(from, releases);
  return missing !== undefined && cmp(first(missing), to) <= 0;
};

/** The document's rule, restated independently of the catalog's code (001 Update Rules; Windows, step 5). */
function legalByDocument(from: string, to: string, releases: string[], platform: Platform): boolean {
  if (cmp(to, from) <= 0) return false;
  if (platform === "windows" && cmp(from, "1.1.4.0") < 0) {
    if (pastMissing(from, to, releases)) return false;
    const next = sorted([...releases.filter((r) => cmp(r, from) > 0 && cmp(r, "1.1.4.0") <= 0), nextFeature(from, releases)!])[0];
    return next === to;
  }
  if (platform === "windows") return releases.includes(to);
  if (feature(from) === feature(to)) return releases.includes(to);
  return !pastMissing(from, to, releases) && nextFeature(from, releases) === to;
}

/** Breadth-first over the document's rule, through the listed releases and every feature's x.y.z.0: the true shortest chain length, or undefined. */
function shortestByDocument(from: string, to: string, releases: string[], platform: Platform): number | undefined {
  if (!releases.includes(to)) return undefined;
  const nodes = [...new Set([...releases, ...features(releases).map(first)])];
  const dist = new Map([[from, 0]]);
  const queue = [from];
  while (queue.length) {
    const at = queue.shift()!;
    if (at === to) return dist.get(at);
    for (const r of nodes) if (!dist.has(r) && legalByDocument(at, r, releases, platform)) (dist.set(r, dist.get(at)! + 1), queue.push(r));
  }
  return undefined;
}

describe("planner properties (fast-check)", () => {
  it("every hop is legal by the document's rule", () => {
    fc.assert(
      fc.property(scenario, ({ releases, platform, from, to }) => {
        try {
          const plan = planUpgrade(omflow, { installed: from, target: to, platform, releases });
          return plan.hops.every((h) => legalByDocument(h.from, h.to, releases, platform));
        } catch (e) {
          return isUpchainError(e);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("the chain is shortest, and a chain exists exactly when the document allows one", () => {
    fc.assert(
      fc.property(scenario, ({ releases, platform, from, to }) => {
        const want = omflowScheme.compare(to, from) < 0 ? undefined : shortestByDocument(from, to, releases, platform);
        try {
          return planUpgrade(omflow, { installed: from, target: to, platform, releases }).hops.length === want;
        } catch (e) {
          return want === undefined && isUpchainError(e);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("required stops are never skipped: every feature version between at its x.y.z.0; on Windows every release up to 1.1.4.0 and none from there", () => {
    fc.assert(
      fc.property(scenario, ({ releases, platform, from, to }) => {
        let visited: string[];
        try {
          visited = planUpgrade(omflow, { installed: from, target: to, platform, releases }).hops.map((h) => h.to);
        } catch {
          return true;
        }
        const within = (r: string) => cmp(r, from) > 0 && cmp(r, to) <= 0;
        const firstOfEachFeature = features(releases).map(first).filter(within);
        const stops =
          platform === "linux"
            ? firstOfEachFeature
            : cmp(from, "1.1.4.0") >= 0
              ? []
              : [...releases, ...firstOfEachFeature].filter((r) => within(r) && cmp(r, "1.1.4.0") <= 0);
        return stops.every((s) => visited.includes(s));
      }),
      { numRuns: 500 },
    );
  });
});

describe("planning over thousands of releases is fast and bounded (issue 19)", function () {
  this.timeout(120_000);
  // 2,000 OMFLOW releases: twenty feature versions of a hundred bugfix releases each (it took 16 s)
  const many = Array.from({ length: 2000 }, (_, i) => `1.1.${6 + Math.floor(i / 100)}.${i % 100}`);
  const last = many[many.length - 1];

  for (const platform of ["linux", "windows"] as const) {
    it(`an OMFLOW chain over 2,000 releases on ${platform} is planned in well under a second`, () => {
      const started = Date.now();
      const plan = planUpgrade(omflow, { installed: "1.1.6.1", target: last, platform, releases: many });
      const took = Date.now() - started;
      assert.strictEqual(plan.to, last);
      assert.ok(took < 1500, `took ${took} ms`);
    });
  }

  it("the refusal that lists the legal targets over 2,000 releases comes as fast", () => {
    const started = Date.now();
    assert.throws(
      () => planUpgrade(omflow, { installed: "1.1.6.1", target: "1.1.5.0", platform: "linux", releases: many }),
      (e: unknown) => isUpchainError(e, "DOWNGRADE"),
    );
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
  });

  // a catalog of one's own whose hops never end: every whole number goes on to the next
  const rule = { id: "r", text: "r", source: "s" };
  const endless = (slowMs = 0): Catalog => ({
    product: "endless",
    title: "Endless",
    scheme: { describe: "a whole number", normalize: (t) => (/^\d+$/.test(t) ? String(Number(t)) : undefined), compare: (a, b) => Number(a) - Number(b) },
    platforms: ["linux"],
    defaultReleases: ["1", "1000000000"],
    legalHops: (from) => {
      for (const until = Date.now() + slowMs; Date.now() < until;);
      return [{ from, to: String(Number(from) + 1), rule } as Hop];
    },
    requiredStops: () => [],
    hopSteps: () => [shStep({ provenance: TEST_STEP, id: "run", action: "run", title: "run", destructive: false, commands: ["true"] })],
    restoreSteps: () => [],
  });

  it("a catalog whose legalHops never ends is stopped at the bound on versions, naming releases and the bound", () => {
    assert.throws(
      () => planUpgrade(endless(), { installed: "1", target: "1000000000", platform: "linux" }, { ...SEARCH_BOUNDS, versions: 5000 }),
      (e: unknown) => isUpchainError(e, "INVALID_INPUT") && e.path[0] === "releases" && /reached more than 5000 versions and was stopped/.test(e.message),
    );
  });

  it("a catalog whose legalHops is slow is stopped at the time limit", () => {
    const started = Date.now();
    assert.throws(
      () => planUpgrade(endless(5), { installed: "1", target: "1000000000", platform: "linux" }, { ...SEARCH_BOUNDS, ms: 300 }),
      (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /took more than 0.3 s and was stopped/.test(e.message),
    );
    assert.ok(Date.now() - started < 2000);
  });

  it("the default bounds stop an endless catalog too, within their time limit", () => {
    const started = Date.now();
    assert.throws(
      () => planUpgrade(endless(), { installed: "1", target: "1000000000", platform: "linux" }),
      (e: unknown) => isUpchainError(e, "INVALID_INPUT"),
    );
    assert.ok(Date.now() - started < SEARCH_BOUNDS.ms + 1000);
  });
});
