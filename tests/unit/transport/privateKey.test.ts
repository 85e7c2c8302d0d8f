// Private keys are read on the controller before any connection, with keys made by ssh-keygen.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { privateKeyProblem } from "../../../providers/transport/privateKey";

describe("private key check", function () {
  this.timeout(30_000); // ssh-keygen and bcrypt key derivation are slow on a loaded machine
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-pk-"));
  const passphrase = "correct horse battery staple";
  const make = (name: string, args: string[]) => {
    execFileSync("ssh-keygen", ["-q", ...args, "-f", path.join(dir, name)]);
    return fs.readFileSync(path.join(dir, name), "utf8");
  };
  const openssh = make("ed", ["-t", "ed25519", "-N", passphrase]);
  const pem = make("rsa", ["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", passphrase]);
  const plain = make("plain", ["-t", "ed25519", "-N", ""]);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** No message may carry the key's body or the passphrase. */
  const assertQuiet = (message: string, key: string) => {
    assert.ok(!message.includes(passphrase), "the passphrase is not shown");
    for (const line of key.split("\n").filter((l) => l.length > 16 && !l.startsWith("-----")))
      assert.ok(!message.includes(line), "no line of the key is shown");
  };

  for (const [format, key] of [
    ["OpenSSH", openssh],
    ["PEM", pem],
  ] as const) {
    it(`an encrypted ${format} key with its passphrase is fine`, () => {
      assert.strictEqual(privateKeyProblem(key, passphrase), undefined);
    });
    it(`an encrypted ${format} key without a passphrase asks for privateKeyPassphrase`, () => {
      const p = privateKeyProblem(key);
      assert.strictEqual(p?.field, "privateKeyPassphrase");
      assert.match(p!.message, /encrypted/);
    });
    it(`an encrypted ${format} key with a wrong passphrase names privateKeyPassphrase`, () => {
      const p = privateKeyProblem(key, "wrong passphrase");
      assert.strictEqual(p?.field, "privateKeyPassphrase");
      assert.match(p!.message, /does not decrypt/);
      assertQuiet(p!.message, key);
    });
  }
  it("an unencrypted key needs no passphrase", () => {
    assert.strictEqual(privateKeyProblem(plain), undefined);
  });
  it("a malformed key names privateKey without echoing it", () => {
    const broken = openssh
      .replace(/^(.{30}).{20}/m, "$1" + "A".repeat(20))
      .split("\n")
      .slice(0, 4)
      .join("\n");
    const p = privateKeyProblem(broken);
    assert.strictEqual(p?.field, "privateKey");
    assertQuiet(p!.message, broken);
    assert.strictEqual(privateKeyProblem("not a key at all")?.field, "privateKey");
  });
  it("a public key given as the private key is named as such", () => {
    const p = privateKeyProblem(fs.readFileSync(path.join(dir, "plain.pub"), "utf8"));
    assert.strictEqual(p?.field, "privateKey");
    assert.match(p!.message, /public key/);
  });
});
