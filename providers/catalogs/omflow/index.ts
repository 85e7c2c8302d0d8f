// The OMFLOW catalog: four-number versions, next-feature-only hops, Windows' ordered updates below
// 1.1.4.0, and the 1.2.0.0 environment rebuild.
import { Catalog, Hop, PlanContext } from "../../engine/catalog";
import { dottedNumbers } from "../../engine/version";
import { linuxHopSteps, linuxRestoreSteps } from "./linux";
import { checkOmflowOptions, omflowOptions } from "./options";
import { omflowPreflight } from "./preflight";
import { PYTHON311_VERSION, WINDOWS_CUMULATIVE_FROM, rules } from "./rules";
import { windowsHopSteps, windowsRestoreSteps } from "./windows";

export const omflowScheme = dottedNumbers(4, "1.2.0.1");

const feature = (v: string) => omflowScheme.parts(v).slice(0, 3).join(".");
const cmp = omflowScheme.compare;

/** The next feature version: the lowest known release whose first three numbers are greater. */
function nextFeatureVersion(from: string, releases: string[]): string | undefined {
  return releases.find((r) => cmp(r, from) > 0 && feature(r) !== feature(from));
}

function legalHops(from: string, ctx: PlanContext): Hop[] {
  const later = ctx.releases.filter((r) => cmp(r, from) > 0);
  if (ctx.platform === "windows" && cmp(from, WINDOWS_CUMULATIVE_FROM) < 0) {
    // below 1.1.4.0 on Windows: the very next release only, in order
    return later.length ? [{ from, to: later[0], rule: rules.windowsSequential }] : [];
  }
  const hops: Hop[] = later.filter((r) => feature(r) === feature(from)).map((to) => ({ from, to, rule: rules.sameFeature }));
  const next = nextFeatureVersion(from, ctx.releases);
  if (next) hops.push({ from, to: next, rule: rules.nextFeature });
  return hops;
}

function requiredStops(from: string, to: string, ctx: PlanContext) {
  const stops: { version: string; rule: (typeof rules)[keyof typeof rules] }[] = [];
  // every feature version between the two is a stop
  let at = from;
  for (let next = nextFeatureVersion(at, ctx.releases); next && cmp(next, to) <= 0; next = nextFeatureVersion(at, ctx.releases)) {
    stops.push({ version: next, rule: next === PYTHON311_VERSION ? rules.python311 : rules.nextFeature });
    at = next;
  }
  // 1.2.0.0 is a stop even when the user's release list forgets it: the Python 3.11 move happens there
  if (cmp(from, PYTHON311_VERSION) < 0 && cmp(to, PYTHON311_VERSION) >= 0 && !stops.some((s) => s.version === PYTHON311_VERSION)) {
    stops.push({ version: PYTHON311_VERSION, rule: rules.python311 });
  }
  if (ctx.platform === "windows") {
    for (const r of ctx.releases) {
      if (cmp(r, from) > 0 && cmp(r, WINDOWS_CUMULATIVE_FROM) <= 0 && cmp(r, to) <= 0) stops.push({ version: r, rule: rules.windowsSequential });
    }
  }
  return stops;
}

export const omflow: Catalog = {
  product: "omflow",
  title: "OMFLOW",
  scheme: omflowScheme,
  platforms: ["linux", "windows"],
  defaultReleases: [
    "1.1.2.0", "1.1.3.0", "1.1.4.0", "1.1.4.1", "1.1.5.0", "1.1.6.0", "1.1.6.1", "1.1.6.3", "1.1.6.4",
    "1.2.0.0", "1.2.0.1", "1.2.0.2", "1.2.1.0",
  ],
  legalHops,
  requiredStops,
  hopSteps: (hop, ctx) => (ctx.platform === "windows" ? windowsHopSteps : linuxHopSteps)(omflowOptions(ctx.options, ctx.platform), hop),
  restoreSteps: (hop, ctx) => (ctx.platform === "windows" ? windowsRestoreSteps : linuxRestoreSteps)(omflowOptions(ctx.options, ctx.platform), hop),
  preflight: omflowPreflight,
  optionProblems: (ctx) => checkOmflowOptions(ctx.options, ctx.platform).problems,
};
