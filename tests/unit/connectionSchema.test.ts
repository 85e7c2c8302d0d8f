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
    assert.deepStrictEqual(
      f.map((x) => x.property),
      ["connection.privateKeyPassphrase"],
    );
    assert.ok(!JSON.stringify(f).includes(encrypted.split("\n")[1]));
  });
  it("a wrong passphrase fails at preview without showing it", () => {
    const f = failures({ connection: { host: "h", hostKey }, privateKey: encrypted, privateKeyPassphrase: "not the phrase" });
    assert.deepStrictEqual(
      f.map((x) => x.property),
      ["connection.privateKeyPassphrase"],
    );
    assert.ok(!JSON.stringify(f).includes("not the phrase"));
  });
  it("a passphrase without a key is refused", () => {
    const f = failures({ connection: { host: "h", hostKey }, password: "pw-test", privateKeyPassphrase: "x-test" });
    assert.deepStrictEqual(
      f.map((x) => x.property),
      ["connection.privateKeyPassphrase"],
    );
  });
  it("a password or passphrase under 4 characters is refused, naming the field and why (it could not be masked in output)", () => {
    for (const [field, inputs] of [
      ["connection.password", { connection: { host: "h", hostKey }, password: "pw" }],
      ["connection.privateKeyPassphrase", { connection: { host: "h", hostKey }, privateKey: encrypted, privateKeyPassphrase: "s3c" }],
    ] as const) {
      const f = failures(inputs);
      assert.ok(
        f.some((x) => x.property === field && /at least 4 characters: a shorter secret cannot be masked in output/.test(x.reason)),
        `${field}: ${JSON.stringify(f)}`,
      );
      assert.ok(!JSON.stringify(f).includes('"pw"') && !JSON.stringify(f).includes('s3c"'), "the value itself is not shown");
    }
  });
  it("a key not known yet during preview is not judged", () => {
    assert.deepStrictEqual(failures({ connection: { host: "h", hostKey }, privateKey: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }), []);
  });
});

describe("connection schema: a host key pasted as ssh-keyscan prints it", () => {
  const hostField = (line: string, host: string, port?: number) => {
    const r = connectionSchema.safeParse({ host, port, hostKey: line, password: "pw-test" });
    return r.success ? [] : toCheckFailures(r.error, ["connection"]);
  };
  it("is accepted for the host and port it names, and pins the key alone", () => {
    assert.deepStrictEqual(hostField(`192.0.2.10 ${hostKey}`, "192.0.2.10"), []);
    assert.deepStrictEqual(hostField(`[192.0.2.10]:2222 ${hostKey}`, "192.0.2.10", 2222), []);
  });
  it("is refused under connection.hostKey when it names another host: it would pin another machine's key", () => {
    const [f, ...more] = hostField(`192.0.2.11 ${hostKey}`, "192.0.2.10");
    assert.deepStrictEqual(more, []);
    assert.strictEqual(f.property, "connection.hostKey");
    assert.match(f.reason, /printed for 192\.0\.2\.11, but this server is 192\.0\.2\.10: it would pin another machine's key/);
  });
  it("a hostKey that is not a key at all is refused, naming the ssh-keyscan line as an accepted form", () => {
    const [f] = hostField("ssh-ed25519 AAAA...", "192.0.2.10");
    assert.strictEqual(f.property, "connection.hostKey");
    assert.match(f.reason, /or the whole line ssh-keyscan prints/);
  });
  it("a hostKey that is not a key is refused with the value given, a host key being public", () => {
    const [f] = hostField("ssh-ed25519 not-a-key", "192.0.2.10");
    assert.match(f.reason, /^"ssh-ed25519 not-a-key" is not an OpenSSH public key/);
  });
  it("a private key pasted as the hostKey by mistake is refused without showing it", () => {
    const pasted = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";
    const [f] = hostField(pasted, "192.0.2.10");
    assert.match(f.reason, /^a private key is not an OpenSSH public key/);
    assert.ok(!f.reason.includes("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"));
  });
});
