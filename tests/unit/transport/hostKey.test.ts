import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  fingerprintOf,
  hostKeyAlgorithmsFor,
  hostKeyPinProblem,
  keyscanHostProblem,
  parseHostKeyPin,
  splitKeyscanLine,
} from "../../../providers/transport/hostKey";

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

describe("host key pins pasted as ssh-keyscan prints them", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-hk-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(dir, "k")]);
  const [type, blob] = fs.readFileSync(path.join(dir, "k.pub"), "utf8").trim().split(" ");
  const bare = `${type} ${blob}`;
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const samePin: [string, string][] = [
    ["the host first, as for port 22", `192.0.2.10 ${bare}`],
    ["[host]:port first, as for another port", `[192.0.2.10]:2222 ${bare}`],
    ["a DNS name first", `mail.example.net ${bare}`],
    ["an IPv6 address first", `2001:db8::10 ${bare}`],
    ["with ssh-keyscan's # banner line kept (stderr captured too)", `# 192.0.2.10:22 SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\n192.0.2.10 ${bare}\n`],
  ];
  for (const [name, pin] of samePin) {
    it(`a line with ${name} pins the same key as the key alone`, () => {
      assert.deepStrictEqual(parseHostKeyPin(pin), parseHostKeyPin(bare));
    });
  }

  it("splits off the host and port the line names", () => {
    assert.deepStrictEqual(splitKeyscanLine(`[192.0.2.10]:2222 ${bare}`), { named: { host: "192.0.2.10", port: 2222 }, pin: bare });
    assert.deepStrictEqual(splitKeyscanLine(`192.0.2.10 ${bare}`), { named: { host: "192.0.2.10", port: 22 }, pin: bare });
    assert.deepStrictEqual(splitKeyscanLine(`${bare} root@build`), { pin: `${bare} root@build` }, "a key line's comment is not a host");
  });

  const refused: [string, string, RegExp][] = [
    ["two key lines (ssh-keyscan without -t)", `192.0.2.10 ${bare}\n192.0.2.10 ${bare}`, /more than one key line/],
    ["a hashed host (ssh-keyscan -H), which cannot be checked", `|1|abc=|def= ${bare}`, /must be the host's public key/],
    ["text that is not a host before the key", `evil;rm ${bare}`, /must be the host's public key/],
  ];
  for (const [name, pin, message] of refused) {
    it(`${name} is refused`, () => {
      assert.throws(() => parseHostKeyPin(pin), message);
      assert.match(hostKeyPinProblem(pin) ?? "", message);
    });
  }

  const hostCases: [string, string, string, number, RegExp | undefined][] = [
    ["a line for this host on port 22 is this server's", `192.0.2.10 ${bare}`, "192.0.2.10", 22, undefined],
    ["a line for this host and port is this server's", `[192.0.2.10]:2222 ${bare}`, "192.0.2.10", 2222, undefined],
    ["a DNS name in another case is the same host", `Mail.Example.NET ${bare}`, "mail.example.net", 22, undefined],
    ["a key without a host names no host to check", bare, "192.0.2.10", 22, undefined],
    [
      "a line scanned from another host is refused, naming both and the command to run",
      `192.0.2.11 ${bare}`,
      "192.0.2.10",
      22,
      /printed for 192\.0\.2\.11, but this server is 192\.0\.2\.10: it would pin another machine's key\. Paste the line `ssh-keyscan -t ed25519 192\.0\.2\.10` prints/,
    ],
    [
      "a line scanned on another port is refused, with -p in the command",
      `192.0.2.10 ${bare}`,
      "192.0.2.10",
      2222,
      /printed for 192\.0\.2\.10, but this server is \[192\.0\.2\.10\]:2222.*`ssh-keyscan -t ed25519 -p 2222 192\.0\.2\.10`/,
    ],
  ];
  for (const [name, pin, host, port, message] of hostCases) {
    it(name, () => {
      const problem = keyscanHostProblem(pin, host, port);
      if (message) assert.match(problem ?? "", message);
      else assert.strictEqual(problem, undefined);
    });
  }
});
