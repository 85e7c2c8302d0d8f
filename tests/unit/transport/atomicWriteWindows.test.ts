// The Windows atomic write's scripts (providers/transport/atomicWriteWindows.ts), read as text and
// parsed with the real grammar (no PowerShell runs here): whatever a path holds, each script parses and
// keeps it one literal; the parts of a large write follow one another by offset; only an upload is made
// private; the hash is checked before the move and the temp file goes whatever happens.
import * as assert from "assert";
import { createHash } from "crypto";
import {
  WINDOWS_CHUNK_BYTES,
  resolvePath,
  windowsKeepCopyScript,
  windowsPutBackScript,
  windowsReadScript,
  windowsReplaceScripts,
} from "../../../providers/transport/atomicWriteWindows";
import { assertParses } from "../../support/psParse";
import { psLiterals } from "../../support/powershell";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const HOSTILE = ["C:\\pkg\\it's [e] $(calc) `n\\x.zip", "C:\\pkg\\‘curly’ é 日本\\x.exe", "\\\\server\\share\\a;b|c\\x.bin", "C:\\pkg\\%TEMP%\\x.exe"];

describe("the Windows atomic write's scripts", () => {
  it("every script parses and keeps a hostile path one literal", () => {
    for (const path of HOSTILE) {
      const content = Buffer.from("MZ");
      const scripts = [
        ...windowsReplaceScripts({ path, random: "0123456789abcdef", sha256: sha(content), private: true }, content),
        windowsReadScript({ path }, 1024),
        windowsKeepCopyScript({ path }, ".upchain-run1.bak"),
        windowsPutBackScript({ path }, ".upchain-run1.bak"),
      ];
      for (const s of scripts) {
        assertParses(s, path);
        // (psLiterals reads ASCII quotes only; PowerShell's curly ones are doubled by quotePowerShell and judged by the grammar)
        if (!/[\u2018\u2019]/.test(path))
          assert.ok(
            s.split("\n").some((l) => psLiterals(l).includes(path)),
            `${path} is one literal in:\n${s}`,
          );
      }
    }
  });

  it("the target is expanded on the host only when the option allows variables, and a path not absolute once expanded is refused", () => {
    const plain = resolvePath("target", { path: "C:\\pkg\\%TEMP%\\x.exe" });
    assert.ok(!plain.includes("ExpandEnvironmentVariables"), plain);
    const expanded = resolvePath("target", { path: "%SystemRoot%\\System32\\drivers\\etc\\services", expand: true });
    assert.match(
      expanded,
      /^\$target = \[Environment\]::ExpandEnvironmentVariables\('%SystemRoot%\\System32\\drivers\\etc\\services'\); if \(\$target -notmatch '\^\(\[A-Za-z\]:\\\\\|\\\\\\\\\)'\) \{ throw/,
    );
    // the .NET pattern as the script writes it: a drive root or a UNC path, nothing else
    const pattern = new RegExp(psLiterals(expanded).find((l) => l.startsWith("^"))!);
    assert.deepStrictEqual(
      ["C:\\Windows\\x", "\\\\srv\\share\\x", "%NOPE%\\x", "\\x", "x"].map((p) => pattern.test(p)),
      [true, true, false, false, false],
    );
  });

  it("a small write is one script: temp file created new, content appended and flushed, whole sha256 checked, then Replace or Move; the temp file removed whatever happens", () => {
    const content = Buffer.from("pop3 110/tcp\r\n");
    const [s, ...more] = windowsReplaceScripts({ path: "C:\\x\\services", random: "0123456789abcdef", sha256: sha(content) }, content);
    assert.deepStrictEqual(more, []);
    const order = [
      "[IO.FileMode]::CreateNew",
      "FromBase64String",
      "$out.Flush($true)",
      "[Security.Cryptography.SHA256]::Create()",
      `if ($got -ne '${sha(content)}')`,
      "[IO.File]::Replace($tmp, $target, [NullString]::Value)",
      "} finally { if ([IO.File]::Exists($tmp)) { [IO.File]::Delete($tmp) } }",
    ];
    const at = order.map((m) => s.indexOf(m));
    assert.ok(
      at.every((i, n) => i >= 0 && (n === 0 || i > at[n - 1])),
      `in order: ${order.join(" < ")}\n${s}`,
    );
    assert.ok(s.includes(`FromBase64String('${content.toString("base64")}')`));
    assert.match(s, /else \{ \[IO\.File\]::Move\(\$tmp, \$target\) \}/);
    assert.doesNotMatch(s, /icacls/, "an edited file keeps its ACL: only an upload is made private");
    assert.doesNotMatch(s, /Get-FileHash/, "Get-FileHash is PowerShell 4.0's");
  });

  it("a large write is sent in parts: the first creates, each later one checks the length so far, only the last checks the hash and moves; an empty file is one part", () => {
    const content = Buffer.alloc(2 * WINDOWS_CHUNK_BYTES + 3, 7);
    const scripts = windowsReplaceScripts({ path: "C:\\pkg\\big.iso", random: "0123456789abcdef", sha256: sha(content) }, content);
    assert.strictEqual(scripts.length, 3);
    assert.deepStrictEqual(
      scripts.map((s) => s.includes("[IO.FileMode]::CreateNew")),
      [true, false, false],
    );
    assert.deepStrictEqual(
      scripts.map((s) => /not the (\d+) sent before this part/.exec(s)?.[1]),
      [undefined, String(WINDOWS_CHUNK_BYTES), String(2 * WINDOWS_CHUNK_BYTES)],
    );
    assert.deepStrictEqual(
      scripts.map((s) => s.includes("$got -ne")),
      [false, false, true],
    );
    assert.deepStrictEqual(
      scripts.map((s) => s.includes("} catch { if ([IO.File]::Exists($tmp)) { [IO.File]::Delete($tmp) }; throw }")),
      [true, true, false],
      "a failed part removes the temp file",
    );
    const parts = scripts.map((s) => Buffer.from(/FromBase64String\('([^']*)'\)/.exec(s)![1], "base64"));
    assert.ok(Buffer.concat(parts).equals(content));
    const empty = windowsReplaceScripts({ path: "C:\\x\\empty", random: "0123456789abcdef", sha256: sha(Buffer.alloc(0)) }, Buffer.alloc(0));
    assert.strictEqual(empty.length, 1);
    assert.match(empty[0], /FromBase64String\(''\)/);
  });

  it("the temp file's name is bounded for a target whose name is near NTFS's 255", () => {
    const [s] = windowsReplaceScripts({ path: `C:\\x\\${"n".repeat(250)}`, random: "0123456789abcdef", sha256: sha(Buffer.alloc(0)) }, Buffer.alloc(0));
    assert.match(s, /if \(\$name\.Length -gt 200\) \{ \$name = \$name\.Substring\(0, 200\) \}/);
    assert.ok(1 + 200 + ".upchain-".length + 16 <= 255);
  });

  it("a read answers with a marked line: the content, or what the path is instead, and a large file is never read", () => {
    const s = windowsReadScript({ path: "C:\\x\\services" }, 1024);
    for (const answer of ["folder", "missing", "link"]) assert.ok(s.includes(`Write-Output 'upchain-file ${answer}'; return`), answer);
    assert.ok(s.indexOf("$f.Length -gt 1024") < s.indexOf("ReadAllBytes"));
    assert.ok(s.indexOf("ReparsePoint") < s.indexOf("ReadAllBytes"), "a link is not followed");
  });
});
