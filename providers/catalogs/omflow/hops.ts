// Which hops OMFLOW allows and which versions a chain must pass, from the document's rules (rules.ts).
// Pure policy: the planner searches these; the stack's release list only says which releases exist.
//
// A next-feature hop lands on the feature's first release, x.y.z.0 ("the third digit grows when a
// feature version is released. The fourth digit grows when a bugfix version is released"), even when
// the release list forgets it: the plan shows it and preview asks for its patch (options.patches),
// rather than refusing, because the chain is then the document's and the fix is one file away.
// A whole feature version is another matter: within the same a.b the next feature of a.b.c is
// a.b.(c+1) ("the third digit grows when a feature version is released"), so when the releases name
// no a.b.(c+1) release the chain is refused rather than let it jump to a later one.
import { UpchainError } from "../../errors";
import { Hop, PlanContext, Rule } from "../../engine/planning/catalog";
import { dottedNumbers } from "../../engine/planning/version";
import { DOCUMENTED_RELEASES, PYTHON311_VERSION, WINDOWS_CUMULATIVE_FROM, rules } from "./rules";

export const omflowScheme = dottedNumbers(4, "1.2.0.1");

const cmp = omflowScheme.compare;
// asked for every release at every version a search reaches: each version's is worked out once
const features = new Map<string, string>();
const feature = (v: string): string => {
  let f = features.get(v);
  if (f === undefined) {
    if (features.size >= 100_000) features.clear();
    f = omflowScheme.parts(v).slice(0, 3).join(".");
    features.set(v, f);
  }
  return f;
};
const firstOf = (f: string) => `${f}.0`;

/**
 * The next feature version after `from`'s, by the releases known (the list and the document's): its
 * first release, or, when the first later one known skips a.b.(c+1) within the same a.b, the feature
 * version that is missing from the releases. Crossing into a later a.b is not checked: the document
 * does not say which a.b's last feature version is.
 */
function nextFeature(from: string, ctx: PlanContext): { release?: string; missing?: string } {
  const own = feature(from);
  const first = featuresOf(ctx).find((f) => f !== own && cmp(firstOf(f), from) > 0);
  if (first === undefined) return {};
  const [a, b, c] = omflowScheme.parts(from);
  const [la, lb, lc] = omflowScheme.parts(firstOf(first));
  if (la === a && lb === b && lc !== c + 1) return { missing: `${a}.${b}.${c + 1}` };
  return { release: firstOf(first) };
}

// The feature versions of a release list, sorted once per list: the planner asks nextFeature for
// every version its search reaches, and sorting them each time made planning quadratic (issue 19).
const sortedFeatures = new WeakMap<readonly string[], string[]>();
function featuresOf(ctx: PlanContext): string[] {
  let out = sortedFeatures.get(ctx.releases);
  if (!out) {
    out = [...new Set([...ctx.releases, ...DOCUMENTED_RELEASES].map(feature))].sort((x, y) => cmp(firstOf(x), firstOf(y)));
    sortedFeatures.set(ctx.releases, out);
  }
  return out;
}

const nextFeatureRelease = (from: string, ctx: PlanContext) => nextFeature(from, ctx).release;

/** Refuse a chain from `at` to `to` that would have to pass a feature version the releases do not name. */
function refuseMissingFeature(at: string, to: string, ctx: PlanContext): void {
  const { missing } = nextFeature(at, ctx);
  if (!missing || cmp(firstOf(missing), to) > 0) return;
  throw new UpchainError(
    "NO_LEGAL_PATH",
    `releases: the chain to ${to} must pass the feature version ${missing} (${rules.nextFeature.source}: the third digit grows with each feature version, and updating is only to the next one), ` +
      `but releases names no ${missing} release; add ${firstOf(missing)} (and the ${missing} bugfix releases you have patches for) to releases`,
    ["releases"],
  );
}

const hop = (from: string, to: string, rule: Rule): Hop => ({ from, to, rule });

// The releases sorted, and by feature version, once per release list: legalHops is asked for every
// version a search reaches, and filtering the whole list each time made planning quadratic.
const indexes = new WeakMap<readonly string[], { sorted: string[]; byFeature: Map<string, string[]> }>();
function releaseIndex(ctx: PlanContext): { sorted: string[]; byFeature: Map<string, string[]> } {
  let index = indexes.get(ctx.releases);
  if (!index) {
    const sorted = [...new Set(ctx.releases)].sort(cmp);
    const byFeature = new Map<string, string[]>();
    for (const r of sorted) {
      const group = byFeature.get(feature(r));
      if (group) group.push(r);
      else byFeature.set(feature(r), [r]);
    }
    index = { sorted, byFeature };
    indexes.set(ctx.releases, index);
  }
  return index;
}

/** The releases of a sorted list that are later than `from` (a binary search). */
function laterThan(sorted: readonly string[], from: string): string[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cmp(sorted[mid], from) > 0) hi = mid;
    else lo = mid + 1;
  }
  return sorted.slice(lo);
}

export function legalHops(from: string, ctx: PlanContext): Hop[] {
  const index = releaseIndex(ctx);
  const later = ctx.platform === "windows" ? laterThan(index.sorted, from) : [];
  const next = nextFeatureRelease(from, ctx);
  if (ctx.platform === "windows" && cmp(from, WINDOWS_CUMULATIVE_FROM) < 0) {
    // below 1.1.4.0: the very next version in order, which is at most the next feature's x.y.z.0
    const order = [...later.filter((r) => cmp(r, WINDOWS_CUMULATIVE_FROM) <= 0), ...(next ? [next] : [])].sort(cmp);
    return order.length ? [hop(from, order[0], rules.windowsSequential)] : [];
  }
  if (ctx.platform === "windows") return later.map((to) => hop(from, to, rules.windowsLatest));
  const hops = laterThan(index.byFeature.get(feature(from)) ?? [], from).map((to) => hop(from, to, rules.sameFeature));
  if (next) hops.push(hop(from, next, next === PYTHON311_VERSION ? rules.python311 : rules.nextFeature));
  return hops;
}

type Stop = { version: string; rule: Rule };

export function requiredStops(from: string, to: string, ctx: PlanContext): Stop[] {
  const stops: Stop[] = [];
  const within = (v: string) => cmp(v, from) > 0 && cmp(v, to) <= 0;
  if (ctx.platform === "windows") {
    // below 1.1.4.0 every known release up to 1.1.4.0 in order, and 1.1.4.0 itself; from there one file
    if (cmp(from, WINDOWS_CUMULATIVE_FROM) >= 0) return stops;
    for (const r of new Set([...ctx.releases, WINDOWS_CUMULATIVE_FROM]))
      if (within(r) && cmp(r, WINDOWS_CUMULATIVE_FROM) <= 0) stops.push({ version: r, rule: rules.windowsSequential });
    let at = from;
    for (
      let next = nextFeatureRelease(at, ctx);
      next && within(next) && cmp(next, WINDOWS_CUMULATIVE_FROM) <= 0;
      at = next, next = nextFeatureRelease(at, ctx)
    ) {
      if (!stops.some((s) => s.version === next)) stops.push({ version: next, rule: rules.windowsSequential });
    }
    if (cmp(at, WINDOWS_CUMULATIVE_FROM) < 0) refuseMissingFeature(at, to, ctx);
    return stops;
  }
  // every feature version between the two is a stop, at its x.y.z.0
  let at = from;
  for (let next = nextFeatureRelease(at, ctx); next && within(next); at = next, next = nextFeatureRelease(at, ctx)) {
    stops.push({ version: next, rule: next === PYTHON311_VERSION ? rules.python311 : rules.nextFeature });
  }
  refuseMissingFeature(at, to, ctx);
  return stops;
}

/** Whether a hop crosses into 1.2.0.0, so it carries the Python 3.11 move. */
export const crossesPython311 = (h: Hop) => cmp(h.from, PYTHON311_VERSION) < 0 && cmp(h.to, PYTHON311_VERSION) >= 0;
