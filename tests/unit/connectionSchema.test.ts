// The connection fields: the passphrase travels beside the key like the other credentials, and a
// key that cannot be used is found at preview, named by its field.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { connectionOf, connectionSchema, toCheckFailures, withConnection } from "../../providers/connectionSchema";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";

describe("connection schema", function () {
  this.timeout(30_000); // ssh-keygen and bcrypt key derivation are slow on a loaded machine
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-cs-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "s3cret phrase", "-f", path.join(dir, "k")]);
  const encrypted = fs.readFileSync(path.join(dir, "k"), "utf8");
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const failures = (inputs: unknown) => {
    const r = connectionSchema.safeParse(connectionOf(inputs));
    return r.success ? [] : toCheckFailures(r.error, ["connection"]);
  };

  it("carries privateKeyPassphrase beside the connection, like privateKey and password", () => {
    const inputs = { connection: { host: "h", hostKey }, privateKey: encrypted, privateKeyPassphrase: "s3cret phrase" };
    const parsed = connectionSchema.parse(connectionOf(inputs));
    assert.strictEqual(parsed.privateKeyPassphrase, "s3cret phrase");
    const out = withConnection({ other: 1 }, parsed);
    assert.deepStrictEqual(out.connection, { host: "h", port: 22, user: "root", hostKey });
    assert.strictEqual(out.privateKeyPassphrase, "s3cret phrase");
    assert.ok(!("password" in out), "an absent credential is left out");
  });
  it("an encrypted key without its passphrase fails at preview, naming connection.privateKeyPassphrase", () => {
    const f = failures({ connection: { host: "h", hostKey }, privateKey: encrypted });
    assert.deepStrictEqual(f.map((x) => x.property), ["connection.privateKeyPassphrase"]);
    assert.ok(!JSON.stringify(f).includes(encrypted.split("\n")[1]));
  });
  it("a wrong passphrase fails at preview without showing it", () => {
    const f = failures({ connection: { host: "h", hostKey }, privateKey: encrypted, privateKeyPassphrase: "not the phrase" });
    assert.deepStrictEqual(f.map((x) => x.property), ["connection.privateKeyPassphrase"]);
    assert.ok(!JSON.stringify(f).includes("not the phrase"));
  });
  it("a passphrase without a key is refused", () => {
    const f = failures({ connection: { host: "h", hostKey }, password: "pw", privateKeyPassphrase: "x" });
    assert.deepStrictEqual(f.map((x) => x.property), ["connection.privateKeyPassphrase"]);
  });
  it("a key not known yet during preview is not judged", () => {
    assert.deepStrictEqual(failures({ connection: { host: "h", hostKey }, privateKey: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }), []);
  });
});
