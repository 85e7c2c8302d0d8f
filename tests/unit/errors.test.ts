import * as assert from "assert";
import { UpchainError, isUpchainError, maskSecrets } from "../../providers/errors";

describe("UpchainError", () => {
  it("carries a code and the path of the field at fault", () => {
    const e = new UpchainError("INVALID_INPUT", "bad", ["hosts", 0, "host"]);
    assert.strictEqual(isUpchainError(e, "COMMAND_FAILED"), false);
    assert.ok(isUpchainError(e, "INVALID_INPUT"));
    assert.deepStrictEqual(e.path, ["hosts", 0, "host"]);
  });
});

describe("maskSecrets", () => {
  const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";
  it("masks a whole secret", () => assert.strictEqual(maskSecrets(`x ${key} y`, [key]), "x [secret] y"));
  it("masks a key echoed one line at a time", () => {
    const out = maskSecrets("line: b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", [key]);
    assert.ok(!out.includes("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"));
  });
  it("masks a password", () => assert.strictEqual(maskSecrets("pw=hunter22!", ["hunter22!"]), "pw=[secret]"));
  it("ignores undefined and very short secrets", () => assert.strictEqual(maskSecrets("abc", [undefined, "b"]), "abc"));
});
