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

  it("check gives one failure per bad field, named by its path", async () => {
    const r = await check({}, { connection: { host: "", hostKey: "nope" }, privateKey: key });
    const props = (r.failures ?? []).map((f) => f.property).sort();
    assert.deepStrictEqual(props, ["connection.host", "connection.hostKey"]);
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
    assert.deepStrictEqual((without.failures ?? []).map((f) => f.property), ["connection.privateKeyPassphrase"]);
    const garbled = await check({}, { connection: { host: "h", hostKey }, privateKey: "k" });
    assert.deepStrictEqual((garbled.failures ?? []).map((f) => f.property), ["connection.privateKey"]);
    const withIt = await check({}, { connection: { host: "h", hostKey }, privateKey: encrypted, privateKeyPassphrase: "phrase" });
    assert.strictEqual(withIt.inputs!.privateKeyPassphrase, "phrase");
    assert.ok(!("privateKeyPassphrase" in (withIt.inputs!.connection as object)));
  });
  it("diff sees a changed passphrase", async () => {
    const c = { host: "h", port: 22, user: "root", hostKey };
    const r = await diff("id", { connection: c, privateKey: "k", privateKeyPassphrase: "a" } as any, { connection: c, privateKey: "k", privateKeyPassphrase: "b" });
    assert.strictEqual(r.changes, true);
  });
  it("diff never replaces: a changed key or address is an update", async () => {
    const olds: any = { connection: { host: "h", port: 22, user: "root", hostKey }, privateKey: "k" };
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
