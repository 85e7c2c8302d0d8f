import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fingerprintOf, parseHostKeyPin } from "../../../providers/transport/hostKey";

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
