// What the whole cluster allows, judged from what preview observed (members' releases, interrupted
// runs, the balancer's pools): one source release, upgraded members first, every member in every
// pool, no one-member rollout without accepting the outage; and the pools it should be in now.
import * as assert from "assert";
import { oracleAs } from "../../../providers/catalogs/oracleAs";
import { ClusterInputs, Observed, clusterRollout, clusterSchema, judge, reconcileStep } from "../../../providers/cluster/impl";

const names = ["wc1", "wc2", "wc3", "wc4"];
const inputs = (members = names, extra: Partial<ClusterInputs> = {}): ClusterInputs =>
  ({
    product: "oracle-as",
    platform: "linux",
    target: "10.1.2",
    members: members.map((name) => ({ name, connection: {}, options: {} })),
    balancer: {},
    backends: { traffic: "web", invalidation: "purge" },
    allowOutage: false,
    ...extra,
  }) as ClusterInputs;
const everyPool = (members = names) => Object.fromEntries(["web", "purge"].flatMap((b) => members.map((m) => [`${b}/${m}`, "ready"])));
const observed = (releases: string[], o: Partial<Observed> = {}): Observed => ({
  releases: Object.fromEntries(names.slice(0, releases.length).map((n, i) => [n, releases[i]])),
  pending: [],
  pools: everyPool(names.slice(0, releases.length)),
  ...o,
});

describe("cluster rollout: what preview allows", () => {
  it("a cluster on one release passes, and its pools should hold everyone", () => {
    const j = judge(inputs(), oracleAs, observed(["9.0.2.3", "9.0.2.3", "9.0.2.3", "9.0.2.3"]));
    assert.deepStrictEqual(j.problems, []);
    assert.deepStrictEqual(j.desired.invalidation, { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "ready" });
  });

  it("members not yet upgraded on different releases are refused, naming each member's release", () => {
    const j = judge(inputs(), oracleAs, observed(["9.0.2.3", "9.0.4", "9.0.2.3", "9.0.2.3"]));
    assert.strictEqual(j.problems.length, 1);
    assert.match(j.problems[0], /run different releases \(wc1 9\.0\.2\.3, wc2 9\.0\.4, wc3 9\.0\.2\.3, wc4 9\.0\.2\.3\)/);
  });

  it("a cluster left mixed by a stopped rollout is legal, and the invalidation pool holds only the old members", () => {
    const j = judge(inputs(), oracleAs, observed(["10.1.2", "10.1.2", "9.0.2.3", "9.0.2.3"]));
    assert.deepStrictEqual(j.problems, []);
    assert.deepStrictEqual(j.desired.invalidation, { wc1: "maint", wc2: "maint", wc3: "ready", wc4: "ready" });
  });

  it("an upgraded member after one that is not is refused (members go in the declared order)", () => {
    const j = judge(inputs(), oracleAs, observed(["9.0.2.3", "10.1.2", "9.0.2.3", "9.0.2.3"]));
    assert.match(j.problems.join("\n"), /wc2 already run 10\.1\.2 but come after wc1/);
  });

  it("a member with an interrupted run is the one being upgraded: drained, out of invalidations", () => {
    const j = judge(inputs(), oracleAs, observed(["10.1.2", "9.0.2.3", "9.0.2.3", "9.0.2.3"], { pending: ["wc2"] }));
    assert.deepStrictEqual(j.problems, []);
    assert.strictEqual(j.upgrading, "wc2");
    assert.deepStrictEqual(j.desired.traffic, { wc1: "ready", wc2: "drain", wc3: "ready", wc4: "ready" });
    assert.deepStrictEqual(j.desired.invalidation, { wc1: "maint", wc2: "maint", wc3: "ready", wc4: "ready" });
  });

  it("a member missing from a pool backend is refused, naming the backend", () => {
    const pools = everyPool();
    delete pools["purge/wc3"];
    const j = judge(inputs(), oracleAs, observed(["9.0.2.3", "9.0.2.3", "9.0.2.3", "9.0.2.3"], { pools }));
    assert.match(j.problems.join("\n"), /no server wc3 in backend purge/);
  });

  it("a one-member cluster is refused unless the outage is accepted", () => {
    assert.match(judge(inputs(["wc1"]), oracleAs, observed(["9.0.2.3"])).problems.join("\n"), /one-member cluster cannot keep serving.*allowOutage/);
    assert.deepStrictEqual(judge(inputs(["wc1"], { allowOutage: true }), oracleAs, observed(["9.0.2.3"])).problems, []);
  });

  describe("the states a member-by-member rollout (an earlier upchain) left a 9.0.2.0 cluster in", () => {
    // member k failed (or was interrupted) after its 9.0.2.3 patch set: it is restored to 9.0.2.3, the
    // members before it run 10.1.2, the ones after it 9.0.2.0 still
    for (let k = 1; k < names.length; k++) {
      const releases = names.map((_, i) => (i < k ? "10.1.2" : i === k ? "9.0.2.3" : "9.0.2.0"));
      const behind = names.slice(k + 1);
      it(`${releases.join(", ")}: ${behind.length ? "refused, saying how to go on (the members behind take 9.0.2.3 as a cluster of their own)" : "accepted: every member not on 10.1.2 runs 9.0.2.3"}`, () => {
        const j = judge(inputs(), oracleAs, observed(releases));
        if (!behind.length) return assert.deepStrictEqual(j.problems, []);
        assert.strictEqual(j.problems.length, 1);
        assert.match(
          j.problems[0],
          new RegExp(
            `${names.slice(0, k).join(", ")} already runs? 10\\.1\\.2 while ${behind.join(", ")} ha(s|ve) yet to reach 9\\.0\\.2\\.3: the cluster rolls stop by stop`,
          ),
        );
        assert.match(
          j.problems[0],
          new RegExp(
            `declare the cluster with only ${names.slice(k).join(", ")} and version 9\\.0\\.2\\.3, run up .* then declare every member and version 10\\.1\\.2 again`,
          ),
        );
      });
    }

    it("the advice works: a cluster of the members not on 10.1.2, to version 9.0.2.3, rolls within the class (everyone takes invalidations but the one stopped)", () => {
      const rest = ["wc3", "wc4"];
      const j = judge(inputs(rest, { target: "9.0.2.3" }), oracleAs, {
        releases: { wc3: "9.0.2.3", wc4: "9.0.2.0" },
        pending: ["wc4"],
        pools: everyPool(rest),
      });
      assert.deepStrictEqual(j.problems, []);
      assert.deepStrictEqual(j.desired.invalidation, { wc3: "ready", wc4: "maint" });
    });
  });

  describe("the states the stop-by-stop rollout leaves a 9.0.2.0 cluster in", () => {
    // the patch set's stop: the members before k run 9.0.2.3, k failed back to (or was interrupted on)
    // 9.0.2.0, the ones after it 9.0.2.0; the target's stop: before k 10.1.2, k and after it 9.0.2.3
    const states: { releases: string[]; k: number; stop: string }[] = [];
    for (let k = 0; k < names.length; k++) {
      states.push({ releases: names.map((_, i) => (i < k ? "9.0.2.3" : "9.0.2.0")), k, stop: "9.0.2.3" });
      states.push({ releases: names.map((_, i) => (i < k ? "10.1.2" : "9.0.2.3")), k, stop: "10.1.2" });
    }
    for (const { releases, k, stop } of states) {
      for (const interrupted of [false, true]) {
        it(`${releases.join(", ")}${interrupted ? `, ${names[k]} interrupted` : ""}: accepted; a live 9.0.2 member takes invalidations, no 10.1.2 one while a 9.0.2 one runs`, () => {
          const j = judge(inputs(), oracleAs, observed(releases, interrupted ? { pending: [names[k]] } : {}));
          assert.deepStrictEqual(j.problems, []);
          const taking = names.filter((n) => j.desired.invalidation[n] === "ready");
          const live = taking.filter((n) => !(interrupted && n === names[k]) || (stop === "10.1.2" && k === names.length - 1));
          assert.ok(live.length >= 1, `a live member takes invalidations: ${JSON.stringify(j.desired.invalidation)}`);
          if (stop === "9.0.2.3")
            assert.deepStrictEqual(
              taking,
              names.filter((n) => !(interrupted && n === names[k])),
              "every 9.0.2 member but the one stopped",
            );
          else for (let i = 0; i < k; i++) assert.strictEqual(j.desired.invalidation[names[i]], "maint", "10.1.2 members out while a 9.0.2 member runs");
        });
      }
    }
  });

  it("preview's rollout for a 9.0.2.0 cluster goes stop by stop: every member's patch set, then the document's order to 10.1.2", () => {
    const o = observed(["9.0.2.0", "9.0.2.0", "9.0.2.0", "9.0.2.0"]);
    const order = clusterRollout(inputs(), oracleAs, o, judge(inputs(), oracleAs, o)).entries.map((e) => `${e.member}:${e.action}`);
    assert.deepStrictEqual(order, [
      "wc1:invalidation-remove",
      "wc1:traffic-drain",
      "wc1:upgrade to 9.0.2.3",
      "wc1:traffic-ready",
      "wc1:invalidation-add",
      "wc2:invalidation-remove",
      "wc2:traffic-drain",
      "wc2:upgrade to 9.0.2.3",
      "wc2:traffic-ready",
      "wc2:invalidation-add",
      "wc3:invalidation-remove",
      "wc3:traffic-drain",
      "wc3:upgrade to 9.0.2.3",
      "wc3:traffic-ready",
      "wc3:invalidation-add",
      "wc4:invalidation-remove",
      "wc4:traffic-drain",
      "wc4:upgrade to 9.0.2.3",
      "wc4:traffic-ready",
      "wc4:invalidation-add",
      "wc1:invalidation-remove",
      "wc1:traffic-drain",
      "wc1:upgrade to 10.1.2",
      "wc1:traffic-ready",
      "wc2:invalidation-remove",
      "wc2:traffic-drain",
      "wc2:upgrade to 10.1.2",
      "wc2:traffic-ready",
      "wc3:invalidation-remove",
      "wc3:traffic-drain",
      "wc3:upgrade to 10.1.2",
      "wc3:traffic-ready",
      "wc4:traffic-drain",
      "wc4:upgrade to 10.1.2",
      "wc1:invalidation-add",
      "wc2:invalidation-add",
      "wc3:invalidation-add",
      "wc4:traffic-ready",
    ]);
    // a rollout stopped in the patch sets' stage goes on from the first member without it
    const mid = observed(["9.0.2.3", "9.0.2.3", "9.0.2.0", "9.0.2.0"]);
    const rest = clusterRollout(inputs(), oracleAs, mid, judge(inputs(), oracleAs, mid))
      .entries.filter((e) => e.action.startsWith("upgrade"))
      .map((e) => `${e.member}:${e.action}`);
    assert.deepStrictEqual(rest, [
      "wc3:upgrade to 9.0.2.3",
      "wc4:upgrade to 9.0.2.3",
      "wc1:upgrade to 10.1.2",
      "wc2:upgrade to 10.1.2",
      "wc3:upgrade to 10.1.2",
      "wc4:upgrade to 10.1.2",
    ]);
    // a 9.0.2.3 cluster has one stop: the document's order, as before
    const one = observed(["9.0.2.3", "9.0.2.3", "9.0.2.3", "9.0.2.3"]);
    assert.ok(
      clusterRollout(inputs(), oracleAs, one, judge(inputs(), oracleAs, one))
        .entries.filter((e) => e.action.startsWith("upgrade"))
        .every((e) => e.action === "upgrade"),
    );
  });

  it("members on two chains (9.0.2.3 and 9.0.4) are refused, saying which member is on none of the first's stops and how to go on", () => {
    const j = judge(inputs(), oracleAs, observed(["9.0.2.0", "9.0.4", "9.0.2.3", "9.0.2.0"]));
    assert.strictEqual(j.problems.length, 1);
    assert.match(j.problems[0], /run different releases \(wc1 9\.0\.2\.0, wc2 9\.0\.4, wc3 9\.0\.2\.3, wc4 9\.0\.2\.0\)/);
    assert.match(j.problems[0], /9\.0\.2\.0 -> 9\.0\.2\.3 -> 10\.1\.2\); wc2 is on none of them: bring them to one first/);
  });

  it("a 9.0.4 cluster's pools are traffic only: the invalidation pool is not upchain's to change", () => {
    const j = judge(inputs(), oracleAs, observed(["10.1.2", "9.0.4", "9.0.4", "9.0.4"], { pending: ["wc2"] }));
    assert.deepStrictEqual(j.problems, []);
    assert.deepStrictEqual(Object.keys(j.desired), ["traffic"]);
    assert.deepStrictEqual(j.desired.traffic, { wc1: "ready", wc2: "drain", wc3: "ready", wc4: "ready" });
  });

  it("a run killed during the last member's upgrade, its old release stopped (down in traffic): the upgraded members take invalidations again at once", () => {
    const releases = ["10.1.2", "10.1.2", "10.1.2", "9.0.2.3"];
    const stopped = judge(inputs(), oracleAs, observed(releases, { pending: ["wc4"], down: ["wc4"] }));
    assert.deepStrictEqual(stopped.desired.invalidation, { wc1: "ready", wc2: "ready", wc3: "ready", wc4: "ready" });
    assert.strictEqual(stopped.desired.traffic.wc4, "drain");
    // still running its old release: only it takes invalidations
    const running = judge(inputs(), oracleAs, observed(releases, { pending: ["wc4"] }));
    assert.deepStrictEqual(running.desired.invalidation, { wc1: "maint", wc2: "maint", wc3: "maint", wc4: "ready" });
    // a member down that is not the last one changes nothing: 9.0.2 members still run
    const notLast = judge(inputs(), oracleAs, observed(["10.1.2", "9.0.2.3", "9.0.2.3", "9.0.2.3"], { pending: ["wc2"], down: ["wc2"] }));
    assert.deepStrictEqual(notLast.desired.invalidation, { wc1: "maint", wc2: "maint", wc3: "ready", wc4: "ready" });
  });

  it("a member an operator put in maint is refused at preview, naming member, backend and state; one upchain put there is not", () => {
    const pools = { ...everyPool(), "web/wc3": "maint" };
    const j = judge(inputs(), oracleAs, observed(["9.0.2.3", "9.0.2.3", "9.0.2.3", "9.0.2.3"], { pools }));
    assert.strictEqual(j.problems.length, 1);
    assert.match(j.problems[0], /member wc3 is in maint in backend web, and upchain did not put it there .*set server web\/wc3 state ready\) and run again/);
    const ours = judge(inputs(), oracleAs, observed(["9.0.2.3", "9.0.2.3", "9.0.2.3", "9.0.2.3"], { pools, own: { "web/wc3": "maint" } }));
    assert.deepStrictEqual(ours.problems, []);
  });

  it("the reconcile drains within the stack's drainSeconds, 300 when the stack gives none", () => {
    const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
    const connection = { host: "10.0.0.1", hostKey, password: "pw-test" };
    const raw = { product: "oracle-as", target: "10.1.2", members: names.map((name) => ({ name, connection })), balancer: { connection } };
    const o = observed(["10.1.2", "9.0.2.3", "9.0.2.3", "9.0.2.3"], {
      pending: ["wc2"],
      pools: Object.fromEntries(["traffic", "invalidation"].flatMap((b) => names.map((m) => [`${b}/${m}`, "ready"]))),
    });
    const given = clusterSchema.parse({ ...raw, drainSeconds: 30 });
    const step = reconcileStep(given, judge(given, oracleAs, o));
    assert.strictEqual(step.drainSeconds, 30);
    assert.strictEqual(step.pools.traffic.wc2, "drain");
    const none = clusterSchema.parse(raw);
    assert.strictEqual(reconcileStep(none, judge(none, oracleAs, o)).drainSeconds, 300);
  });
});
