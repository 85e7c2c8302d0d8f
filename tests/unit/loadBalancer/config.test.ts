// The runtime API connection config: a server's connection fields, then the admin socket (default
// /run/haproxy/admin.sock) or a TCP address, never both.
import * as assert from "assert";
import { runtimeApiSchema, streamTargetOf } from "../../../providers/loadBalancer/config";

const connection = { host: "10.77.0.12", hostKey: "SHA256:" + "A".repeat(43), password: "pw-for-test" };

describe("runtimeApiSchema", () => {
  it("defaults to HAProxy's Debian admin socket", () => {
    const c = runtimeApiSchema.parse({ connection });
    assert.deepStrictEqual(streamTargetOf(c), { socketPath: "/run/haproxy/admin.sock" });
    assert.strictEqual(c.connection.user, "root");
  });

  it("takes another socket, or a host:port address (IPv6 in brackets)", () => {
    assert.deepStrictEqual(streamTargetOf(runtimeApiSchema.parse({ connection, socket: "/var/lib/haproxy/stats" })), { socketPath: "/var/lib/haproxy/stats" });
    assert.deepStrictEqual(streamTargetOf(runtimeApiSchema.parse({ connection, address: "127.0.0.1:9999" })), { host: "127.0.0.1", port: 9999 });
    assert.deepStrictEqual(streamTargetOf(runtimeApiSchema.parse({ connection, address: "[::1]:9999" })), { host: "::1", port: 9999 });
  });

  it("refuses bad input naming the field and the rule", () => {
    const problems = (input: unknown) => {
      const r = runtimeApiSchema.safeParse(input);
      assert.ok(!r.success, JSON.stringify(input));
      return r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    assert.deepStrictEqual(problems({ connection, socket: "run/haproxy.sock" }), ["socket: must be an absolute path without control characters or .."]);
    assert.deepStrictEqual(problems({ connection, socket: "/run/../etc/x" }), ["socket: must be an absolute path without control characters or .."]);
    assert.match(problems({ connection, address: "127.0.0.1" })[0], /^address: must be "host:port"/);
    assert.match(problems({ connection, address: "127.0.0.1:70000" })[0], /^address: must be "host:port"/);
    assert.deepStrictEqual(problems({ connection, socket: "/run/a.sock", address: "127.0.0.1:1" }), ["address: give socket or address, not both"]);
    assert.match(problems({ connection, sockett: "/run/a.sock" })[0], /sockett/);
    assert.match(problems({ connection: { host: "h", password: "x-test" } })[0], /^connection\.hostKey/);
  });
});
