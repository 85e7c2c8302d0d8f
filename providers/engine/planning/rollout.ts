// Rolling a cluster member by member behind a load balancer: pure, like the planner. Which pool each
// member should be in follows from which members run the new release and which one is being
// upgraded; the rollout is the sequence of pool changes between those states, with each member's
// upgrade between them. No product names: a catalog or component gives the pools' roles.

export type PoolState = "ready" | "drain" | "maint";

export interface RolloutPolicy {
  /** The pool that serves traffic: a member is drained from it for its upgrade and made ready after its check. */
  traffic: string;
  /**
   * Pools that, while the cluster runs two releases, may hold only members on the old release (the
   * Web Cache invalidation pool from a 9.0.2 source). A member leaves them before its upgrade, unless
   * it is the last one left (a pool is never emptied); once that last one has stopped its old release,
   * no member of the old release runs, and the upgraded members return at that moment. Empty when the
   * source release has no such rule (the policy is a function of the source: Catalog.cluster.policy).
   */
  oldReleaseOnly: string[];
}

/** backend -> member -> state. */
export type Pools = Record<string, Record<string, PoolState>>;

export interface PoolChange {
  member: string;
  pool: string;
  state: PoolState;
  /** `<pool>-add|remove|drain`, as shown in the rollout. */
  action: string;
}

/** A member's run: "upgrade", or "upgrade to <stop>" when the cluster goes through stops. */
export type RolloutEntry = { member: string; action: "upgrade" | `upgrade to ${string}` } | PoolChange;

/**
 * The pools for a cluster where `upgraded` run the new release and `upgrading` (if any) is about to, or
 * is being, upgraded. `oldStopped`: the member being upgraded has stopped its old release. It matters
 * only for the last member on the old release: then none runs, so the upgraded ones take the
 * old-release-only pools again (the last one stays in them, as the document keeps it: stopped, the
 * balancer's checks pass it by, and it serves them again on the new release).
 */
export function desiredPools(
  members: readonly string[],
  upgraded: ReadonlySet<string>,
  upgrading: string | undefined,
  policy: RolloutPolicy,
  oldStopped = false,
): Pools {
  const pools: Pools = { [policy.traffic]: {} };
  const servingOthers = members.filter((m) => m !== upgrading);
  for (const m of members) pools[policy.traffic][m] = m === upgrading && servingOthers.length ? "drain" : "ready";
  const mixed = upgrading !== undefined || (upgraded.size > 0 && members.some((m) => !upgraded.has(m)));
  let old = members.filter((m) => !upgraded.has(m) && m !== upgrading);
  const lastOld = !old.length && upgrading !== undefined && mixed;
  // the document's last member stays in the pool (a pool is never emptied); once it has stopped its
  // old release, no old-release member runs, and the pools need no longer keep the upgraded ones out
  const oldGone = lastOld && oldStopped;
  if (lastOld) old = [upgrading];
  for (const pool of policy.oldReleaseOnly) {
    pools[pool] = {};
    for (const m of members) pools[pool][m] = !mixed || oldGone || old.includes(m) ? "ready" : "maint";
  }
  return pools;
}

function actionName(pool: string, state: PoolState, policy: RolloutPolicy): string {
  if (state === "ready") return pool === policy.traffic ? `${pool}-ready` : `${pool}-add`;
  return state === "drain" ? `${pool}-drain` : `${pool}-remove`;
}

/**
 * The changes that take `current` to `desired`, additions first (a pool never loses its last member
 * to an order of operations), then removals and drains.
 */
export function poolChanges(current: Pools, desired: Pools, policy: RolloutPolicy, members: readonly string[]): PoolChange[] {
  const changes: PoolChange[] = [];
  for (const [pool, want] of Object.entries(desired)) {
    for (const m of members) {
      const to = want[m];
      if (to !== undefined && current[pool]?.[m] !== to) changes.push({ member: m, pool, state: to, action: actionName(pool, to, policy) });
    }
  }
  // returns first, traffic before the rest; then leaves, the old-release-only pools before traffic (the
  // document's "remove from the invalidation pool, then upgrade"); declared member order within each
  const rank = (c: PoolChange) => (c.state === "ready" ? (c.pool === policy.traffic ? 0 : 1) : c.pool === policy.traffic ? 3 : 2);
  return changes.sort((a, b) => rank(a) - rank(b) || members.indexOf(a.member) - members.indexOf(b.member));
}

export interface Rollout {
  entries: RolloutEntry[];
  /** True when a member's upgrade leaves no other member serving (a one-member cluster). */
  outage: boolean;
}

/** Whether members on two releases are one class for the pools: each release, as a source, keeps the same pools to its own members. */
export function samePools(a: RolloutPolicy, b: RolloutPolicy): boolean {
  return a.traffic === b.traffic && JSON.stringify([...a.oldReleaseOnly].sort()) === JSON.stringify([...b.oldReleaseOnly].sort());
}

/** One stop of a cluster rolled stop by stop: every member's hop `from -> to`, one member at a time. */
export interface RolloutStage {
  from: string;
  to: string;
  /** The pools' roles while members not yet at `to` run `from` (Catalog.cluster.policy(from)). */
  policy: RolloutPolicy;
  /**
   * The hop takes a member off the old release for the old-release-only pools: `to` is a release of
   * another class (its policy as a source differs: Catalog.cluster.policy of each). A hop
   * within the class (a patch set on the way) keeps the member among the old-release ones: it leaves
   * the pools only while stopped, and every member stays where the rule wants it.
   */
  leaves: boolean;
}

/**
 * The whole rollout in run order, stop by stop: every member to the first stop (one at a time, in the
 * declared order), then every member to the next, and so on. `at[m]`: how many stages member m has
 * already done (0: it runs the first stage's `from`). Going stop by stop keeps the old-release-only
 * pools served at every moment: while a member is stopped for a hop within the class, every other
 * member runs the same class and takes its place; members leave the class only in the last stage,
 * where the document's one-member-at-a-time order holds (the last one stays, and the others return
 * once it has stopped).
 */
export function stagedRolloutOrder(members: readonly string[], stages: readonly RolloutStage[], at: Readonly<Record<string, number>>): Rollout {
  const entries: RolloutEntry[] = [];
  let pools: Pools | undefined;
  stages.forEach((stage, i) => {
    const { policy } = stage;
    // within the class nobody is "upgraded" for the pools: members past this stop are the same class
    const upgraded = new Set(stage.leaves ? members.filter((m) => (at[m] ?? 0) > i) : []);
    const resting = desiredPools(members, upgraded, undefined, policy);
    if (pools) entries.push(...poolChanges(pools, resting, policy, members));
    pools = resting;
    for (const m of members) {
      if ((at[m] ?? 0) > i) continue;
      const during = desiredPools(members, upgraded, m, policy);
      // the changes once its old release has stopped (the last old member only) are listed right after its upgrade
      const stopped = stage.leaves ? desiredPools(members, upgraded, m, policy, true) : during;
      entries.push(
        ...poolChanges(pools, during, policy, members),
        { member: m, action: stages.length > 1 ? `upgrade to ${stage.to}` : "upgrade" },
        ...poolChanges(during, stopped, policy, members),
      );
      if (stage.leaves) upgraded.add(m);
      const after = desiredPools(members, upgraded, undefined, policy);
      entries.push(...poolChanges(stopped, after, policy, members));
      pools = after;
    }
  });
  return { entries, outage: members.length === 1 && entries.some((e) => e.action.startsWith("upgrade")) };
}

/** The whole rollout in run order, from every member in every pool (or the pools implied by `upgradedAlready`): one stage to the new release. */
export function rolloutOrder(members: readonly string[], upgradedAlready: ReadonlySet<string>, policy: RolloutPolicy): Rollout {
  const at = Object.fromEntries(members.map((m) => [m, upgradedAlready.has(m) ? 1 : 0]));
  return stagedRolloutOrder(members, [{ from: "", to: "", policy, leaves: true }], at);
}
