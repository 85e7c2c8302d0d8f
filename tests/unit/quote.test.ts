import * as assert from "assert";
import { execFileSync } from "child_process";
import { quote, quotePowerShell, sh } from "../../providers/quote";

// Each value must come back from a real sh byte for byte.
const nasty = ["plain", "", "with space", "it's", "$(touch /tmp/pwned)", "`id`", "a\nb", "back\\slash", "*", "-n", "'; rm -rf / #", "ü日本"];

describe("quote (POSIX sh)", () => {
  for (const v of nasty) {
    it(`round-trips ${JSON.stringify(v)} through /bin/sh unchanged`, () => {
      const out = execFileSync("/bin/sh", ["-c", `printf %s ${quote(v)}`], { encoding: "utf8" });
      assert.strictEqual(out, v);
    });
  }
  it("leaves simple words bare so commands stay readable", () => {
    assert.strictEqual(quote("/opt/omflow/server"), "/opt/omflow/server");
  });
  it("refuses a NUL byte, which no shell word can carry", () => {
    assert.throws(() => quote("a\0b"), /NUL/);
  });
  it("sh() quotes every argument but not the command", () => {
    assert.strictEqual(sh("tar", "-xzf", "my patch.tar.gz"), "tar -xzf 'my patch.tar.gz'");
  });
});

describe("quotePowerShell", () => {
  it("doubles single quotes", () => assert.strictEqual(quotePowerShell("it's"), "'it''s'"));
  it("doubles typographic quotes, which PowerShell also ends strings with", () =>
    assert.strictEqual(quotePowerShell("a\u2019b"), "'a\u2019\u2019b'"));
  it("leaves $ and backtick inert inside single quotes", () =>
    assert.strictEqual(quotePowerShell("$env:X `n"), "'$env:X `n'"));
  it("refuses a NUL byte", () => assert.throws(() => quotePowerShell("\0"), /NUL/));
});
