// ManagedFiles' check in the user's words: the connection's and the files' fields named as the
// declaring code calls them, in the reason, never as a property the engine would print with its value.
import * as assert from "assert";
import { check } from "../../../providers/files/impl";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";
const hooks = (connection: Record<string, unknown>, fields?: Record<string, string>) => ({
  product: "altazion-office",
  fileSet: "hooks",
  options: { modules: [{ name: "integration", target: "latest", folder: "/srv/altazion/integration" }] },
  files: {},
  connection: { host: "127.0.0.1", port: 9, hostKey, ...connection },
  password: "pw-not-shown",
  fields,
});
const stackNames = { connection: "upchain:servers[0].host", "connection.host": "upchain:servers[0].host", "connection.hostKey": "upchain:servers[0].hostKey", files: "upchain:servers[0].hooks" };

describe("ManagedFiles' check names the user's fields", function () {
  this.timeout(30_000);

  it("a broken host key is named as the stack's hostKey, with its rule and no property for the engine", async () => {
    const r = await check({}, hooks({ hostKey: "nope" }, stackNames));
    assert.deepStrictEqual((r.failures ?? []).map((f) => f.property), [""]);
    assert.match(r.failures![0].reason, /^upchain:servers\[0\]\.hostKey: "nope" is not an OpenSSH public key/);
  });

  it("a host that cannot be reached is named as the stack's host, without the password", async () => {
    const r = await check({}, hooks({}, stackNames));
    assert.deepStrictEqual((r.failures ?? []).map((f) => f.property), [""]);
    assert.match(r.failures![0].reason, /^upchain:servers\[0\]\.host: CONNECTION_FAILED: /);
    assert.ok(!r.failures![0].reason.includes("pw-not-shown"));
  });

  it("without names, the component's connection argument is named", async () => {
    const r = await check({}, hooks({ hostKey: "nope" }));
    assert.match(r.failures![0].reason, /^connection\.hostKey: /);
  });
});
