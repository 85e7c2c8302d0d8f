// A cluster member's plan: the product's hops wrapped in pool steps whose desired pools follow the
// rollout, and the pool step carried out against a fake balancer (returns first, drains waited for,
// everything read back, nothing touched when already right).
import * as assert from "assert";
import { oracleAs } from "../../../../providers/catalogs/oracleAs";
import { Step, stepOfAction } from "../../../../providers/engine/planning/catalog";
import { ClusterMembership, clusterMember, rolloutStops, stageRequest } from "../../../../providers/engine/planning/clusterMember";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { applyPools } from "../../../../providers/loadBalancer/poolStep";
import { AdminState, Pools, ServerState } from "../../../../providers/loadBalancer/pools";
import { isUpchainError } from "../../../../providers/errors";

const members = ["wc1", "wc2", "wc3", "wc4"];
const membership = (member: string): ClusterMembership => ({
  members,
  member,
  backends: { traffic: "web", invalidation: "purge" },
  target: "10.1.2",
  drainSeconds: 5,
});
const memberCatalog = (member: string) => clusterMember(oracleAs, oracleAs.cluster!.policy, membership(member));
const plan = (member: string, from = "9.0.2.3") =>
  planUpgrade(memberCatalog(member), { installed: from, target: "10.1.2", platform: "linux", options: { webCacheMember: true } });

class FakeBalancer implements Pools {
  readonly label = "fake balancer";
  log: string[] = [];
  sessionsLeft = new Map<string, number>();
  /** The states upchain noted as its own (the ledger on the balancer's machine). */
  own = new Map<string, "drain" | "maint">();
  constructor(
    public states: ServerState[],
    private lie = false,
  ) {}
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
  async ownStates(): Promise<Map<string, "drain" | "maint">> {
    return new Map(this.own);
  }
  async recordOwn(backend: string, server: string, state: AdminState): Promise<void> {
    this.log.push(`note ${backend}/${server}=${state}`);
    if (state === "ready") this.own.delete(`${backend}/${server}`);
    else this.own.set(`${backend}/${server}`, state);
  }
}

const allReady = () =>
  ["web", "purge"].flatMap((backend) =>
    members.map((server): ServerState => ({ backend, server, address: "10.0.0.1", admin: "ready", health: "up", inherited: false })),
  );
const step = (member: string, id: string) =>
  stepOfAction(
    plan(member).steps.find((s) => s.id === id)!,
    "pool",
  );

describe("a cluster member's plan", () => {
  it("wraps each hop: out of the pools before, back after; between hops (a patch set on the way) every member is back in both", () => {
    const ids = plan("wc2", "9.0.2.0").steps.map((s) => `${s.hop}:${s.id}`);
    assert.deepStrictEqual(
      ids.filter((i) => /pool/.test(i)),
      ["9.0.2.0->9.0.2.3:pool-before", "9.0.2.0->9.0.2.3:pool-after", "9.0.2.3->10.1.2:pool-before", "9.0.2.3->10.1.2:pool-after"],
    );
    assert.strictEqual(ids[0], "9.0.2.0->9.0.2.3:pool-before");
    const between = plan("wc2", "9.0.2.0").steps.find((s) => s.hop === "9.0.2.0->9.0.2.3" && s.id === "pool-after")!;
    // stop by stop, wc1 has taken the patch set too: every member runs 9.0.2, and all take invalidations
    assert.deepStrictEqual(
      stepOfAction(between, "pool").pools.purge,
      { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "ready" },
      "still on 9.0.2: back in the invalidation pool",
    );
  });

  it("member 2 of 4: before its upgrade out of invalidations and drained; after it ready for traffic, still out of invalidations", () => {
    assert.deepStrictEqual(step("wc2", "pool-before").pools, {
      web: { wc1: "ready", wc2: "drain", wc3: "ready", wc4: "ready" },
      purge: { wc1: "maint", wc2: "maint", wc3: "ready", wc4: "ready" },
    });
    assert.deepStrictEqual(step("wc2", "pool-after").pools, {
      web: { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "ready" },
      purge: { wc1: "maint", wc2: "maint", wc3: "ready", wc4: "ready" },
    });
    assert.match(step("wc2", "pool-before").title, /invalidation-remove wc2, traffic-drain wc2/);
  });

  it("the last member stays in the invalidation pool, and its success returns everyone to it", () => {
    assert.deepStrictEqual(step("wc4", "pool-before").pools.purge, { wc1: "maint", wc2: "maint", wc3: "maint", wc4: "ready" });
    assert.deepStrictEqual(step("wc4", "pool-after").pools.purge, { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "ready" });
  });

  it("a failed hop's recovery puts the member back in both pools on its old release, only when the restore worked", () => {
    const hop = plan("wc3").hops[0];
    const recover = memberCatalog("wc3").recoverSteps!(hop, { platform: "linux", releases: ["9.0.2.3", "10.1.2"], options: { webCacheMember: true } });
    const last = recover[recover.length - 1];
    assert.deepStrictEqual([last.id, last.action, last.always], ["pool-recover", "pool", undefined]);
    assert.deepStrictEqual(stepOfAction(last, "pool").pools, {
      web: { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "ready" },
      purge: { wc1: "maint", wc2: "maint", wc3: "ready", wc4: "ready" },
    });
    assert.ok(
      recover.slice(0, -1).every((s) => s.action !== "pool"),
      "the product's own recovery runs first",
    );
  });
});

describe("a cluster member's plan: the last member, the source release, provenance", () => {
  const ctx = { platform: "linux" as const, releases: ["9.0.2.3", "10.1.2"], options: { webCacheMember: true } };
  const ids = (member: string, from = "9.0.2.3") => plan(member, from).steps.map((s) => s.id);

  it("the last member: once its old release has stopped (right after stop-opmn), the upgraded members return to the invalidation pool; it is back in traffic after its check", () => {
    const order = ids("wc4");
    assert.strictEqual(order[order.indexOf("stop-opmn") + 1], "pool-old-stopped");
    assert.deepStrictEqual(step("wc4", "pool-old-stopped").pools, {
      web: { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "drain" },
      purge: { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "ready" },
    });
    assert.match(step("wc4", "pool-old-stopped").title, /invalidation-add wc1, invalidation-add wc2, invalidation-add wc3/);
    assert.match(step("wc4", "pool-after").title, /\(traffic-ready wc4\)/);
  });

  it("a member that is not the last has no such step: members on the old release still run", () => {
    for (const m of ["wc1", "wc2", "wc3"]) assert.ok(!ids(m).includes("pool-old-stopped"), m);
  });

  it("the last member's patch set hop (9.0.2.0 -> 9.0.2.3) has no such step: its old release runs again after it", () => {
    const steps = plan("wc4", "9.0.2.0")
      .steps.filter((s) => s.id === "pool-old-stopped")
      .map((s) => s.hop);
    assert.deepStrictEqual(steps, ["9.0.2.3->10.1.2"]);
  });

  it("the last member's failed hop first takes the upgraded members out of the invalidation pool again, before its old release may start", () => {
    const hop = plan("wc4").hops[0];
    const recover = memberCatalog("wc4").recoverSteps!(hop, ctx);
    assert.deepStrictEqual([recover[0].id, recover[0].action, recover[0].always], ["pool-recover-old-only", "pool", true]);
    assert.deepStrictEqual(stepOfAction(recover[0], "pool").pools.purge, { wc1: "maint", wc2: "maint", wc3: "maint", wc4: "ready" });
    const startSource = recover.findIndex((s) => s.id === "recover-start-source");
    assert.ok(startSource > 0, "the old release starts after it");
    assert.strictEqual(recover[recover.length - 1].id, "pool-recover");
  });

  for (const source of ["9.0.3", "9.0.4"]) {
    it(`a ${source} member's pool steps drain it from traffic and never touch the invalidation pool`, () => {
      for (const m of members) {
        const p = plan(m, source);
        const pools = p.steps.filter((s) => s.action === "pool");
        assert.deepStrictEqual(
          pools.map((s) => s.id),
          ["pool-before", "pool-after"],
          m,
        );
        for (const s of pools) assert.deepStrictEqual(Object.keys(stepOfAction(s, "pool").pools), ["web"], `${m} ${s.id}`);
        const recover = memberCatalog(m).recoverSteps!(p.hops[0], { ...ctx, releases: [source, "10.1.2"] }).filter((s) => s.action === "pool");
        assert.deepStrictEqual(
          recover.map((s) => Object.keys(stepOfAction(s, "pool").pools)),
          [["web"]],
          m,
        );
      }
    });
  }

  it("every pool step keeps its provenance: 004's sentences for the 10.1.2 hop's invalidation-pool moves, upchain's safety for traffic alone and for the patch set's", () => {
    for (const [m, source] of [
      ["wc1", "9.0.2.0"],
      ["wc4", "9.0.2.3"],
      ["wc2", "9.0.4"],
    ] as const) {
      const p = plan(m, source);
      for (const s of p.steps.filter((x) => x.action === "pool")) {
        assert.ok(s.provenance, `${m} ${s.hop} ${s.id} has a provenance`);
        const touchesInvalidation = s.title.includes("invalidation-");
        if (touchesInvalidation && s.hop.endsWith("->10.1.2")) assert.strictEqual(s.provenance!.kind, "document", `${m} ${s.hop} ${s.id}`);
        else assert.strictEqual(s.provenance!.kind, "safety", `${m} ${s.hop} ${s.id}: ${s.title}`);
      }
      for (const h of p.hops)
        for (const s of memberCatalog(m).recoverSteps!(h, { ...ctx, releases: ["9.0.2.3", "10.1.2"] }).filter((x) => x.action === "pool"))
          assert.strictEqual(s.provenance?.kind, "safety", `${m} ${s.id}`);
    }
    const doc = step("wc4", "pool-old-stopped");
    assert.ok(doc.provenance?.kind === "document" && doc.provenance.quote.includes("無効化メッセージがリリース2(9.0.2.x)メンバーに対してのみ送信"));
  });
});

describe("a pool step and the states an operator set", () => {
  it("a member an operator put in maint is refused, naming member, backend and state, and nothing changes", async () => {
    const lb = new FakeBalancer(allReady());
    lb.states.find((s) => s.backend === "web" && s.server === "wc3")!.admin = "maint";
    // wc2's upgrade is over: its pool step would return the traffic pool to every member
    await assert.rejects(applyPools(lb, step("wc2", "pool-after"), Date.now() + 60_000), (e: unknown) => {
      assert.ok(isUpchainError(e, "LB_STATE_MISMATCH"));
      assert.match(e.message, /member wc3 is in maint in backend web, and upchain did not put it there/);
      assert.match(e.message, /set server web\/wc3 state ready/);
      return true;
    });
    assert.deepStrictEqual(lb.log, [], "nothing changed");
  });

  it("a state upchain set itself is changed back, and forgotten once the server is ready", async () => {
    const lb = new FakeBalancer(allReady());
    lb.states.find((s) => s.backend === "purge" && s.server === "wc1")!.admin = "maint";
    lb.own.set("purge/wc1", "maint");
    await applyPools(lb, step("wc2", "pool-before"), Date.now() + 60_000);
    assert.deepStrictEqual(
      [...lb.own.entries()],
      [
        ["purge/wc1", "maint"],
        ["web/wc2", "drain"],
        ["purge/wc2", "maint"],
      ],
    );
    lb.log = [];
    await applyPools(
      lb,
      stepOfAction(
        memberCatalog("wc2").recoverSteps!(plan("wc2").hops[0], { platform: "linux", releases: ["9.0.2.3", "10.1.2"], options: { webCacheMember: true } }).at(
          -1,
        )!,
        "pool",
      ),
      Date.now() + 60_000,
    );
    assert.deepStrictEqual(lb.log, ["web/wc2=ready", "note web/wc2=ready", "purge/wc2=ready", "note purge/wc2=ready"], "set ready first, then forgotten");
    assert.deepStrictEqual([...lb.own.entries()], [["purge/wc1", "maint"]], "wc1 stays out: it runs 10.1.2");
  });

  it("an operator's drain on a server upchain had put in maint is theirs too", async () => {
    const lb = new FakeBalancer(allReady());
    await applyPools(lb, step("wc1", "pool-before"), Date.now() + 60_000);
    lb.states.find((s) => s.backend === "purge" && s.server === "wc1")!.admin = "drain";
    await assert.rejects(applyPools(lb, step("wc1", "pool-after"), Date.now() + 60_000), /member wc1 is in drain in backend purge/);
  });
});

describe("a pool step on the balancer", () => {
  it("makes only the changes needed, returns before removals, waits for each drain, and reports them", async () => {
    const lb = new FakeBalancer(allReady());
    lb.states.find((s) => s.backend === "purge" && s.server === "wc1")!.admin = "maint";
    lb.own.set("purge/wc1", "maint"); // wc1's own pool step took it out
    const r = await applyPools(lb, step("wc2", "pool-before"), Date.now() + 60_000);
    assert.strictEqual(r.code, 0);
    assert.deepStrictEqual(
      lb.log,
      ["note web/wc2=drain", "web/wc2=drain", "wait web/wc2", "note purge/wc2=maint", "purge/wc2=maint"],
      "each state noted before it is set",
    );
    assert.match(r.stdout, /web\/wc2: ready -> drain/);
  });

  it("the last member's return of the upgraded members: each set right after the one before, in the members' order, without waiting for the notes on the balancer's machine", async () => {
    // wc4 has stopped its 9.0.2 release: until wc1-3 are back, the invalidation pool has no live server
    const lb = new FakeBalancer(allReady());
    for (const m of ["wc1", "wc2", "wc3"]) {
      lb.states.find((s) => s.backend === "purge" && s.server === m)!.admin = "maint";
      lb.own.set(`purge/${m}`, "maint");
    }
    lb.states.find((s) => s.backend === "web" && s.server === "wc4")!.admin = "drain";
    lb.own.set("web/wc4", "drain");
    const record = lb.recordOwn.bind(lb);
    lb.recordOwn = async (b, sv, st) => {
      await new Promise((r) => setTimeout(r, 30));
      return record(b, sv, st);
    };
    await applyPools(lb, step("wc4", "pool-old-stopped"), Date.now() + 60_000);
    assert.deepStrictEqual(lb.log, [
      "purge/wc1=ready",
      "purge/wc2=ready",
      "purge/wc3=ready",
      "note purge/wc1=ready",
      "note purge/wc2=ready",
      "note purge/wc3=ready",
    ]);
    assert.deepStrictEqual([...lb.own.keys()], ["web/wc4"], "each return forgotten once ready (before the step ends); wc4's drain stays noted");
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
    await assert.rejects(
      applyPools(lb, step("wc1", "pool-before"), Date.now() + 60_000),
      (e: unknown) => isUpchainError(e, "LB_STATE_MISMATCH") && /web\/wc1 is ready, not drain/.test(e.message),
    );
  });

  it("a member missing from a backend is refused before anything changes", async () => {
    const lb = new FakeBalancer(allReady().filter((s) => !(s.backend === "purge" && s.server === "wc4")));
    await assert.rejects(
      applyPools(lb, step("wc1", "pool-before"), Date.now() + 60_000),
      (e: unknown) => isUpchainError(e, "LB_STATE_MISMATCH") && /purge\/wc4/.test(e.message),
    );
    assert.deepStrictEqual(lb.log, []);
  });
});

/**
 * Every moment of a cluster's rollout, run as the members' plans in the given order: after each step,
 * which members take invalidations (ready in the invalidation backend) and which are live. A member is
 * down from the step after which its old release has stopped (the catalog's oldReleaseStoppedAfter)
 * until its hop's pool-after (its check has passed; before that it may still be starting), and from
 * that stop on it runs the hop's destination. Returns the moments with no live member taking
 * invalidations, and those where a live 9.0.2 member runs while a 10.1.2 member takes them (004's rule).
 */
function invalidationMoments(runs: { member: string; steps: (Step & { hop: string })[] }[], start: string): { gaps: string[]; ruleBroken: string[] } {
  const inPool = Object.fromEntries(members.map((m) => [m, true]));
  const release = Object.fromEntries(members.map((m) => [m, start]));
  const down = new Set<string>();
  const gaps: string[] = [];
  const ruleBroken: string[] = [];
  for (const run of runs) {
    for (const [k, s] of run.steps.entries()) {
      if (s.action === "pool") for (const [m, state] of Object.entries(stepOfAction(s, "pool").pools.purge ?? {})) inPool[m] = state === "ready";
      if (s.id === oracleAs.cluster!.oldReleaseStoppedAfter) {
        down.add(run.member);
        release[run.member] = s.hop.split("->")[1];
      }
      if (s.id === "pool-after") down.delete(run.member);
      const moment = `${run.member} ${s.hop} after ${s.id}`;
      // the last 9.0.2 member's stop and the return of the upgraded members are one handover: the
      // return may come only once no 9.0.2 member runs, and it is the very next step
      if (run.steps[k + 1]?.id === "pool-old-stopped") continue;
      const serving = members.filter((m) => inPool[m] && !down.has(m));
      if (!serving.length) gaps.push(moment);
      const live902 = members.some((m) => !down.has(m) && release[m].startsWith("9.0.2"));
      if (live902 && serving.some((m) => !release[m].startsWith("9.0.2"))) ruleBroken.push(moment);
    }
  }
  return { gaps, ruleBroken };
}

describe("a 9.0.2.0 cluster's rollout, moment by moment", () => {
  /** The members' runs in the order the cluster runs them: stop by stop, each run planned from what the member runs by then. */
  const runs = (from = "9.0.2.0") => {
    const installed: Record<string, string> = Object.fromEntries(members.map((m) => [m, from]));
    const stops = rolloutStops(oracleAs, oracleAs.defaultReleases, "10.1.2");
    return stops.flatMap((upTo, i) =>
      members.map((m) => {
        const req = { installed: installed[m], target: "10.1.2", platform: "linux" as const, options: { webCacheMember: true } };
        const p = planUpgrade(memberCatalog(m), stageRequest(oracleAs, req, { upTo, after: stops[i - 1] }, false));
        installed[m] = p.to;
        return { member: m, upTo, steps: p.steps };
      }),
    );
  };

  it("the stops are the patch set, then the target; every member takes the patch set before any takes 10.1.2", () => {
    assert.deepStrictEqual(rolloutStops(oracleAs, oracleAs.defaultReleases, "10.1.2"), ["9.0.2.3", "10.1.2"]);
    const hops = runs().map((r) => `${r.member}:${[...new Set(r.steps.map((s) => s.hop))].join(",")}`);
    assert.deepStrictEqual(hops, [
      "wc1:9.0.2.0->9.0.2.3",
      "wc2:9.0.2.0->9.0.2.3",
      "wc3:9.0.2.0->9.0.2.3",
      "wc4:9.0.2.0->9.0.2.3",
      "wc1:9.0.2.3->10.1.2",
      "wc2:9.0.2.3->10.1.2",
      "wc3:9.0.2.3->10.1.2",
      "wc4:9.0.2.3->10.1.2",
    ]);
    // a 9.0.2.3 or 9.0.4 cluster has nothing to do at the patch set's stop
    for (const from of ["9.0.2.3", "9.0.4"])
      assert.deepStrictEqual(
        runs(from)
          .filter((r) => r.upTo === "9.0.2.3")
          .map((r) => r.steps.length),
        [0, 0, 0, 0],
        from,
      );
  });

  it("a cluster rolled to 9.0.2.3 itself stays one class: each member alone out of the pools, no one left out after", () => {
    const to9023 = clusterMember(oracleAs, oracleAs.cluster!.policy, { ...membership("wc3"), target: "9.0.2.3" });
    const p = planUpgrade(to9023, { installed: "9.0.2.0", target: "9.0.2.3", platform: "linux", options: { webCacheMember: true } });
    const pools = p.steps.filter((s) => s.action === "pool").map((s) => stepOfAction(s, "pool").pools.purge);
    assert.deepStrictEqual(pools, [
      { wc1: "ready", wc2: "ready", wc3: "maint", wc4: "ready" },
      { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "ready" },
    ]);
  });

  it("the patch set hop moves the member alone: drained and out of the invalidation pool while stopped, everyone else in both", () => {
    const wc4 = runs()[3].steps.filter((s) => s.action === "pool");
    assert.deepStrictEqual(
      wc4.map((s) => s.id),
      ["pool-before", "pool-after"],
    );
    assert.deepStrictEqual(stepOfAction(wc4[0], "pool").pools, {
      web: { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "drain" },
      purge: { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "maint" },
    });
    assert.deepStrictEqual(stepOfAction(wc4[1], "pool").pools.purge, { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "ready" });
    assert.strictEqual(wc4[0].provenance.kind, "safety", "004's pool order is about the 10.1.2 upgrade; the patch set's move is upchain's");
  });

  it("four members from 9.0.2.0: at every moment a live member takes invalidations, and never a 10.1.2 one while a 9.0.2 one runs", () => {
    const { gaps, ruleBroken } = invalidationMoments(runs(), "9.0.2.0");
    assert.deepStrictEqual(gaps, [], "moments with no live member in the invalidation pool");
    assert.deepStrictEqual(ruleBroken, [], "moments a 10.1.2 member took invalidations while a 9.0.2 member ran");
  });
});
