// A cluster member's plan: the product's own hops, each wrapped in pool steps that put the load
// balancer's pools where the rollout says they belong (rollout.ts): before the hop, with this member
// being upgraded; after it, with the member on its new release; after a failed hop, with the member
// back on its old release (a recovery step, run even when the restore failed). The last member on the
// old release has one more: right after its old release stops (the catalog names that step), the
// upgraded members return to the old-release-only pools, and a failed hop takes them out again before
// anything starts the old release. No product names: the catalog gives the pools' roles (a function of
// the hop's source release), the stack the backends' names and the members' order.
//
// A cluster rolls stop by stop (rollout.ts stagedRolloutOrder): every member takes the chain's first
// stop, one at a time, before any takes the next; each member's Server runs one stop (its `stage`).
// A hop within the old release's class (a patch set on the way) finds the members before it on its
// destination and those after on its source, all of one class: nobody is "upgraded" for the pools.
import { Catalog, ChainPosition, Hop, PlanContext, PoolStep, Step } from "./catalog";
import { PlanRequest, planUpgrade } from "./planner";
import { Provenance, fromSafety } from "./provenance";
import { Pools as DesiredPools, PoolChange, RolloutPolicy, desiredPools, poolChanges, samePools } from "./rollout";

export interface ClusterMembership {
  /** Every member's server name in the balancer, in rollout order; the members before this one are upgraded first. */
  members: string[];
  /** This server's name in the balancer's backends. */
  member: string;
  /** The backend's name in the balancer for each pool role of the catalog's policy (traffic, invalidation, ...). */
  backends: Record<string, string>;
  /** The release the cluster is rolled to (canonical). Which hop takes a member off the old release is the policy's to say (its class). */
  target: string;
  /** Seconds to wait for a drained member to finish what it serves. */
  drainSeconds: number;
}

/** The stop one of a member's runs takes it to, the cluster rolling stop by stop; `after`: the stop its run before takes it to (none for the first). */
export interface MemberStage {
  upTo: string;
  after?: string;
}

/**
 * The stops a cluster rolls through to `target`, in order, the target last: every release of the
 * list below the target (a chain passes only releases of the list, planner.ts), so every chain's stops
 * are among them; a stop a member's chain does not pass is a stage with nothing to do for it.
 */
export function rolloutStops(catalog: Catalog, releases: readonly string[], target: string): string[] {
  const to = catalog.scheme.normalize(target) ?? target;
  const below = releases.map((r) => catalog.scheme.normalize(r)).filter((r): r is string => r !== undefined && catalog.scheme.compare(r, to) < 0);
  return [...new Set(below)].sort((a, b) => catalog.scheme.compare(a, b)).concat(to);
}

/**
 * The request for one stage's run: the member's chain to the target (as planUpgrade finds it), cut to
 * the hops that end at or before the stage's stop, and, at preview (`preview`: before the earlier
 * stages have run), that begin at or after the stop the stage before reaches. No hop in the stage:
 * the installed release as target, an empty plan.
 */
export function stageRequest(catalog: Catalog, req: PlanRequest, stage: MemberStage | undefined, preview: boolean): PlanRequest {
  if (!stage) return req;
  const full = planUpgrade(catalog, req);
  const { compare, normalize } = catalog.scheme;
  const upTo = normalize(stage.upTo) ?? stage.upTo;
  const after = stage.after === undefined ? undefined : (normalize(stage.after) ?? stage.after);
  const hops = full.hops.filter((h) => compare(h.to, upTo) <= 0 && (!preview || after === undefined || compare(h.from, after) >= 0));
  if (!hops.length) return { ...req, installed: full.from, target: full.from };
  return { ...req, installed: hops[0].from, target: hops[hops.length - 1].to };
}

/** The desired pools by the balancer's backend names. */
function byBackend(p: DesiredPools, m: ClusterMembership): PoolStep["pools"] {
  return Object.fromEntries(Object.entries(p).map(([role, states]) => [m.backends[role] ?? role, states]));
}

function poolStep(id: string, title: string, pools: DesiredPools, m: ClusterMembership, provenance: Provenance, extra: Partial<PoolStep> = {}): PoolStep {
  return {
    id,
    action: "pool",
    title,
    shell: "sh",
    commands: [],
    destructive: false,
    pools: byBackend(pools, m),
    drainSeconds: m.drainSeconds,
    provenance,
    ...extra,
  };
}

const DRAIN = fromSafety(
  "the member leaves the traffic pool drained before its upgrade and rejoins it after its check, so no request reaches a member being upgraded; putting it back undoes it",
);
const RECOVER = fromSafety("after a failed hop whose restore worked, the member goes back to the pools of its old release (undoing the step before the hop)");
const RECOVER_BEFORE_RESTART = fromSafety(
  "before a failed hop's old release may run again, the upgraded members leave the old-release-only pools they rejoined when it stopped (undoing that step)",
);

const WITHIN_CLASS = fromSafety(
  "for a hop that keeps it on the old release's side of the old-release-only pools (a stop on the way), the member leaves them only while it is stopped, so they send to live members alone; it returns after its check, and the other members stay as they were",
);

/**
 * The document's sentence when a move of a hop that takes the member off the old release touches a
 * pool other than traffic (the document's pool order); a hop within the class moves the member alone,
 * upchain's safety; a traffic-only move is upchain's drain.
 */
function moveProvenance(inner: Catalog, policy: RolloutPolicy, changes: PoolChange[], leaves = true): Provenance {
  const touchesOthers = changes.some((c) => c.pool !== policy.traffic);
  if (!touchesOthers) return DRAIN;
  if (!leaves) return WITHIN_CLASS;
  return inner.cluster?.provenance ?? DRAIN;
}

const describe = (changes: { member: string; action: string }[]) =>
  changes.length ? changes.map((c) => `${c.action} ${c.member}`).join(", ") : "no change expected";
const same = (a: DesiredPools, b: DesiredPools) => JSON.stringify(a) === JSON.stringify(b);

/** `policyOf(hop.from)`: the pools' roles for a cluster whose old members run the hop's source (Catalog.cluster.policy). */
export function clusterMember(inner: Catalog, policyOf: (source: string | undefined) => RolloutPolicy, m: ClusterMembership): Catalog {
  const at = m.members.indexOf(m.member);
  const before = new Set(m.members.slice(0, at));
  const withMe = new Set([...before, m.member]);
  /** The pools around one hop: before it, during it, once its old release has stopped, after it. */
  const poolsOf = (hop: Hop) => {
    const policy = policyOf(hop.from);
    // stop by stop, the members before this one already run hop.to, those after it hop.from: they
    // count as upgraded only for a hop that takes members off the old release (rollout.ts RolloutStage)
    const leaves = !samePools(policy, policyOf(hop.to));
    const upgraded = leaves ? before : new Set<string>();
    const resting = desiredPools(m.members, upgraded, undefined, policy);
    const during = desiredPools(m.members, upgraded, m.member, policy);
    const after = leaves ? desiredPools(m.members, withMe, undefined, policy) : resting;
    // only a hop off the old release: after a hop within the class the old release's class runs again
    const stopped = leaves ? desiredPools(m.members, upgraded, m.member, policy, true) : during;
    return { policy, leaves, resting, during, stopped, after, returnsEarly: !same(during, stopped) };
  };
  return {
    ...inner,
    hopSteps(hop: Hop, ctx: PlanContext, chain?: ChainPosition): Step[] {
      const { policy, leaves, resting, during, stopped, after, returnsEarly } = poolsOf(hop);
      const steps = inner.hopSteps(hop, ctx, chain);
      if (returnsEarly) {
        const stopId = inner.cluster?.oldReleaseStoppedAfter;
        const k = steps.findIndex((s) => s.id === stopId);
        if (k < 0)
          throw new Error(
            `${inner.title}: the hop ${hop.from} -> ${hop.to} has no step ${stopId ?? "(cluster.oldReleaseStoppedAfter)"} after which its old release has stopped`,
          );
        const changes = poolChanges(during, stopped, policy, m.members);
        const provenance = inner.cluster?.oldReleaseOnlyProvenance ?? moveProvenance(inner, policy, changes);
        steps.splice(
          k + 1,
          0,
          poolStep(
            "pool-old-stopped",
            `Load balancer: ${m.member} was the last member on ${hop.from} and has stopped it, so none runs; the upgraded members take its place (${describe(changes)})`,
            stopped,
            m,
            provenance,
          ),
        );
      }
      return [
        poolStep(
          "pool-before",
          `Load balancer: take ${m.member} out for its upgrade (${describe(poolChanges(resting, during, policy, m.members))})`,
          during,
          m,
          moveProvenance(inner, policy, poolChanges(resting, during, policy, m.members), leaves),
        ),
        ...steps,
        poolStep(
          "pool-after",
          `Load balancer: ${m.member} back on ${hop.to} (${describe(poolChanges(stopped, after, policy, m.members))})`,
          after,
          m,
          moveProvenance(inner, policy, poolChanges(stopped, after, policy, m.members), leaves),
        ),
      ];
    },
    recoverSteps(hop: Hop, ctx: PlanContext): Step[] {
      const { policy, resting, during, stopped, returnsEarly } = poolsOf(hop);
      // first of all, before the product's recovery starts the old release again: it may not run
      // while the upgraded members are back in the old-release-only pools
      const first = returnsEarly
        ? [
            poolStep(
              "pool-recover-old-only",
              `Load balancer: before ${hop.from} runs again on ${m.member}, the upgraded members leave the pools of the old release (${describe(poolChanges(stopped, during, policy, m.members))})`,
              during,
              m,
              RECOVER_BEFORE_RESTART,
              { always: true },
            ),
          ]
        : [];
      return [
        ...first,
        ...(inner.recoverSteps?.(hop, ctx) ?? []),
        // not after a failed restore: a half-restored member stays out of every pool it left
        poolStep(
          "pool-recover",
          `Load balancer: ${m.member} back in its pools on ${hop.from} (${describe(poolChanges(during, resting, policy, m.members))})`,
          resting,
          m,
          RECOVER,
        ),
      ];
    },
  };
}
