// From what the host says to the chain: probe the installed version, read what the host offers to
// install (a product with an update service of its own), plan. Preview, up and up finishing an
// interrupted run all plan this way; only where the chain starts and what is checked differ.
import { getCatalog } from "../catalogs";
import { Catalog, PlanContext } from "../engine/planning/catalog";
import { MemberStage, clusterMember, stageRequest } from "../engine/planning/clusterMember";
import { VersionSource, VersionSources } from "../engine/planning/installedVersion";
import { Journal } from "../engine/running/journal";
import { Plan, PlanRequest, assertPlanInputs, planInputProblems, planUpgrade, replanInterrupted } from "../engine/planning/planner";
import { promotionProblem } from "../engine/planning/promotion";
import { readOnHost } from "../engine/readOnHost";
import { UpchainError, isUpchainError } from "../errors";
import { RemoteHost } from "../transport/remoteHost";
import { findInstalled } from "./installed";
import { ServerInputs } from "./schema";

/** The product's catalog, wrapped with the pool steps of a cluster member when the server is one. */
export function catalogFor(s: ServerInputs): Catalog {
  const catalog = getCatalog(s.product);
  if (!s.pool) return catalog;
  if (!catalog.cluster) throw new UpchainError("INVALID_INPUT", `pool: ${catalog.title} has no cluster rollout`, ["pool"]);
  const target = catalog.scheme.normalize(s.target) ?? s.target;
  return clusterMember(catalog, catalog.cluster.policy, { ...s.pool, target });
}

export function contextOf(catalog: Catalog, s: ServerInputs): PlanContext {
  return { platform: s.platform, releases: [...(s.releases ?? catalog.defaultReleases)], options: s.options };
}

/** The stack's word on the installed version (the site's command, the declared version) and the state's, when the caller has it. */
export const sourcesOf = (s: ServerInputs, tracked?: string): VersionSources => ({ versionCommand: s.versionCommand, current: s.current, tracked });

/** A cluster member's stage: the stop this Server takes it to (none: the whole chain). */
export const stageOf = (s: ServerInputs): MemberStage | undefined => (s.pool?.upTo === undefined ? undefined : { upTo: s.pool.upTo, after: s.pool.after });

/** What the host offers to install (catalogs with an update service of their own), and the target with its aliases resolved. */
export interface Offered {
  releases?: string[];
  target: string;
  lines?: string[];
}

export async function readOffered(host: RemoteHost, catalog: Catalog, s: ServerInputs, installed: string): Promise<Offered> {
  if (!catalog.offers) return { target: s.target };
  const o = catalog.offers(contextOf(catalog, s));
  const r = await readOnHost(host, o);
  const read = o.read({ code: r.code, stdout: r.stdout, stderr: r.stderr }, installed, s.target);
  if ("problem" in read) throw new UpchainError("HOST_NOT_READY", `${host.label}: ${read.problem}`, ["target"]);
  return { releases: [...(s.releases ?? catalog.defaultReleases), ...read.releases], target: read.target, lines: read.lines };
}

/** The server's inputs as the planner takes them: the host's offer added to the releases, the target resolved. */
const withOffered = (s: ServerInputs, offered: Offered): ServerInputs => ({
  ...s,
  target: offered.target,
  ...(offered.releases ? { releases: offered.releases } : {}),
});

/** Rebuild an interrupted run's plan on the controller, from the stack, for the versions its journal names. */
export function resumePlan(catalog: Catalog, s: ServerInputs, pending: Journal, where: string): Plan {
  try {
    const req: PlanRequest = {
      installed: pending.from,
      target: pending.to,
      platform: s.platform,
      releases: s.releases,
      options: s.options,
      versionCommand: s.versionCommand,
    };
    const plan = replanInterrupted(catalog, req, pending);
    assertPlanInputs(catalog, plan, req);
    return plan;
  } catch (e) {
    if (!isUpchainError(e)) throw e;
    throw new UpchainError(
      "JOURNAL_INVALID",
      `the journal ${where} names interrupted run ${pending.run} (${pending.from} -> ${pending.to}), which this stack cannot plan (${e.message}). ` +
        `Nothing was run. Put the stack back as it was for that run; or, after checking the host by hand, set clearRun: "${pending.run}" on this server to abandon it.`,
      [],
      { cause: e },
    );
  }
}

/** Where the installed version is read: the journal's name (a tracked version lives beside it) and the state's version. */
export interface VersionReads {
  journalName: string;
  tracked?: string;
}

/** Where the chain starts, and for whom. */
export type PlanStart =
  /** preview: from what the host runs; a cluster member's hops from the stop the member before it reaches */
  | { at: "preview"; onInstalled?: (found: { version: string; source: VersionSource }) => void }
  /**
   * up: from what the host runs. `previewed` is the target preview resolved and showed (check's
   * resolvedTarget; the stack's own when it named no alias): the host's offer is read again for its
   * releases, but an update service that detected a newer release since would otherwise have
   * `latest` mean a version nobody previewed or gated.
   */
  | { at: "up"; previewed?: string }
  /** up, finishing an interrupted run first: the versions its journal names, whatever the host runs now */
  | { at: "resume"; journal: Journal; where: string };

export interface HostPlan {
  plan: Plan;
  /** The server's inputs with the host's offer: its releases added, its target resolved. */
  server: ServerInputs;
  offered: Offered;
  req: PlanRequest;
  /** What the chain needs from the user that is missing (a patch file, a bundle). */
  missing: { path: string; message: string }[];
  /** Why the target may not go ahead of the environment it is promoted from; only a change needs that proof. */
  unproven?: string;
}

/** The chain for this server as the host is now (see PlanStart). Problems are returned for the caller to report; `runnable` refuses them. */
export async function planFromHost(host: RemoteHost, catalog: Catalog, s: ServerInputs, reads: VersionReads, start: PlanStart): Promise<HostPlan> {
  const installed = async () => {
    const found = await findInstalled(host, catalog, contextOf(catalog, s), sourcesOf(s, reads.tracked), reads.journalName);
    if (start.at === "preview") start.onInstalled?.(found);
    return found.version;
  };
  if (start.at === "resume") {
    // a run whose journal keeps its chain is planned from it, whatever the host offers now
    const offered = catalog.offers && start.journal.chain ? { target: s.target } : await readOffered(host, catalog, s, await installed());
    const server = withOffered(s, offered);
    const plan = resumePlan(catalog, server, start.journal, start.where);
    const req: PlanRequest = {
      installed: start.journal.from,
      target: start.journal.to,
      platform: s.platform,
      releases: server.releases,
      options: s.options,
      versionCommand: s.versionCommand,
    };
    return { plan, server, offered, req, missing: [] };
  }
  const from = await installed();
  const offered = await readOffered(host, catalog, s, from);
  if (start.at === "up") assertPreviewedTarget(host, catalog, s, offered, start.previewed);
  const server = withOffered(s, offered);
  const req: PlanRequest = {
    installed: from,
    target: server.target,
    platform: s.platform,
    releases: server.releases,
    options: s.options,
    versionCommand: s.versionCommand,
  };
  // a cluster member's stage: its hops to the stage's stop (at preview, from the stop the stage before reaches)
  const plan = planUpgrade(catalog, stageRequest(catalog, req, stageOf(s), start.at === "preview"));
  const unproven = s.promotion && plan.hops.length ? promotionProblem(catalog.scheme, s.product, plan.to, s.promotion) : undefined;
  return { plan, server, offered, req, missing: planInputProblems(catalog, plan.hops, req), ...(unproven ? { unproven } : {}) };
}

function assertPreviewedTarget(host: RemoteHost, catalog: Catalog, s: ServerInputs, offered: Offered, previewed: string | undefined): void {
  const expected = previewed ?? s.target;
  const norm = (v: string) => catalog.scheme.normalize(v) ?? v;
  if (norm(offered.target) === norm(expected)) return;
  throw new UpchainError(
    "PLAN_CHANGED",
    `${host.label}: preview resolved the target ${s.target} to ${expected}, but the host now resolves it to ${offered.target}: up runs only what preview showed and checked, and nothing was run. ` +
      `To go to ${offered.target}, run pulumi up again: it previews ${offered.target} and checks it (the promotion gate included) before anything runs.`,
    ["target"],
  );
}

/**
 * The plan up runs, or the refusal of what preview reported: a missing input, and the promotion gate
 * checked again on the chain that will run (a server found at its target at preview needed no proof,
 * but one found back on an older release at up does).
 */
export function runnable(hostLabel: string, p: HostPlan): Plan {
  if (p.missing.length) throw new UpchainError("INVALID_INPUT", p.missing.map((m) => `${m.path}: ${m.message}`).join("\n"), [p.missing[0].path]);
  if (p.unproven) throw new UpchainError("NOT_PROMOTED", `${hostLabel}: ${p.unproven}`, ["target"]);
  return p.plan;
}
