import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import fc from "fast-check";
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
    assert.strictEqual(sh("tar", "-xzf", "my patch.tar.gz"), "tar '-xzf' 'my patch.tar.gz'");
  });
  it("NAME=value as a command's first word is run as a word, not taken as an assignment", () => {
    // bare, `X=1` would set a variable and succeed; quoted, sh looks for a command named "X=1"
    const r = spawnSync("/bin/sh", ["-c", `${quote("X=1")} 2>/dev/null; echo "status=$? X=$X"`], { encoding: "utf8" });
    assert.strictEqual(r.stdout.trim(), "status=127 X=");
    assert.strictEqual(quote("PATH=/tmp"), "'PATH=/tmp'");
  });
  it("a value starting with - is quoted", () => {
    assert.strictEqual(quote("-rf"), "'-rf'");
    assert.strictEqual(quote(-5), "'-5'");
    assert.strictEqual(quote("a-b"), "a-b", "a dash inside a word needs no quotes");
  });
  it("property: any value without NUL comes back from sh as exactly one unchanged word", function () {
    this.timeout(60_000); // one sh per case
    const asSent = (v: string) => Buffer.from(v, "utf8").toString("utf8"); // lone surrogates become U+FFFD on the way
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 40 }).filter((v) => !v.includes("\0")),
        (v) => {
          const out = execFileSync("/bin/sh", ["-c", `set -- ${quote(v)}; printf '%s|' "$#" "$1"`], { encoding: "utf8" });
          return out === `1|${asSent(v)}|`;
        },
      ),
      { numRuns: 100 },
    );
  });
  it("property: a quoted NAME=value first word never assigns NAME", function () {
    this.timeout(60_000); // one sh per case
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/).map((n) => `UPCHAIN_T_${n}`);
    const value = fc.string({ maxLength: 20 }).filter((v) => !v.includes("\0"));
    fc.assert(
      fc.property(name, value, (n, v) => {
        const r = spawnSync("/usr/bin/env", ["-i", "/bin/sh", "-c", `${quote(`${n}=${v}`)} 2>/dev/null; echo "$?:\${${n}+set}"`], { encoding: "utf8" });
        const [status, set] = r.stdout.trim().split(":");
        return status !== "0" && set === "";
      }),
      { numRuns: 100 },
    );
  });
});

describe("quotePowerShell", () => {
  it("doubles single quotes", () => assert.strictEqual(quotePowerShell("it's"), "'it''s'"));
  it("doubles typographic quotes, which PowerShell also ends strings with", () => assert.strictEqual(quotePowerShell("a\u2019b"), "'a\u2019\u2019b'"));
  it("leaves $ and backtick inert inside single quotes", () => assert.strictEqual(quotePowerShell("$env:X `n"), "'$env:X `n'"));
  it("refuses a NUL byte", () => assert.throws(() => quotePowerShell("\0"), /NUL/));
});
