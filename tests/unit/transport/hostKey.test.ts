import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fingerprintOf, hostKeyAlgorithmsFor, parseHostKeyPin } from "../../../providers/transport/hostKey";

describe("host key pins", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-hk-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "k")]);
  const pub = fs.readFileSync(path.join(dir, "k.pub"), "utf8").trim();
  // ssh-keygen's own fingerprint is the reference the pin must agree with
  const reference = execFileSync("ssh-keygen", ["-lf", path.join(dir, "k.pub")], { encoding: "utf8" }).split(" ")[1];
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a public key line pins the same fingerprint ssh-keygen -lf prints", () => {
    assert.strictEqual(parseHostKeyPin(pub).fingerprint, reference);
  });
  it("a SHA256 fingerprint is accepted as the pin itself", () => {
    assert.strictEqual(parseHostKeyPin(reference).fingerprint, reference);
  });
  it("fingerprintOf the raw key blob matches", () => {
    assert.strictEqual(fingerprintOf(Buffer.from(pub.split(" ")[1], "base64")), reference);
  });
  it("anything else is refused with the two accepted forms named", () => {
    assert.throws(() => parseHostKeyPin("AAAA"), /ssh-keyscan.*SHA256/s);
    assert.throws(() => parseHostKeyPin("MD5:aa:bb"), /hostKey/);
  });
});

describe("the pinned key chooses the host key algorithm", function () {
  this.timeout(30_000); // ssh-keygen and bcrypt key derivation are slow on a loaded machine
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-hka-"));
  const pubOf = (type: string, bits?: string) => {
    const f = path.join(dir, type + (bits ?? ""));
    execFileSync("ssh-keygen", ["-q", "-t", type, ...(bits ? ["-b", bits] : []), "-N", "", "-f", f]);
    return fs.readFileSync(f + ".pub", "utf8").trim();
  };
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("an RSA pin asks only for RSA signatures, strongest first", () => {
    assert.deepStrictEqual(hostKeyAlgorithmsFor(parseHostKeyPin(pubOf("rsa", "2048"))), ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
  });
  it("an ECDSA or ed25519 pin asks for its own type only", () => {
    assert.deepStrictEqual(hostKeyAlgorithmsFor(parseHostKeyPin(pubOf("ecdsa", "256"))), ["ecdsa-sha2-nistp256"]);
    assert.deepStrictEqual(hostKeyAlgorithmsFor(parseHostKeyPin(pubOf("ecdsa", "384"))), ["ecdsa-sha2-nistp384"]);
    assert.deepStrictEqual(hostKeyAlgorithmsFor(parseHostKeyPin(pubOf("ed25519"))), ["ssh-ed25519"]);
  });
  it("a fingerprint does not say the key's type, so the default list is kept", () => {
    assert.strictEqual(hostKeyAlgorithmsFor(parseHostKeyPin(`SHA256:${"A".repeat(43)}`)), undefined);
  });
  it("a line whose type word disagrees with the key it carries is refused", () => {
    const ed = fs.readFileSync(path.join(dir, "ed25519.pub"), "utf8").split(" ");
    assert.throws(() => parseHostKeyPin(`ssh-rsa ${ed[1]}`, ["connection", "hostKey"]), /connection\.hostKey must be/);
  });
});
