// The cluster's check in the user's words: a member's or the balancer's field is named as the stack
// file (or the component's caller) wrote it, in the reason, never as a property the engine would
// print with its whole value (`property members value {...}`, `value {<nil>}`).
import * as assert from "assert";
import { check, diff } from "../../../providers/cluster/impl";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
const member = (name: string, connection: Record<string, unknown> = {}) => ({
  name,
  connection: { host: "127.0.0.1", port: 9, hostKey, password: "pw-not-shown", ...connection },
  options: {},
});
const cluster = (members: unknown[], fields?: Record<string, string>) => ({
  product: "oracle-as",
  target: "10.1.2",
  members,
  balancer: { connection: { host: "127.0.0.1", port: 9, hostKey, password: "pw-not-shown" }, socket: "/run/haproxy/admin.sock" },
  fields,
});
const stackNames = {
  target: "upchain:clusters[0].version",
  members: "upchain:clusters[0].members",
  "members.0": "upchain:clusters[0].members[0]",
  "members.1": "upchain:clusters[0].members[1]",
  "members.1.connection": "upchain:clusters[0].members[1].host",
  "members.1.connection.host": "upchain:clusters[0].members[1].host",
  "members.1.connection.hostKey": "upchain:clusters[0].members[1].hostKey",
  "members.0.connection": "upchain:clusters[0].members[0].host",
  "members.0.connection.host": "upchain:clusters[0].members[0].host",
};
const fieldOf = (reason: string) => reason.split(": ")[0];

describe("the cluster's check names the user's fields", function () {
  this.timeout(30_000);

  it("a member's broken host and host key are named as the stack's member keys, with no property for the engine", async () => {
    const r = await check({}, cluster([member("wc1"), member("wc2", { host: "", hostKey: "nope" })], stackNames));
    assert.deepStrictEqual(
      (r.failures ?? []).map((f) => f.property),
      ["", ""],
    );
    assert.deepStrictEqual((r.failures ?? []).map((f) => fieldOf(f.reason)).sort(), [
      "upchain:clusters[0].members[1].host",
      "upchain:clusters[0].members[1].hostKey",
    ]);
    assert.ok(!JSON.stringify(r.failures).includes("pw-not-shown"));
  });

  it("without the caller's names, a member's field is named by its path in the members", async () => {
    const r = await check({}, cluster([member("wc1", { hostKey: "nope" })]));
    assert.deepStrictEqual(
      (r.failures ?? []).map((f) => [f.property, fieldOf(f.reason)]),
      [["", "members.0.connection.hostKey"]],
    );
  });

  it("a member named twice is a problem of the stack's members", async () => {
    const r = await check({}, cluster([member("wc1"), member("wc1")], stackNames));
    assert.deepStrictEqual(
      (r.failures ?? []).map((f) => f.property),
      [""],
    );
    assert.match(r.failures![0].reason, /^upchain:clusters\[0\]\.members: INVALID_INPUT: wc1 named twice$/);
  });

  it("a member that cannot be reached is named as that member's host, not as every member's connection", async () => {
    const r = await check({}, cluster([member("wc1"), member("wc2")], stackNames));
    assert.strictEqual(r.failures?.length, 1, JSON.stringify(r));
    assert.strictEqual(r.failures![0].property, "");
    assert.match(r.failures![0].reason, /^upchain:clusters\[0\]\.members\[[01]\]\.host: CONNECTION_FAILED: /);
    assert.ok(!r.failures![0].reason.includes("pw-not-shown"));
  });
});

describe("the cluster's diff: what up must roll or reconcile", () => {
  // what check returns: the stack's cluster, with the releases and pools it observed
  const checked = (releases: Record<string, string>, poolsMatch = true, names = ["wc1", "wc2"]) => ({
    ...cluster(names.map((n) => member(n))),
    observed: { releases, pending: [], pools: {}, poolsMatch },
  });

  it("every member at the target and the pools as they should be is no change", async () => {
    const now = checked({ wc1: "10.1.2", wc2: "10.1.2.0.2" });
    assert.deepStrictEqual(await diff("id", now, now), { changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("a member below the target is a change: the rollout has work to do", async () => {
    assert.strictEqual((await diff("id", checked({ wc1: "10.1.2", wc2: "10.1.2" }), checked({ wc1: "10.1.2", wc2: "9.0.2.3" }))).changes, true);
  });

  it("pools that do not match the members' releases are a change: up reconciles them", async () => {
    assert.strictEqual((await diff("id", checked({ wc1: "10.1.2", wc2: "10.1.2" }), checked({ wc1: "10.1.2", wc2: "10.1.2" }, false))).changes, true);
  });

  it("members added, removed or reordered are a change", async () => {
    const now = checked({ wc1: "10.1.2", wc2: "10.1.2" });
    for (const names of [["wc2", "wc1"], ["wc1"], ["wc1", "wc2", "wc3"]]) {
      assert.strictEqual((await diff("id", now, checked({ wc1: "10.1.2", wc2: "10.1.2", wc3: "10.1.2" }, true, names))).changes, true, names.join(","));
    }
  });

  it("news without observations (nothing read yet) compare by members alone", async () => {
    const { observed: _none, ...unread } = checked({});
    assert.strictEqual((await diff("id", unread, unread)).changes, false);
  });
});
