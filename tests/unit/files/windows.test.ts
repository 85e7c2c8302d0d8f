// A file set on a Windows host (providers/files/windows.ts), against a recording transport: what the host
// lists is read back as data, whatever its names hold; each script parses, whatever the folder and
// file names hold; a large file the set owns is refused; and placing is what the stack declares.
import * as assert from "assert";
import { placeFiles, readFileSet } from "../../../providers/files/impl";
import { windowsFolderFiles } from "../../../providers/files/windows";
import { assertParses } from "../../support/psParse";
import { RecordingHost } from "../../support/recordingHost";

const b64 = (t: string) => Buffer.from(t, "utf8").toString("base64");
const scriptOf = (stdin?: string) => Buffer.from(stdin ?? "", "base64").toString("utf8");
const listing = (files: [string, string | "large"][]) => ({
  stdout: files.map(([n, t]) => `${b64(n)} ${t === "large" ? "large" : b64(t)}`).join("\r\n") + "\r\n",
});
const hooks = (files: Record<string, string>) => ({
  product: "altazion-office",
  fileSet: "hooks",
  platform: "windows" as const,
  options: { modules: [{ name: "ecommerce", target: "5.2.0.0", folder: "C:\\inetpub\\ecommerce" }], dataFolder: "C:\\ProgramData\\it's [e] $(x)" },
  files,
});

describe("a file set on a Windows host, in PowerShell", () => {
  it("reads the folder's files as data: names and contents decoded, CRLF line ends and all", async () => {
    const host = new RecordingHost(() =>
      listing([
        ["avant ecommerce.ps1", "Write-Output 'é'\r\n"],
        ["$(calc).txt", "x"],
        ["big.ps1", "large"],
      ]),
    );
    const files = await windowsFolderFiles(host, "C:\\x [e]", 1024);
    assert.deepStrictEqual(
      [...files.entries()],
      [
        ["avant ecommerce.ps1", "Write-Output 'é'\r\n"],
        ["$(calc).txt", "x"],
        ["big.ps1", { large: true }],
      ],
    );
  });

  it("a file the set owns that is larger than a hook script is refused, naming it", async () => {
    const host = new RecordingHost(() => listing([["big.ps1", "large"]]));
    await assert.rejects(readFileSet(host, hooks({})), /big\.ps1 is larger than 1048576 bytes; a phase hooks file is a small script/);
  });

  it("placing keeps a copy of what it replaces or removes, writes through a checked temp file, and every script parses with a hostile folder", async () => {
    let listed = 0;
    const host = new RecordingHost((_l, stdin) => {
      if (!scriptOf(stdin).includes("GetFiles()")) return {};
      // before: an old hook with other content and one no longer declared; after: what the stack says
      return listed++ === 0
        ? listing([
            ["avant-ecommerce.ps1", "old\n"],
            ["apres-ecommerce.ps1", "gone\n"],
            ["notes.txt", "not the set's"],
          ])
        : listing([
            ["avant-ecommerce.ps1", "new\n"],
            ["notes.txt", "not the set's"],
          ]);
    });
    const out = await placeFiles(host, hooks({ "avant-ecommerce.ps1": "new\n" }), "20261207T000000-abcdef");
    assert.deepStrictEqual(out.changes, []);
    const scripts = host.sent.map((s) => scriptOf(s.stdin));
    for (const s of scripts) assertParses(s, s.slice(0, 80));
    const [, keep, write, remove] = scripts;
    assert.match(keep, /\[IO\.File\]::Copy\(.*'avant-ecommerce\.ps1', 'apres-ecommerce\.ps1'|@\('avant-ecommerce\.ps1', 'apres-ecommerce\.ps1'\)/s);
    assert.match(keep, /\$env:ProgramData \+ '\\upchain\\files\\altazion-office-hooks\\20261207T000000-abcdef'/);
    assert.match(write, /\$tmp.*sha256.*\[IO\.File\]::Replace\(\$tmp, \$target/s);
    assert.ok(write.includes(`'C:\\ProgramData\\it''s [e] $(x)\\bin\\updates\\scripts\\avant-ecommerce.ps1'`), write);
    assert.match(remove, /@\('apres-ecommerce\.ps1'\).*\[IO\.File\]::Delete/s);
    assert.ok(!scripts.some((s) => s.includes("notes.txt") && !s.includes("GetFiles()")), "a file the set does not own is never touched");
  });
});
