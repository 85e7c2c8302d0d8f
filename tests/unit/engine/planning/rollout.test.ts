// The cluster rollout, pure: the document's order for four Web Cache members behind a load balancer
// (remove 1, upgrade 1, remove 2, upgrade 2, remove 3, upgrade 3, upgrade 4, return 1-3, the return
// made as soon as 4 has stopped its old release), the invariants for any size (the traffic pool never
// empty, no member out of every pool at once), and the policy as a function of the source release:
// 004's invalidation rule is about 9.0.2 caches only.
import * as assert from "assert";
import { oracleAs } from "../../../../providers/catalogs/oracleAs";
import {
  PoolState,
  Pools,
  RolloutPolicy,
  RolloutStage,
  desiredPools,
  poolChanges,
  rolloutOrder,
  samePools,
  stagedRolloutOrder,
} from "../../../../providers/engine/planning/rollout";

const policy: RolloutPolicy = { traffic: "traffic", oldReleaseOnly: ["invalidation"] };
const names = (n: number) => Array.from({ length: n }, (_, i) => `m${i + 1}`);
const compact = (n: number, upgraded: string[] = []) => rolloutOrder(names(n), new Set(upgraded), policy).entries.map((e) => `${e.member}:${e.action}`);

/** Replays a rollout from every member in every pool, checking the invariants after each change. */
function replay(members: string[], upgradedAlready: string[] = []): Pools {
  const pools = desiredPools(members, new Set(upgradedAlready), undefined, policy);
  for (const e of rolloutOrder(members, new Set(upgradedAlready), policy).entries) {
    if (e.action === "upgrade") {
      assert.notStrictEqual(pools.traffic[e.member], "ready", `${e.member} is upgraded while it still takes traffic`);
      continue;
    }
    if (!("pool" in e)) continue;
    pools[e.pool][e.member] = e.state;
    const ready = members.filter((m) => pools.traffic[m] === "ready");
    if (members.length > 1) assert.ok(ready.length >= 1, `the traffic pool is empty after ${e.member}:${e.action}`);
    for (const m of members)
      assert.ok(
        Object.values(pools).some((p) => p[m] !== "maint"),
        `${m} is out of every pool after ${e.member}:${e.action}`,
      );
    assert.ok(
      members.some((m) => pools.invalidation[m] === "ready"),
      `the invalidation pool is empty after ${e.member}:${e.action}`,
    );
  }
  return pools;
}

describe("cluster rollout", () => {
  it("four members follow the document's order, each drained from traffic around its upgrade", () => {
    assert.deepStrictEqual(compact(4), [
      "m1:invalidation-remove",
      "m1:traffic-drain",
      "m1:upgrade",
      "m1:traffic-ready",
      "m2:invalidation-remove",
      "m2:traffic-drain",
      "m2:upgrade",
      "m2:traffic-ready",
      "m3:invalidation-remove",
      "m3:traffic-drain",
      "m3:upgrade",
      "m3:traffic-ready",
      "m4:traffic-drain",
      "m4:upgrade",
      "m1:invalidation-add",
      "m2:invalidation-add",
      "m3:invalidation-add",
      "m4:traffic-ready",
    ]);
  });

  it("two members: the second stays in the invalidation pool, the first returns once the second has stopped its old release", () => {
    assert.deepStrictEqual(compact(2), [
      "m1:invalidation-remove",
      "m1:traffic-drain",
      "m1:upgrade",
      "m1:traffic-ready",
      "m2:traffic-drain",
      "m2:upgrade",
      "m1:invalidation-add",
      "m2:traffic-ready",
    ]);
  });

  it("while the last member upgrades: its old release still running, only it takes invalidations; once stopped, every member is in the invalidation pool", () => {
    const upgraded = new Set(["m1", "m2", "m3"]);
    assert.deepStrictEqual(desiredPools(names(4), upgraded, "m4", policy).invalidation, { m1: "maint", m2: "maint", m3: "maint", m4: "ready" });
    assert.deepStrictEqual(desiredPools(names(4), upgraded, "m4", policy, true).invalidation, { m1: "ready", m2: "ready", m3: "ready", m4: "ready" });
    assert.deepStrictEqual(
      desiredPools(names(4), upgraded, "m4", policy, true).traffic,
      { m1: "ready", m2: "ready", m3: "ready", m4: "drain" },
      "still drained from traffic",
    );
    // a member that is not the last: its stop changes nothing (old-release members still run)
    assert.deepStrictEqual(desiredPools(names(4), new Set(["m1"]), "m2", policy, true), desiredPools(names(4), new Set(["m1"]), "m2", policy));
  });

  it("five members: only the last is upgraded while still in the invalidation pool", () => {
    const order = compact(5);
    assert.strictEqual(order.filter((a) => a.endsWith(":upgrade")).join(" "), "m1:upgrade m2:upgrade m3:upgrade m4:upgrade m5:upgrade");
    assert.deepStrictEqual(
      order.filter((a) => a.endsWith("invalidation-remove")),
      ["m1:invalidation-remove", "m2:invalidation-remove", "m3:invalidation-remove", "m4:invalidation-remove"],
    );
    assert.deepStrictEqual(order.slice(-6), [
      "m5:upgrade",
      "m1:invalidation-add",
      "m2:invalidation-add",
      "m3:invalidation-add",
      "m4:invalidation-add",
      "m5:traffic-ready",
    ]);
  });

  it("one member: an upgrade and no pool change (the pools may not be emptied), flagged as an outage", () => {
    const r = rolloutOrder(["m1"], new Set(), policy);
    assert.deepStrictEqual(
      r.entries.map((e) => e.action),
      ["upgrade"],
    );
    assert.strictEqual(r.outage, true);
  });

  for (const n of [2, 3, 4, 5, 8]) {
    it(`${n} members: the traffic pool is never empty, no member is out of every pool, every member ends in both`, () => {
      const end = replay(names(n));
      for (const m of names(n)) assert.deepStrictEqual([end.traffic[m], end.invalidation[m]], ["ready", "ready"]);
    });
  }

  it("a cluster left mixed by a stopped rollout continues with the first member not upgraded", () => {
    assert.deepStrictEqual(compact(4, ["m1", "m2"]), [
      "m3:invalidation-remove",
      "m3:traffic-drain",
      "m3:upgrade",
      "m3:traffic-ready",
      "m4:traffic-drain",
      "m4:upgrade",
      "m1:invalidation-add",
      "m2:invalidation-add",
      "m3:invalidation-add",
      "m4:traffic-ready",
    ]);
    replay(names(4), ["m1", "m2"]);
  });

  it("a mixed cluster's pools hold only the old-release members for invalidations", () => {
    const p = desiredPools(names(4), new Set(["m1"]), undefined, policy);
    assert.deepStrictEqual(p.invalidation, { m1: "maint", m2: "ready", m3: "ready", m4: "ready" });
    assert.deepStrictEqual(p.traffic, { m1: "ready", m2: "ready", m3: "ready", m4: "ready" });
  });

  it("reconciling from any state adds before it removes", () => {
    const current: Pools = { traffic: { m1: "maint", m2: "ready" }, invalidation: { m1: "ready", m2: "maint" } };
    const want = desiredPools(["m1", "m2"], new Set(), undefined, policy);
    const changes = poolChanges(current, want, policy, ["m1", "m2"]);
    assert.deepStrictEqual(
      changes.map((c) => `${c.member}:${c.pool}:${c.state}`),
      ["m1:traffic:ready", "m2:invalidation:ready"],
    );
    const states: PoolState[] = changes.map((c) => c.state);
    assert.ok(states.every((s) => s === "ready"));
  });

  it("the policy follows the source release: a 9.0.2.0 or 9.0.2.3 cluster keeps the invalidation rule, a 9.0.3 or 9.0.4 one has traffic only", () => {
    const policyFor = oracleAs.cluster!.policy;
    for (const v of ["9.0.2.0", "9.0.2.3"]) assert.deepStrictEqual(policyFor(v), { traffic: "traffic", oldReleaseOnly: ["invalidation"] }, v);
    for (const v of ["9.0.3", "9.0.4", undefined]) assert.deepStrictEqual(policyFor(v), { traffic: "traffic", oldReleaseOnly: [] }, String(v));
  });

  for (const source of ["9.0.3", "9.0.4"]) {
    it(`a ${source} cluster rolls one member at a time, drained from traffic, with no invalidation-pool change`, () => {
      const entries = rolloutOrder(names(4), new Set(), oracleAs.cluster!.policy(source)).entries;
      assert.deepStrictEqual(
        entries.filter((e) => "pool" in e && e.pool !== "traffic"),
        [],
        "no invalidation-pool change",
      );
      assert.deepStrictEqual(
        entries.map((e) => `${e.member}:${e.action}`),
        names(4).flatMap((m) => [`${m}:traffic-drain`, `${m}:upgrade`, `${m}:traffic-ready`]),
      );
    });
  }

  it("a 9.0.2 cluster's rollout has the document's invalidation order: remove 1, 2, 3 one at a time before each upgrade, never 4, then 1-3 back", () => {
    const entries = rolloutOrder(names(4), new Set(), oracleAs.cluster!.policy("9.0.2.3")).entries;
    const docOrder = entries.filter((e) => e.action === "upgrade" || ("pool" in e && e.pool === "invalidation")).map((e) => `${e.member}:${e.action}`);
    assert.deepStrictEqual(docOrder, [
      "m1:invalidation-remove",
      "m1:upgrade",
      "m2:invalidation-remove",
      "m2:upgrade",
      "m3:invalidation-remove",
      "m3:upgrade",
      "m4:upgrade",
      "m1:invalidation-add",
      "m2:invalidation-add",
      "m3:invalidation-add",
    ]);
  });
});

describe("cluster rollout stop by stop", () => {
  /** A stop within the old release's class (a patch set), then the new release. */
  const stages: RolloutStage[] = [
    { from: "a", to: "b", policy, leaves: false },
    { from: "b", to: "c", policy, leaves: true },
  ];

  /** Replays a staged rollout: after each change and during each upgrade, a live member takes invalidations and the traffic pool keeps one. */
  function replayStaged(members: string[]): void {
    const pools = desiredPools(members, new Set(), undefined, policy);
    for (const e of stagedRolloutOrder(members, stages, Object.fromEntries(members.map((m) => [m, 0]))).entries) {
      if (!("pool" in e)) {
        const live = members.filter((m) => m !== e.member && pools.invalidation[m] === "ready");
        // the last member's move to the new release: it stays in the pool (the document) and the others return once it has stopped
        const lastToNew = e.action === "upgrade to c" && e.member === members[members.length - 1];
        assert.ok(live.length >= 1 || lastToNew, `no live member takes invalidations while ${e.member} runs ${e.action}`);
        continue;
      }
      pools[e.pool][e.member] = e.state;
      assert.ok(
        members.some((m) => pools.traffic[m] === "ready"),
        `the traffic pool is empty after ${e.member}:${e.action}`,
      );
      assert.ok(
        members.some((m) => pools.invalidation[m] === "ready"),
        `the invalidation pool is empty after ${e.member}:${e.action}`,
      );
    }
    for (const m of members) assert.deepStrictEqual([pools.traffic[m], pools.invalidation[m]], ["ready", "ready"], m);
  }

  it("every member takes the first stop, one at a time, alone out of the pools, before any takes the next", () => {
    const order = stagedRolloutOrder(names(3), stages, { m1: 0, m2: 0, m3: 0 }).entries.map((e) => `${e.member}:${e.action}`);
    assert.deepStrictEqual(order, [
      "m1:invalidation-remove",
      "m1:traffic-drain",
      "m1:upgrade to b",
      "m1:traffic-ready",
      "m1:invalidation-add",
      "m2:invalidation-remove",
      "m2:traffic-drain",
      "m2:upgrade to b",
      "m2:traffic-ready",
      "m2:invalidation-add",
      "m3:invalidation-remove",
      "m3:traffic-drain",
      "m3:upgrade to b",
      "m3:traffic-ready",
      "m3:invalidation-add",
      "m1:invalidation-remove",
      "m1:traffic-drain",
      "m1:upgrade to c",
      "m1:traffic-ready",
      "m2:invalidation-remove",
      "m2:traffic-drain",
      "m2:upgrade to c",
      "m2:traffic-ready",
      "m3:traffic-drain",
      "m3:upgrade to c",
      "m1:invalidation-add",
      "m2:invalidation-add",
      "m3:traffic-ready",
    ]);
  });

  for (const n of [2, 3, 4, 6]) {
    it(`${n} members: a live member takes invalidations whenever one is stopped for the stop within the class, and the pools are never empty`, () =>
      replayStaged(names(n)));
  }

  it("a rollout stopped during the first stop goes on from the first member without it; members already there are not run again", () => {
    const order = stagedRolloutOrder(names(3), stages, { m1: 1, m2: 0, m3: 0 })
      .entries.filter((e) => !("pool" in e))
      .map((e) => `${e.member}:${e.action}`);
    assert.deepStrictEqual(order, ["m2:upgrade to b", "m3:upgrade to b", "m1:upgrade to c", "m2:upgrade to c", "m3:upgrade to c"]);
  });

  it("samePools: releases with the same old-release-only pools are one class", () => {
    const p = oracleAs.cluster!.policy;
    assert.ok(samePools(p("9.0.2.0"), p("9.0.2.3")));
    assert.ok(!samePools(p("9.0.2.3"), p("10.1.2")));
    assert.ok(samePools(p("9.0.4"), p("10.1.2")), "no old-release-only pool either way");
  });
});
