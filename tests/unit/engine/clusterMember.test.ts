// A cluster member's plan: the product's hops wrapped in pool steps whose desired pools follow the
// rollout, and the pool step carried out against a fake balancer (returns first, drains waited for,
// everything read back, nothing touched when already right).
import * as assert from "assert";
import { oracleAs } from "../../../providers/catalogs/oracleAs";
import { stepOfAction } from "../../../providers/engine/catalog";
import { ClusterMembership, clusterMember } from "../../../providers/engine/clusterMember";
import { planUpgrade } from "../../../providers/engine/planner";
import { applyPools } from "../../../providers/engine/poolStep";
import { AdminState, Pools, ServerState } from "../../../providers/loadBalancer/pools";
import { isUpchainError } from "../../../providers/errors";

const members = ["wc1", "wc2", "wc3", "wc4"];
const membership = (member: string): ClusterMembership => ({ members, member, backends: { traffic: "web", invalidation: "purge" }, target: "10.1.2", drainSeconds: 5 });
const memberCatalog = (member: string) => clusterMember(oracleAs, oracleAs.cluster!.policy, membership(member));
const plan = (member: string, from = "9.0.2.3") => planUpgrade(memberCatalog(member), { installed: from, target: "10.1.2", platform: "linux", options: { webCacheMember: true } });

class FakeBalancer implements Pools {
  readonly label = "fake balancer";
  log: string[] = [];
  sessionsLeft = new Map<string, number>();
  constructor(public states: ServerState[], private lie = false) {}
  async read(): Promise<ServerState[]> {
    return this.states.map((s) => ({ ...s }));
  }
  async set(backend: string, server: string, state: AdminState): Promise<ServerState> {
    const s = this.states.find((x) => x.backend === backend && x.server === server)!;
    if (!this.lie) s.admin = state;
    this.log.push(`${backend}/${server}=${state}`);
    return { ...s };
  }
  async sessions(backend: string, server: string): Promise<number> {
    return this.sessionsLeft.get(`${backend}/${server}`) ?? 0;
  }
  async waitDrained(backend: string, server: string): Promise<void> {
    this.log.push(`wait ${backend}/${server}`);
  }
}

const allReady = () => ["web", "purge"].flatMap((backend) => members.map((server): ServerState => ({ backend, server, address: "10.0.0.1", admin: "ready", health: "up", inherited: false })));
const step = (member: string, id: string) => stepOfAction(plan(member).steps.find((s) => s.id === id)!, "pool");

describe("a cluster member's plan", () => {
  it("wraps each hop: out of the pools before, back after; a multi-hop member returns between hops on its old release", () => {
    const ids = plan("wc2", "9.0.2.0").steps.map((s) => `${s.hop}:${s.id}`);
    assert.deepStrictEqual(ids.filter((i) => /pool/.test(i)), ["9.0.2.0->9.0.2.3:pool-before", "9.0.2.0->9.0.2.3:pool-after", "9.0.2.3->10.1.2:pool-before", "9.0.2.3->10.1.2:pool-after"]);
    assert.strictEqual(ids[0], "9.0.2.0->9.0.2.3:pool-before");
    const between = plan("wc2", "9.0.2.0").steps.find((s) => s.hop === "9.0.2.0->9.0.2.3" && s.id === "pool-after")!;
    assert.deepStrictEqual(stepOfAction(between, "pool").pools.purge, { wc1: "maint", wc2: "ready", wc3: "ready", wc4: "ready" }, "still on 9.0.2: back in the invalidation pool");
  });

  it("member 2 of 4: before its upgrade out of invalidations and drained; after it ready for traffic, still out of invalidations", () => {
    assert.deepStrictEqual(step("wc2", "pool-before").pools, { web: { wc1: "ready", wc2: "drain", wc3: "ready", wc4: "ready" }, purge: { wc1: "maint", wc2: "maint", wc3: "ready", wc4: "ready" } });
    assert.deepStrictEqual(step("wc2", "pool-after").pools, { web: { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "ready" }, purge: { wc1: "maint", wc2: "maint", wc3: "ready", wc4: "ready" } });
    assert.match(step("wc2", "pool-before").title, /invalidation-remove wc2, traffic-drain wc2/);
  });

  it("the last member stays in the invalidation pool, and its success returns everyone to it", () => {
    assert.deepStrictEqual(step("wc4", "pool-before").pools.purge, { wc1: "maint", wc2: "maint", wc3: "maint", wc4: "ready" });
    assert.deepStrictEqual(step("wc4", "pool-after").pools.purge, { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "ready" });
  });

  it("a failed hop's recovery puts the member back in both pools on its old release, even when the restore failed", () => {
    const hop = plan("wc3").hops[0];
    const recover = memberCatalog("wc3").recoverSteps!(hop, { platform: "linux", releases: ["9.0.2.3", "10.1.2"], options: { webCacheMember: true } });
    const last = recover[recover.length - 1];
    assert.deepStrictEqual([last.id, last.action, last.always], ["pool-recover", "pool", true]);
    assert.deepStrictEqual(stepOfAction(last, "pool").pools, { web: { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "ready" }, purge: { wc1: "maint", wc2: "maint", wc3: "ready", wc4: "ready" } });
    assert.ok(recover.slice(0, -1).every((s) => s.action !== "pool"), "the product's own recovery runs first");
  });
});

describe("a pool step on the balancer", () => {
  it("makes only the changes needed, returns before removals, waits for each drain, and reports them", async () => {
    const lb = new FakeBalancer(allReady());
    lb.states.find((s) => s.backend === "purge" && s.server === "wc1")!.admin = "maint";
    const r = await applyPools(lb, step("wc2", "pool-before"), Date.now() + 60_000);
    assert.strictEqual(r.code, 0);
    assert.deepStrictEqual(lb.log, ["web/wc2=drain", "wait web/wc2", "purge/wc2=maint"]);
    assert.match(r.stdout, /web\/wc2: ready -> drain/);
  });

  it("a resumed run finds the pools already right and changes nothing", async () => {
    const lb = new FakeBalancer(allReady());
    await applyPools(lb, step("wc1", "pool-before"), Date.now() + 60_000);
    lb.log = [];
    const again = await applyPools(lb, step("wc1", "pool-before"), Date.now() + 60_000);
    assert.deepStrictEqual(lb.log, []);
    assert.match(again.stdout, /already as this step wants them/);
  });

  it("a balancer that does not end where asked is LB_STATE_MISMATCH, naming what it read back", async () => {
    const lb = new FakeBalancer(allReady(), true);
    await assert.rejects(applyPools(lb, step("wc1", "pool-before"), Date.now() + 60_000), (e: unknown) => isUpchainError(e, "LB_STATE_MISMATCH") && /web\/wc1 is ready, not drain/.test(e.message));
  });

  it("a member missing from a backend is refused before anything changes", async () => {
    const lb = new FakeBalancer(allReady().filter((s) => !(s.backend === "purge" && s.server === "wc4")));
    await assert.rejects(applyPools(lb, step("wc1", "pool-before"), Date.now() + 60_000), (e: unknown) => isUpchainError(e, "LB_STATE_MISMATCH") && /purge\/wc4/.test(e.message));
    assert.deepStrictEqual(lb.log, []);
  });
});
