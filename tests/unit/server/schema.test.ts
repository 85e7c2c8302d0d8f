// The Server's properties parsed once per entry of the provider, and the outputs it hands back.
import * as assert from "assert";
import { comparedOf, parseServer, serverId, serverOutputs } from "../../../providers/server/schema";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
const base = { product: "groupmax", target: "06-00", connection: { host: "192.0.2.10", hostKey }, password: "long enough" };

describe("the Server's properties, parsed once at each entry", () => {
  it("with only the connection wrong, its failures are named under connection and the server's own fields come back for preview to check further", () => {
    const r = parseServer({ ...base, connection: { hostKey }, target: "6.0" });
    assert.strictEqual(r.given, undefined);
    assert.deepStrictEqual(
      r.failures.map((f) => f.property),
      ["connection.host"],
    );
    assert.ok("server" in r && r.server?.target === "6.0", JSON.stringify(r));
  });

  it("every problem of both at once, the connection's first, and no server fields when they are wrong too", () => {
    const r = parseServer({ ...base, connection: { hostKey }, lockTimeoutSeconds: 1 });
    assert.deepStrictEqual(
      r.failures?.map((f) => f.property),
      ["connection.host", "lockTimeoutSeconds"],
    );
    assert.ok(!("server" in r), JSON.stringify(r));
  });

  it("a Pulumi property bag that is not an object is refused, not read", () => {
    for (const raw of [undefined, null, "groupmax", ["groupmax"]]) {
      const r = parseServer(raw);
      assert.strictEqual(r.given, undefined);
      assert.deepStrictEqual(
        r.failures.map((f) => f.reason),
        [
          "Invalid input: expected object, received undefined",
          `Invalid input: expected object, received ${raw === null ? "null" : Array.isArray(raw) ? "array" : typeof raw}`,
        ],
        JSON.stringify(raw),
      );
    }
  });

  it("the target check resolved is kept when it is a string, and the defaults are filled in", () => {
    const r = parseServer({ ...base, resolvedTarget: "06-00" });
    assert.ok(r.given, JSON.stringify(r.failures));
    assert.strictEqual(r.given.resolvedTarget, "06-00");
    assert.deepStrictEqual(
      [r.given.connection.port, r.given.connection.user, r.given.server.platform, r.given.server.onFailure],
      [22, "root", "linux", "fail"],
    );
    const odd = parseServer({ ...base, resolvedTarget: 6 });
    assert.ok(odd.given && !("resolvedTarget" in odd.given), JSON.stringify(odd));
  });
});

describe("the Server's outputs", () => {
  it("the credentials leave the connection, an absent one is left out (protobuf structs carry no undefined), and the id names product, host and port", () => {
    const r = parseServer(base);
    assert.ok(r.given);
    const outs = serverOutputs(r.given, { plan: { from: "05-00" }, installedVersion: "06-00", outcome: { status: "ok" } });
    assert.deepStrictEqual(outs.connection, { host: "192.0.2.10", hostKey, port: 22, user: "root" });
    assert.strictEqual(outs.password, "long enough");
    assert.ok(!("privateKey" in outs) && !("privateKeyPassphrase" in outs), Object.keys(outs).join(", "));
    assert.deepStrictEqual([outs.installedVersion, outs.outcome, outs.plan], ["06-00", { status: "ok" }, { from: "05-00" }]);
    assert.strictEqual(serverId(outs), "groupmax@192.0.2.10:22");
  });
});

describe("what diff compares, old and new", () => {
  it("a state with odd or missing properties is compared as it is, never refused", () => {
    assert.deepStrictEqual(comparedOf(undefined).connection, {});
    assert.deepStrictEqual(comparedOf({ connection: "h", pool: 3 }), { connection: {}, pool: { upTo: undefined } });
    assert.strictEqual(comparedOf({ installedVersion: 6 }).installedVersion, 6);
  });
});
