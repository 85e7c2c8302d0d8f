// Bad input, versions (issue 7): hostile `target`, `installed` (what the host printed) and
// `releases[i]` values are refused with an UpchainError naming the field (INVALID_INPUT, or
// UNKNOWN_VERSION / NO_LEGAL_PATH / DOWNGRADE for a well-formed version that is not a way forward),
// never thrown raw; a value the scheme accepts reaches the plan only in its canonical form, so no
// hostile character rides along into a command. Preview refuses a malformed target before SSH.
import * as assert from "assert";
import { generateKeyPairSync } from "crypto";
import * as fc from "fast-check";
import { groupmax } from "../../../providers/catalogs/groupmax";
import { omflow } from "../../../providers/catalogs/omflow";
import { Catalog } from "../../../providers/engine/planning/catalog";
import { PlanRequest, planUpgrade } from "../../../providers/engine/planning/planner";
import { isUpchainError } from "../../../providers/errors";
// the look itself: failures by the provider's own property names (check renames them, see fields.test.ts)
import { checkNow as check } from "../../../providers/server/preview";
import { LOOK_ALIKES, RUNS, hostileText, tally } from "../../support/hostile";
import { products } from "../../support/hostileRender";

const canonical: Record<string, RegExp> = { omflow: /^\d+\.\d+\.\d+\.\d+$/, groupmax: /^\d{2}-\d{2}$/ };

/** Hostile text, and real versions with hostile text around them or look-alikes in place of their dots, dashes and digits. */
function hostileVersion(catalog: Catalog): fc.Arbitrary<string> {
  const real = fc.constantFrom(...catalog.defaultReleases);
  const lookAlike = fc
    .tuple(real, fc.constantFrom("\u2024", "\uFF0E", "\u2010", "\u2011", "\u00B7", "\u0660", "\uFF10", ","))
    .map(([v, c]) => v.replace(/[.\-0]/, c));
  const wrapped = fc.tuple(hostileText, real, hostileText).map(([a, v, b]) => a + v + b);
  return fc.oneof(hostileText, wrapped, lookAlike, fc.constantFrom(...LOOK_ALIKES));
}

type Field = "target" | "installed" | "releases";

function request(catalog: Catalog, field: Field, value: string): PlanRequest & { releases: string[] } {
  const p = catalog === omflow ? products["omflow linux"] : products["groupmax linux"];
  const releases = [...catalog.defaultReleases];
  const req = { installed: p.installed, target: p.target, platform: "linux" as const, releases, options: p.base };
  if (field === "releases") releases.splice(1, 0, value);
  else req[field] = value;
  return req;
}

function plansOrRefusesNaming(catalog: Catalog, field: Field, value: string): void {
  const req = request(catalog, field, value);
  let plan;
  try {
    plan = planUpgrade(catalog, req);
  } catch (e) {
    assert.ok(isUpchainError(e), `${field} = ${JSON.stringify(value).slice(0, 200)}: thrown raw: ${(e as Error)?.name}: ${(e as Error)?.message}`);
    assert.ok(["INVALID_INPUT", "UNKNOWN_VERSION", "NO_LEGAL_PATH", "DOWNGRADE"].includes(e.code), `unexpected code ${e.code}`);
    const want = field === "releases" && e.code === "INVALID_INPUT" ? ["releases", 1] : undefined;
    if (want) assert.deepStrictEqual(e.path, want, `the error names ${JSON.stringify(e.path)}, not releases[1]: ${e.message}`);
    // a malformed installed or target names itself; a well-formed one that leads nowhere names installed or target
    else assert.ok(["target", "installed"].includes(String(e.path[0])), `the error names ${JSON.stringify(e.path)}: ${e.message}`);
    if (field !== "releases" && e.code === "INVALID_INPUT") assert.deepStrictEqual(e.path, [field]);
    tally("versions", "refused");
    return;
  }
  // accepted: only canonical versions reach the plan (the catalogs print hop versions unquoted in messages)
  for (const h of plan.hops) for (const v of [h.from, h.to]) assert.match(v, canonical[catalog.product], `a hop names ${JSON.stringify(v)}`);
  assert.match(plan.from, canonical[catalog.product]);
  assert.match(plan.to, canonical[catalog.product]);
  if (field !== "releases") assert.strictEqual(plan[field === "target" ? "to" : "from"], catalog.scheme.normalize(value));
  tally("versions", "literal"); // its canonical form only
}

describe("bad input: versions", function () {
  this.timeout(60_000);
  for (const catalog of [omflow, groupmax]) {
    for (const field of ["target", "installed", "releases"] as Field[]) {
      it(`${catalog.product}: a hostile ${field} is refused naming it, or planned as its canonical version only`, () => {
        fc.assert(
          fc.property(hostileVersion(catalog), (v) => plansOrRefusesNaming(catalog, field, v)),
          RUNS,
        );
      });
    }
  }

  // a key ssh2 can parse, so an attempt to connect fails on the closed port, not on the key
  const privateKey = generateKeyPairSync("rsa", {
    modulusLength: 1024,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey;

  // Stage 1 of preview needs no host: a target that is not a version at all is a mistake it can name
  // without connecting (the connection below points at a closed local port, so an attempt fails fast).
  const news = (target: string, releases?: string[]) => ({
    product: "omflow",
    target,
    ...(releases ? { releases } : {}),
    options: products["omflow linux"].base,
    connection: { host: "127.0.0.1", port: 9, hostKey: "SHA256:" + "A".repeat(43) },
    privateKey,
  });

  it("preview refuses a hostile release naming releases.i before any connection", async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileVersion(omflow).filter((v) => omflow.scheme.normalize(v) === undefined),
        async (v) => {
          const r = await check({}, news("1.2.0.1", ["1.1.6.1", v]));
          assert.ok(
            r.failures?.some((f) => f.property === "releases.1"),
            `failures: ${JSON.stringify(r.failures)}`,
          );
          tally("versions", "refused");
          assert.ok(!r.failures?.some((f) => /CONNECTION_FAILED/.test(f.reason)), "preview connected before refusing the release");
        },
      ),
      RUNS,
    );
  });

  it("preview refuses a target that is not a version naming target before any connection", async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileVersion(omflow).filter((v) => omflow.scheme.normalize(v) === undefined),
        async (v) => {
          const r = await check({}, news(v));
          assert.ok(
            r.failures?.some((f) => f.property === "target"),
            `target = ${JSON.stringify(v).slice(0, 100)}: failures ${JSON.stringify(r.failures).slice(0, 300)}`,
          );
          tally("versions", "refused");
          assert.ok(!r.failures?.some((f) => /CONNECTION_FAILED/.test(f.reason)), "preview connected before refusing the target");
        },
      ),
      RUNS,
    );
  });
});
