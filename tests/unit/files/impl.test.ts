// ManagedFiles' check in the user's words: the connection's and the files' fields named as the
// declaring code calls them, in the reason, never as a property the engine would print with its value.
import * as assert from "assert";
import { check, diff } from "../../../providers/files/impl";

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
const stackNames = {
  connection: "upchain:servers[0].host",
  "connection.host": "upchain:servers[0].host",
  "connection.hostKey": "upchain:servers[0].hostKey",
  files: "upchain:servers[0].hooks",
};

describe("ManagedFiles' check names the user's fields", function () {
  this.timeout(30_000);

  it("a broken host key is named as the stack's hostKey, with its rule and no property for the engine", async () => {
    const r = await check({}, hooks({ hostKey: "nope" }, stackNames));
    assert.deepStrictEqual(
      (r.failures ?? []).map((f) => f.property),
      [""],
    );
    assert.match(r.failures![0].reason, /^upchain:servers\[0\]\.hostKey: "nope" is not an OpenSSH public key/);
  });

  it("a host that cannot be reached is named as the stack's host, without the password", async () => {
    const r = await check({}, hooks({}, stackNames));
    assert.deepStrictEqual(
      (r.failures ?? []).map((f) => f.property),
      [""],
    );
    assert.match(r.failures![0].reason, /^upchain:servers\[0\]\.host: CONNECTION_FAILED: /);
    assert.ok(!r.failures![0].reason.includes("pw-not-shown"));
  });

  it("without names, the component's connection argument is named", async () => {
    const r = await check({}, hooks({ hostKey: "nope" }));
    assert.match(r.failures![0].reason, /^connection\.hostKey: /);
  });
});

describe("ManagedFiles' diff: what up must put back or rewrite", () => {
  // what check returns (news) and the state holds (olds): the stack's files, the host's drift, the folder
  const state = (over: Record<string, unknown> = {}) => ({
    ...hooks({}),
    folder: "/srv/altazion/integration/hooks",
    changes: [],
    files: { "PREINSTALL_integration.ps1": "Write-Host 1" },
    ...over,
  });

  it("the same files, folder and login, with no drift on the host, is no change", async () => {
    assert.deepStrictEqual(await diff("id", state(), state()), { changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("a file the stack changed is a change", async () => {
    assert.strictEqual((await diff("id", state(), state({ files: { "PREINSTALL_integration.ps1": "Write-Host 2" } }))).changes, true);
  });

  it("a file edited by hand on the host (check saw drift) is a change, so up puts it back", async () => {
    assert.strictEqual((await diff("id", state(), state({ changes: ["~ PREINSTALL_integration.ps1"] }))).changes, true);
  });

  it("another host, port, user or host key is a change; a new password alone is not", async () => {
    for (const connection of [{ host: "127.0.0.2" }, { port: 2222 }, { user: "deploy" }, { hostKey: "ssh-ed25519 AAAAother" }]) {
      assert.strictEqual(
        (await diff("id", state(), state({ connection: { ...state().connection, ...connection } }))).changes,
        true,
        JSON.stringify(connection),
      );
    }
    assert.strictEqual((await diff("id", state(), state({ password: "another-pw" }))).changes, false);
  });

  it("another folder is a change; olds from an older state without a connection compare as no login", async () => {
    assert.strictEqual((await diff("id", state(), state({ folder: "/srv/elsewhere" }))).changes, true);
    assert.strictEqual((await diff("id", { ...state(), connection: undefined }, state())).changes, true);
  });
});
