// What the whole cluster allows, judged from what preview observed (members' releases, interrupted
// runs, the balancer's pools): one source release, upgraded members first, every member in every
// pool, no one-member rollout without accepting the outage; and the pools it should be in now.
import * as assert from "assert";
import { oracleAs } from "../../../providers/catalogs/oracleAs";
import { ClusterInputs, Observed, judge } from "../../../providers/cluster/impl";

const names = ["wc1", "wc2", "wc3", "wc4"];
const inputs = (members = names, extra: Partial<ClusterInputs> = {}): ClusterInputs =>
  ({
    product: "oracle-as",
    platform: "linux",
    target: "10.1.2",
    members: members.map((name) => ({ name, connection: {} as any, options: {} })),
    balancer: {} as any,
    backends: { traffic: "web", invalidation: "purge" },
    allowOutage: false,
    ...extra,
  }) as ClusterInputs;
const everyPool = (members = names) => Object.fromEntries(["web", "purge"].flatMap((b) => members.map((m) => [`${b}/${m}`, "ready"])));
const observed = (releases: string[], o: Partial<Observed> = {}): Observed => ({ releases: Object.fromEntries(names.slice(0, releases.length).map((n, i) => [n, releases[i]])), pending: [], pools: everyPool(names.slice(0, releases.length)), ...o });

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
});
