// The planner: a pure function from (catalog, installed, target, releases, platform, options) to a
// plan or an UpchainError. No I/O, so preview can show the whole chain and every step before any
// host is touched, and the rules can be tested exhaustively.
import { UpchainError } from "../errors";
import { Catalog, Hop, PlanContext, Platform, Step } from "./catalog";
import { sortVersions } from "./version";
import { withArticle } from "../article";
import { withVersionCheck } from "./versionCheck";
import { platformShell } from "./installedVersion";

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
    throw new UpchainError(
      "UNSUPPORTED_PLATFORM",
      `platform: ${catalog.title} has recipes for ${catalog.platforms.join(" and ")}, not "${req.platform}"`,
      ["platform"],
    );
  }
  const raw = req.releases ?? catalog.defaultReleases;
  const releases = raw.map((r, i) => {
    const v = catalog.scheme.normalize(r);
    if (!v) throw new UpchainError("INVALID_INPUT", `releases[${i}]: "${r}" is not ${withArticle(catalog.title)} version (${catalog.scheme.describe})`, ["releases", i]);
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

/** Shortest chains from `from` to every reachable version (breadth-first over legal hops). */
function shortestChains(catalog: Catalog, from: string, ctx: PlanContext): Map<string, Hop[]> {
  const chains = new Map<string, Hop[]>([[from, []]]);
  const queue = [from];
  while (queue.length) {
    const at = queue.shift()!;
    const sorted = [...catalog.legalHops(at, ctx)].sort((a, b) => catalog.scheme.compare(a.to, b.to));
    for (const hop of sorted) {
      if (catalog.scheme.compare(hop.to, at) <= 0) continue; // catalogs only move forward
      if (chains.has(hop.to)) continue;
      chains.set(hop.to, [...chains.get(at)!, hop]);
      queue.push(hop.to);
    }
  }
  return chains;
}

/** Every version the installed one can legally reach, oldest first. */
export function legalTargets(catalog: Catalog, req: Omit<PlanRequest, "target">): string[] {
  const ctx = contextFor(catalog, { ...req, target: req.installed });
  const installed = normalizeOrThrow(catalog, "installed", req.installed);
  return sortVersions(catalog.scheme, [...shortestChains(catalog, installed, ctx).keys()].filter((v) => v !== installed));
}

/**
 * A list of versions for a message: whole when short, else its first and last few around a count, so
 * that a message over hundreds of releases stays short enough to be shown whole (its parenthesis closed).
 */
export function versionList(versions: readonly string[], ends = 5, whole = 20): string {
  if (versions.length <= whole) return versions.join(", ");
  return [...versions.slice(0, ends), `… ${versions.length - 2 * ends} more …`, ...versions.slice(-ends)].join(", ");
}

export function planUpgrade(catalog: Catalog, req: PlanRequest): Plan {
  const ctx = contextFor(catalog, req);
  const from = normalizeOrThrow(catalog, "installed", req.installed);
  const to = normalizeOrThrow(catalog, "target", req.target);
  const chains = shortestChains(catalog, from, ctx);
  const reachable = sortVersions(catalog.scheme, [...chains.keys()].filter((v) => v !== from));
  const legal = reachable.length ? `legal targets from ${from}: ${versionList(reachable)}` : `no release is reachable from ${from}`;

  if (catalog.scheme.compare(to, from) < 0) {
    throw new UpchainError("DOWNGRADE", `target: ${to} is older than the installed ${from}; upchain never downgrades (${legal})`, ["target"]);
  }
  const undocumented = catalog.undocumentedSource?.(from, ctx);
  if (undocumented && from !== to) throw new UpchainError("NO_LEGAL_PATH", `installed: ${undocumented}; upchain never guesses a path`, ["installed"]);
  if (to !== from && !ctx.releases.includes(to)) {
    throw new UpchainError(
      "UNKNOWN_VERSION",
      `target: ${to} is not a known ${catalog.title} release (known: ${versionList(ctx.releases)}; ${legal})`,
      ["target"],
    );
  }
  // before the search's answer: a catalog may refuse the chain itself, naming what the releases lack
  const stops = catalog.requiredStops(from, to, ctx);
  const hops = chains.get(to);
  if (!hops) {
    throw new UpchainError("NO_LEGAL_PATH", `target: no chain of legal hops leads from ${from} to ${to} (${legal})`, ["target"]);
  }

  // Defence in depth: whatever the hop rules say, a required stop may never be skipped.
  const visited = new Set(hops.map((h) => h.to));
  for (const stop of stops) {
    if (!visited.has(stop.version)) {
      throw new UpchainError("NO_LEGAL_PATH", `the chain ${from} -> ${to} would skip the required stop ${stop.version} (${stop.rule.text}; ${stop.rule.source})`, ["target"]);
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
