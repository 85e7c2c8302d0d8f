// The cluster's check in the user's words: a member's or the balancer's field is named as the stack
// file (or the component's caller) wrote it, in the reason, never as a property the engine would
// print with its whole value (`property members value {...}`, `value {<nil>}`).
import * as assert from "assert";
import { check } from "../../../providers/cluster/impl";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
const member = (name: string, connection: Record<string, unknown> = {}) => ({ name, connection: { host: "127.0.0.1", port: 9, hostKey, password: "pw-not-shown", ...connection }, options: {} });
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
    assert.deepStrictEqual((r.failures ?? []).map((f) => f.property), ["", ""]);
    assert.deepStrictEqual((r.failures ?? []).map((f) => fieldOf(f.reason)).sort(), ["upchain:clusters[0].members[1].host", "upchain:clusters[0].members[1].hostKey"]);
    assert.ok(!JSON.stringify(r.failures).includes("pw-not-shown"));
  });

  it("without the caller's names, a member's field is named by its path in the members", async () => {
    const r = await check({}, cluster([member("wc1", { hostKey: "nope" })]));
    assert.deepStrictEqual((r.failures ?? []).map((f) => [f.property, fieldOf(f.reason)]), [["", "members.0.connection.hostKey"]]);
  });

  it("a member named twice is a problem of the stack's members", async () => {
    const r = await check({}, cluster([member("wc1"), member("wc1")], stackNames));
    assert.deepStrictEqual((r.failures ?? []).map((f) => f.property), [""]);
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
