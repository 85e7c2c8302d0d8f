// The planner: a pure function from (catalog, installed, target, releases, platform, options) to a
// plan or an UpchainError. No I/O, so preview can show the whole chain and every step before any
// host is touched, and the rules can be tested exhaustively.
import { UpchainError } from "../../errors";
import { Catalog, Hop, PlanContext, Platform, Step, platformShell } from "./catalog";
import { sortVersions } from "./version";
import { withArticle } from "../../article";
import { withVersionCheck } from "./versionCheck";

export interface PlanRequest {
  installed: string;
  target: string;
  platform: Platform;
  /** The releases the user has patches for; the catalog's defaults when absent. */
  releases?: readonly string[];
  options?: Record<string, unknown>;
  /** The site's read-only command that prints the installed version: each hop's verify then checks it prints the hop's target. */
  versionCommand?: string;
}

/** A step with the hop it belongs to ("from->to"). */
export type PlannedStep = Step & { hop: string };

export interface Plan {
  product: string;
  platform: Platform;
  from: string;
  to: string;
  hops: Hop[];
  steps: PlannedStep[];
}

export function hopLabel(h: { from: string; to: string }): string {
  return `${h.from}->${h.to}`;
}

/** A step's hop as people read it: the catalog's name for it (describeHop) when it has one, else from->to. */
export function hopName(catalog: Catalog, plan: Pick<Plan, "hops">, key: string): string {
  const hop = plan.hops.find((h) => hopLabel(h) === key);
  return hop && catalog.describeHop ? catalog.describeHop(hop) : key;
}

function contextFor(catalog: Catalog, req: PlanRequest): PlanContext {
  if (!catalog.platforms.includes(req.platform)) {
    throw new UpchainError("UNSUPPORTED_PLATFORM", `platform: ${catalog.title} has recipes for ${catalog.platforms.join(" and ")}, not "${req.platform}"`, [
      "platform",
    ]);
  }
  const raw = req.releases ?? catalog.defaultReleases;
  const releases = raw.map((r, i) => {
    const v = catalog.scheme.normalize(r);
    if (!v)
      throw new UpchainError("INVALID_INPUT", `releases[${i}]: "${r}" is not ${withArticle(catalog.title)} version (${catalog.scheme.describe})`, [
        "releases",
        i,
      ]);
    return v;
  });
  return { platform: req.platform, releases: sortVersions(catalog.scheme, releases), options: req.options ?? {} };
}

function normalizeOrThrow(catalog: Catalog, field: "installed" | "target", text: string): string {
  const v = catalog.scheme.normalize(text);
  if (!v) {
    throw new UpchainError("INVALID_INPUT", `${field}: "${text}" is not ${withArticle(catalog.title)} version (${catalog.scheme.describe})`, [field]);
  }
  return v;
}

/**
 * How far a search may go: versions reached, hops looked at, and time. A catalog of one's own (or a
 * release list of thousands) must not hang preview, which plans every server of the fleet at once:
 * past a bound the search stops with an error that says which bound and what to do.
 */
export interface SearchBounds {
  versions: number;
  hops: number;
  ms: number;
}
export const SEARCH_BOUNDS: SearchBounds = { versions: 20_000, hops: 2_000_000, ms: 10_000 };

/** The chains found from `from`: each reached version's last hop, walked back for its whole chain. */
interface Chains {
  reached: Set<string>;
  chainTo(to: string): Hop[] | undefined;
}

/**
 * Shortest chains from `from` to every reachable version (breadth-first over legal hops), in time
 * linear in the hops looked at: each version keeps only the hop it was first reached by (no copy of
 * its chain), the queue is walked by index, and a version's hops are ordered by their rank in the
 * sorted releases (a number) rather than by the scheme's compare, which parses both versions each time.
 * Ties go to the older intermediate version, as before. With `stopAt`, the search ends when it
 * reaches that version: breadth-first, its chain is already the shortest (and the same one).
 */
function shortestChains(catalog: Catalog, from: string, ctx: PlanContext, bounds: SearchBounds = SEARCH_BOUNDS, stopAt?: string): Chains {
  const rank = new Map(ctx.releases.map((r, i) => [r, i]));
  const order = (a: Hop, b: Hop) => {
    const x = rank.get(a.to);
    const y = rank.get(b.to);
    // a version the releases do not list (a catalog's own x.y.z.0) is compared as the scheme says
    return x !== undefined && y !== undefined ? x - y : catalog.scheme.compare(a.to, b.to);
  };
  const via = new Map<string, Hop | undefined>([[from, undefined]]);
  const queue = [from];
  const until = Date.now() + bounds.ms;
  let looked = 0;
  for (let next = 0; next < queue.length && !(stopAt !== undefined && via.has(stopAt)); next++) {
    const at = queue[next];
    const hops = catalog.legalHops(at, ctx);
    looked += hops.length;
    if (queue.length > bounds.versions || looked > bounds.hops || Date.now() > until) throw searchTooLarge(catalog, from, ctx, queue.length, looked, bounds);
    // a catalog mostly offers its hops in release order already: checked in one pass before sorting
    const inOrder = hops.every((h, i) => i === 0 || order(hops[i - 1], h) <= 0);
    for (const hop of inOrder ? hops : [...hops].sort(order)) {
      if (via.has(hop.to)) continue;
      if (catalog.scheme.compare(hop.to, at) <= 0) continue; // catalogs only move forward
      via.set(hop.to, hop);
      queue.push(hop.to);
    }
  }
  return {
    reached: new Set(via.keys()),
    chainTo(to) {
      if (!via.has(to)) return undefined;
      const chain: Hop[] = [];
      for (let hop = via.get(to); hop; hop = via.get(hop.from)) chain.push(hop);
      return chain.reverse();
    },
  };
}

function searchTooLarge(catalog: Catalog, from: string, ctx: PlanContext, versions: number, hops: number, b: SearchBounds): UpchainError {
  const which =
    versions > b.versions
      ? `reached more than ${b.versions} versions`
      : hops > b.hops
        ? `looked at more than ${b.hops} hops`
        : `took more than ${b.ms / 1000} s`;
  return new UpchainError(
    "INVALID_INPUT",
    `releases: the search for ${withArticle(catalog.title)} chain from ${from} over ${ctx.releases.length} releases ${which} and was stopped ` +
      `(${versions} versions, ${hops} hops so far): list only the releases you have patches for, between the installed version and the target ` +
      `(a catalog of your own: make its legalHops offer only the hops its vendor allows, each to a later version)`,
    ["releases"],
  );
}

/** Every version the installed one can legally reach, oldest first. */
export function legalTargets(catalog: Catalog, req: Omit<PlanRequest, "target">): string[] {
  const ctx = contextFor(catalog, { ...req, target: req.installed });
  const installed = normalizeOrThrow(catalog, "installed", req.installed);
  return sortVersions(
    catalog.scheme,
    [...shortestChains(catalog, installed, ctx).reached].filter((v) => v !== installed),
  );
}

/**
 * A list of versions for a message: whole when short, else its first and last few around a count, so
 * that a message over hundreds of releases stays short enough to be shown whole (its parenthesis closed).
 */
function versionList(versions: readonly string[], ends = 5, whole = 20): string {
  if (versions.length <= whole) return versions.join(", ");
  return [...versions.slice(0, ends), `… ${versions.length - 2 * ends} more …`, ...versions.slice(-ends)].join(", ");
}

export function planUpgrade(catalog: Catalog, req: PlanRequest, bounds: SearchBounds = SEARCH_BOUNDS): Plan {
  const ctx = contextFor(catalog, req);
  const from = normalizeOrThrow(catalog, "installed", req.installed);
  const to = normalizeOrThrow(catalog, "target", req.target);
  // every version reachable, for the refusals only: the chain's own search stops at the target
  let everything: Chains | undefined;
  const legalText = () => {
    everything ??= shortestChains(catalog, from, ctx, bounds);
    const reachable = sortVersions(
      catalog.scheme,
      [...everything.reached].filter((v) => v !== from),
    );
    return reachable.length ? `legal targets from ${from}: ${versionList(reachable)}` : `no release is reachable from ${from}`;
  };

  if (catalog.scheme.compare(to, from) < 0) {
    throw new UpchainError("DOWNGRADE", `target: ${to} is older than the installed ${from}; upchain never downgrades (${legalText()})`, ["target"]);
  }
  const undocumented = catalog.undocumentedSource?.(from, ctx);
  if (undocumented && from !== to) throw new UpchainError("NO_LEGAL_PATH", `installed: ${undocumented}; upchain never guesses a path`, ["installed"]);
  if (to !== from && !ctx.releases.includes(to)) {
    throw new UpchainError("UNKNOWN_VERSION", `target: ${to} is not a known ${catalog.title} release (known: ${versionList(ctx.releases)}; ${legalText()})`, [
      "target",
    ]);
  }
  // before the search's answer: a catalog may refuse the chain itself, naming what the releases lack
  const stops = catalog.requiredStops(from, to, ctx);
  const chains = shortestChains(catalog, from, ctx, bounds, to);
  const hops = chains.chainTo(to);
  if (!hops) {
    everything = chains; // a search that never reached the target went everywhere it could
    throw new UpchainError("NO_LEGAL_PATH", `target: no chain of legal hops leads from ${from} to ${to} (${legalText()})`, ["target"]);
  }

  // Defence in depth: whatever the hop rules say, a required stop may never be skipped.
  const visited = new Set(hops.map((h) => h.to));
  for (const stop of stops) {
    if (!visited.has(stop.version)) {
      throw new UpchainError(
        "NO_LEGAL_PATH",
        `the chain ${from} -> ${to} would skip the required stop ${stop.version} (${stop.rule.text}; ${stop.rule.source})`,
        ["target"],
      );
    }
  }

  const steps: PlannedStep[] = [];
  for (const [index, hop] of hops.entries()) {
    const own = catalog.hopSteps(hop, ctx, { index, count: hops.length, from, to });
    const hopSteps = req.versionCommand ? withVersionCheck(own, hop, platformShell(ctx.platform), req.versionCommand) : own;
    assertBackupFirst(catalog, hop, hopSteps);
    steps.push(...hopSteps.map((s) => ({ ...s, hop: hopLabel(hop) })));
  }
  return { product: catalog.product, platform: ctx.platform, from, to, hops, steps };
}

/**
 * An interrupted run's plan made again on the controller, for the versions its journal names. A product
 * whose releases come from the host (Catalog.offers) is planned with the run's own chain of versions
 * instead: the host's offer has moved on since the run started (a module it installed is no longer offered
 * as an upgrade), and preview has no offer at all for a run that is not the stack's target. Taking these
 * versions from the journal trusts the host no more than its offer already is, and only the very plan
 * the journal's digest names is resumed (executor.ts): the steps still come from the stack's catalog.
 */
export function replanInterrupted(catalog: Catalog, req: Omit<PlanRequest, "installed" | "target">, j: { from: string; to: string; chain?: string[] }): Plan {
  // the chain alone (not what the host offers now, nor the stack's list): the same versions whenever it is planned again
  const releases = catalog.offers && j.chain ? [...new Set([...catalog.defaultReleases, ...j.chain])] : req.releases;
  return planUpgrade(catalog, { ...req, installed: j.from, target: j.to, releases });
}

/** A catalog bug, not a user error: a destructive step with no restore point before it. */
function assertBackupFirst(catalog: Catalog, hop: Hop, steps: Step[]): void {
  const firstDestructive = steps.findIndex((s) => s.destructive);
  const backup = steps.findIndex((s) => s.action === "backup");
  if (firstDestructive >= 0 && (backup < 0 || backup > firstDestructive)) {
    throw new Error(`catalog ${catalog.product}: hop ${hopLabel(hop)} has a destructive step before its backup`);
  }
}

/** Every problem the catalog finds with the inputs of `hops` (none given: the options alone), as field path and message. */
export function planInputProblems(catalog: Catalog, hops: Hop[], req: Omit<PlanRequest, "target" | "installed">): { path: string; message: string }[] {
  const ctx = contextFor(catalog, { ...req, installed: "", target: "" });
  if (!hops.length && catalog.optionProblems) return catalog.optionProblems(ctx);
  return catalog.preflight?.(hops, ctx) ?? [];
}

/**
 * What the chain needs from the user that is missing (a patch file, a bundle): every problem at once,
 * before any host is touched. Separate from planning so `upchain plan` can show a chain without them.
 */
export function assertPlanInputs(catalog: Catalog, plan: Plan, req: PlanRequest): void {
  const problems = planInputProblems(catalog, plan.hops, req);
  if (problems.length) {
    throw new UpchainError("INVALID_INPUT", problems.map((p) => `${p.path}: ${p.message}`).join("\n"), [problems[0].path]);
  }
}
