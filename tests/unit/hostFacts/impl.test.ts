import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { check, diff } from "../../../providers/hostFacts/impl";
import { parseFacts } from "../../../providers/hostFacts/facts";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";

describe("HostFacts provider (no I/O)", function () {
  this.timeout(30_000); // ssh-keygen and bcrypt key derivation are slow on a loaded machine
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-hf-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "k")]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "phrase", "-f", path.join(dir, "e")]);
  const key = fs.readFileSync(path.join(dir, "k"), "utf8");
  const encrypted = fs.readFileSync(path.join(dir, "e"), "utf8");
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  // the field leads the reason; a failure's property would make the engine print `property connection value {map[...]}`
  const fieldsOf = (r: { failures?: { property: string; reason: string }[] }) => (r.failures ?? []).map((f) => f.reason.split(": ")[0]).sort();
  const noProperty = (r: { failures?: { property: string }[] }) =>
    assert.deepStrictEqual(
      (r.failures ?? []).map((f) => f.property),
      (r.failures ?? []).map(() => ""),
    );

  it("check gives one failure per bad field, named by its argument's path when the program names none", async () => {
    const r = await check({}, { connection: { host: "", hostKey: "nope" }, privateKey: key });
    assert.deepStrictEqual(fieldsOf(r), ["connection.host", "connection.hostKey"]);
    noProperty(r);
  });
  it("a broken upchain:hosts entry is refused in the stack file's words, with the value's rule and no property for the engine to print", async () => {
    const fields = {
      connection: "upchain:hosts[1].host",
      "connection.host": "upchain:hosts[1].host",
      "connection.hostKey": "upchain:hosts[1].hostKey",
      "connection.privateKey": "upchain:privateKeyFile",
    };
    const r = await check({}, { connection: { host: "h", hostKey: "nope" }, privateKey: "not a key", fields });
    assert.deepStrictEqual(fieldsOf(r), ["upchain:hosts[1].hostKey", "upchain:privateKeyFile"]);
    noProperty(r);
    assert.match(r.failures!.find((f) => f.reason.startsWith("upchain:hosts[1].hostKey"))!.reason, /"nope" is not an OpenSSH public key/);
  });
  it("check asks for a credential when neither key nor password is given", async () => {
    const r = await check({}, { connection: { host: "h", hostKey } });
    assert.match(JSON.stringify(r.failures), /privateKey \(preferred\) or password/);
  });
  it("check fills the port and user defaults", async () => {
    const r = await check({}, { connection: { host: "h", hostKey }, privateKey: key });
    assert.deepStrictEqual(r.inputs!.connection, { host: "h", port: 22, user: "root", hostKey });
  });
  it("check names a key that cannot be used, and keeps a passphrase beside the connection", async () => {
    const without = await check({}, { connection: { host: "h", hostKey }, privateKey: encrypted });
    assert.deepStrictEqual(fieldsOf(without), ["connection.privateKeyPassphrase"]);
    const garbled = await check({}, { connection: { host: "h", hostKey }, privateKey: "k" });
    assert.deepStrictEqual(fieldsOf(garbled), ["connection.privateKey"]);
    const withIt = await check({}, { connection: { host: "h", hostKey }, privateKey: encrypted, privateKeyPassphrase: "phrase" });
    assert.strictEqual(withIt.inputs!.privateKeyPassphrase, "phrase");
    assert.ok(!("privateKeyPassphrase" in (withIt.inputs!.connection as object)));
  });
  it("diff sees a changed passphrase", async () => {
    const c = { host: "h", port: 22, user: "root", hostKey };
    const r = await diff("id", { connection: c, privateKey: "k", privateKeyPassphrase: "a" }, { connection: c, privateKey: "k", privateKeyPassphrase: "b" });
    assert.strictEqual(r.changes, true);
  });
  it("diff never replaces: a changed key or address is an update", async () => {
    const olds = { connection: { host: "h", port: 22, user: "root", hostKey }, privateKey: "k" };
    const same = await diff("id", olds, { connection: { host: "h", port: 22, user: "root", hostKey }, privateKey: "k" });
    assert.strictEqual(same.changes, false);
    const moved = await diff("id", olds, { connection: { host: "h2", port: 22, user: "root", hostKey }, privateKey: "k2" });
    assert.strictEqual(moved.changes, true);
    assert.deepStrictEqual(moved.replaces, []);
  });
  it("parseFacts reads each keyed line and tolerates missing ones", () => {
    assert.deepStrictEqual(parseFacts("hostname=web1\nosId=debian\nosPrettyName=Debian GNU/Linux 12 (bookworm)\n"), {
      hostname: "web1",
      osId: "debian",
      osVersion: "",
      osPrettyName: "Debian GNU/Linux 12 (bookworm)",
    });
  });
});
