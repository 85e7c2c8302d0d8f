// The executor's own file steps on a Windows server (a step whose shell is PowerShell): upload, edit and
// services-add, and preview's read of the services file, against a fake Windows host whose answers carry
// out what each script asks (tests/support/windowsFilesHost.ts). Every line the server receives is the
// constant PowerShell invocation (the file, its hash and its content only on standard input), and every
// script parses and calls nothing but .NET, New-Object, Write-Output, Out-Null and icacls.
import * as assert from "assert";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EditStep, ServicesAddStep, UploadStep } from "../../../../providers/engine/planning/catalog";
import { edit, servicesAdd, upload } from "../../../../providers/engine/running/fileSteps";
import { PlannedStep } from "../../../../providers/engine/planning/planner";
import { precheckPlan } from "../../../../providers/engine/planning/precheck";
import { POWERSHELL_FROM_STDIN } from "../../../../providers/engine/readOnHost";
import { ServiceEntry } from "../../../../providers/edits/services";
import { isUpchainError } from "../../../../providers/errors";
import { WINDOWS_CHUNK_BYTES } from "../../../../providers/transport/atomicWriteWindows";
import { describeErrors, invocationsOf, parsePowerShell } from "../../../support/psParse";
import { TEST_STEP } from "../../../support/testProvenance";
import { WindowsFilesHost } from "../../../support/windowsFilesHost";

const SERVICES = "%SystemRoot%\\System32\\drivers\\etc\\services";
const AT = "C:\\Windows\\System32\\drivers\\etc\\services";
const entries: ServiceEntry[] = [
  { name: "imap", port: 143, protocol: "tcp" },
  { name: "pop3", port: 110, protocol: "tcp" },
];
const servicesStep = (): PlannedStep & ServicesAddStep => ({
  provenance: TEST_STEP,
  id: "services-add",
  action: "services-add",
  shell: "powershell",
  title: "add",
  commands: [],
  destructive: true,
  hop: "03-00->06-00",
  file: SERVICES,
  entries,
});
const plan = () => ({ product: "groupmax", platform: "windows" as const, from: "03-00", to: "06-00", hops: [], steps: [servicesStep()] });

const LINE = `powershell -NoProfile -NonInteractive -EncodedCommand ${Buffer.from(POWERSHELL_FROM_STDIN, "utf16le").toString("base64")}`;
const ALLOWED = new Set(["New-Object", "Write-Output", "Out-Null", "icacls"]);

/** The script with a part's content (a base64 literal of megabytes) shortened, for the grammar. */
function elideContent(script: string): string {
  const open = "FromBase64String('";
  const at = script.indexOf(open);
  if (at < 0) return script;
  const end = script.indexOf("')", at + open.length);
  return `${script.slice(0, at + open.length)}AAAA${script.slice(end)}`;
}

/** Every line is the constant invocation; every script parses (a large part's content elided) and calls only what ALLOWED names. */
function assertPowerShellOnly(h: WindowsFilesHost): void {
  assert.ok(h.sent.length > 0);
  for (const s of h.sent) assert.strictEqual(s.line, LINE, "nothing of the file is on the command line");
  for (const full of h.scripts) {
    const script = elideContent(full);
    const parsed = parsePowerShell(script);
    assert.ok(parsed.ok, describeErrors(script, parsed.errors));
    const called = invocationsOf(script)
      .map((i) => i.name)
      .filter((n) => !ALLOWED.has(n));
    assert.deepStrictEqual(called, [], script.slice(0, 300));
  }
}

const kind = (script: string) =>
  script.includes("'upchain-file missing'")
    ? "read"
    : script.includes("[IO.File]::Copy($file, $copy")
      ? "copy"
      : script.includes("$tmp = ")
        ? "write"
        : script.includes("Replace($copy, $file")
          ? "put back"
          : "other";

describe("the executor's file steps on a Windows server, in PowerShell", () => {
  describe("services-add", () => {
    it("adds the missing entries to a CRLF services file (an alias counts as there), keeps a copy beside it first, and a second run writes nothing", async () => {
      const before = "# Copyright (c) Microsoft Corp.\r\n\r\nimap2            143/tcp    imap   # alias\r\nsmtp             25/tcp\r\n";
      const h = new WindowsFilesHost({ [AT]: before });
      const first = await servicesAdd(h, servicesStep(), "run1");
      assert.strictEqual(first.code, 0, first.stderr);
      assert.strictEqual(h.text(AT), `${before}pop3            110/tcp\r\n`);
      assert.strictEqual(h.text(`${AT}.upchain-run1.bak`), before);
      assert.deepStrictEqual(h.scripts.map(kind), ["read", "copy", "write", "read"], "read, copy aside, write, read back to check");
      assertPowerShellOnly(h);
      const sent = h.scripts.length;
      const second = await servicesAdd(h, servicesStep(), "run2");
      assert.match(second.stdout, /already right; not written/);
      assert.deepStrictEqual(h.scripts.slice(sent).map(kind), ["read"]);
      assert.strictEqual(h.text(`${AT}.upchain-run2.bak`), undefined);
    });

    it("a last line without a line ending gets one before the entries, so none is glued onto it", async () => {
      const h = new WindowsFilesHost({ [AT]: "# services\r\nsmtp 25/tcp" });
      assert.strictEqual((await servicesAdd(h, servicesStep(), "run1")).code, 0);
      assert.strictEqual(h.text(AT), "# services\r\nsmtp 25/tcp\r\nimap            143/tcp\r\npop3            110/tcp\r\n");
    });

    it("a clash fails the step naming the line, and nothing is copied or written", async () => {
      const h = new WindowsFilesHost({ [AT]: "mail 110/tcp\r\n" });
      const r = await servicesAdd(h, servicesStep(), "run1");
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, /line 1 \("mail 110\/tcp"\): 110\/tcp is taken by "mail", so pop3 110\/tcp cannot be added/);
      assert.deepStrictEqual(h.scripts.map(kind), ["read"]);
      assert.deepStrictEqual([...h.files.keys()], [AT]);
    });

    it("a services file that is not there fails the step, and none is created", async () => {
      const h = new WindowsFilesHost();
      const r = await servicesAdd(h, servicesStep(), "run1");
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, /%SystemRoot%\\System32\\drivers\\etc\\services does not exist on the host/);
      assert.strictEqual(h.files.size, 0);
    });

    it("a file that is not UTF-8 text, a UTF-16 one, a link or one too large is refused before anything is written, saying what to do", async () => {
      const cases: [Record<string, string | Buffer>, string[], RegExp][] = [
        [{ [AT]: Buffer.from("# caf\xe9\r\nsmtp 25/tcp\r\n", "latin1") }, [], /is not UTF-8 text .*save it as UTF-8 or ASCII, then run again/],
        [{ [AT]: Buffer.from("\ufeffsmtp 25/tcp\r\n", "utf16le") }, [], /holds NUL bytes: it is not a text file in UTF-8 or ASCII \(a UTF-16 file\?\)/],
        [{ [AT]: "smtp 25/tcp\r\n" }, [AT], /is a link \(a reparse point\).*give the path of the file it points to/],
        [{ [AT]: "#".repeat(1024 * 1024 + 1) }, [], /holds 1048577 bytes, more than the 1048576 a file upchain edits may hold/],
      ];
      for (const [files, links, why] of cases) {
        const h = new WindowsFilesHost(files, { links });
        await assert.rejects(servicesAdd(h, servicesStep(), "run1"), (e: unknown) => {
          assert.ok(isUpchainError(e, "REMOTE_IO_FAILED"), String(e));
          assert.match(e.message, /%SystemRoot%\\System32\\drivers\\etc\\services /);
          assert.match(e.message, why);
          return true;
        });
        assert.deepStrictEqual(h.scripts.map(kind), ["read"]);
      }
    });

    it("when the file does not read back with the entries, the kept copy is put back in one step and the step fails saying so", async () => {
      const before = "smtp 25/tcp\r\n";
      const h = new WindowsFilesHost({ [AT]: before }, { ignoreWrites: true });
      const r = await servicesAdd(h, servicesStep(), "run1");
      assert.strictEqual(r.code, 1);
      assert.match(
        r.stderr,
        /the edited %SystemRoot%\\System32\\drivers\\etc\\services was rejected, and the old file is back: some entries are still missing after the write/,
      );
      assert.deepStrictEqual(h.scripts.map(kind), ["read", "copy", "write", "read", "put back"]);
      assert.strictEqual(h.text(AT), before);
      assert.strictEqual(h.text(`${AT}.upchain-run1.bak`), undefined, "the copy was used up putting it back");
    });

    it("no copy, no edit: a copy the host refuses fails the step with the host's words, and nothing is written", async () => {
      const h = new WindowsFilesHost({ [AT]: "smtp 25/tcp\r\n" }, { failCopies: true });
      const r = await servicesAdd(h, servicesStep(), "run1");
      assert.strictEqual(r.code, 1);
      assert.match(
        r.stderr,
        /^could not keep a copy of %SystemRoot%\\System32\\drivers\\etc\\services as %SystemRoot%\\System32\\drivers\\etc\\services\.upchain-run1\.bak, so it was not edited: Exception calling "Copy" with "3" argument\(s\): "Access to the path 'C:\\Windows\\System32\\drivers\\etc\\services\.upchain-run1\.bak' is denied\."$/,
      );
      assert.deepStrictEqual(h.scripts.map(kind), ["read", "copy"]);
      assert.strictEqual(h.text(AT), "smtp 25/tcp\r\n");
    });

    it("a write the host refuses changes nothing, leaves no temp file, and says nothing was changed", async () => {
      const h = new WindowsFilesHost({ [AT]: "smtp 25/tcp\r\n" }, { failWrites: true });
      await assert.rejects(
        servicesAdd(h, servicesStep(), "run1"),
        /writing %SystemRoot%\\System32\\drivers\\etc\\services failed \(nothing was changed\): There is not enough space on the disk\./,
      );
      assert.strictEqual(h.text(AT), "smtp 25/tcp\r\n");
      assert.deepStrictEqual(
        [...h.files.keys()].filter((k) => k.includes(".upchain-") && !k.endsWith(".bak")),
        [],
      );
    });
  });

  describe("upload", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-winupload-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const uploadStep = (source: string, destination: string): UploadStep => ({
      provenance: TEST_STEP,
      id: "upload-1",
      action: "upload",
      shell: "powershell",
      title: "up",
      commands: [],
      destructive: false,
      source,
      destination,
    });

    it("a file larger than one part arrives whole, each part checked at its offset, the whole sha256 checked on the host, private, and no temp file left", async function () {
      this.timeout(60_000);
      const content = randomBytes(WINDOWS_CHUNK_BYTES + 1000);
      fs.writeFileSync(path.join(dir, "gm6.zip"), content);
      const h = new WindowsFilesHost();
      const r = await upload(h, uploadStep(path.join(dir, "gm6.zip"), "C:\\pkg\\new folder\\gm6.zip"));
      assert.strictEqual(r.code, 0, r.stderr);
      assert.ok(h.files.get("C:\\pkg\\new folder\\gm6.zip")?.equals(content), "the content arrived whole");
      assert.deepStrictEqual([...h.files.keys()], ["C:\\pkg\\new folder\\gm6.zip"], "no temp file left");
      const [first, second] = h.scripts;
      assert.strictEqual(h.scripts.length, 2);
      // the first part creates the temp file (never through one already there) and makes it and the folders it creates private
      assert.match(first, /\[IO\.FileMode\]::CreateNew/);
      assert.match(
        first,
        /if \(\$first\) \{ \[void\]\[IO\.Directory\]::CreateDirectory\(\$first\); icacls \$first \/inheritance:r \/grant:r '\*S-1-5-32-544:\(OI\)\(CI\)F' '\*S-1-5-18:\(OI\)\(CI\)F'/,
      );
      assert.match(first, /icacls \$tmp \/inheritance:r \/grant:r '\*S-1-5-32-544:F' '\*S-1-5-18:F'/);
      assert.ok(first.indexOf("icacls $tmp") < first.indexOf("FromBase64String"), "private before any content is in it");
      assert.doesNotMatch(first, /\$got -ne/, "the hash is checked once the whole file is there");
      assert.ok(second.includes(`not the ${WINDOWS_CHUNK_BYTES} sent before this part`));
      assert.match(second, /\[IO\.File\]::Move\(\$tmp, \$target\)/);
      assertPowerShellOnly(h);
    });

    it("a part the host lost shows as a temp file of the wrong length, and the upload fails without moving anything in", async function () {
      this.timeout(60_000);
      fs.writeFileSync(path.join(dir, "gm6.zip"), randomBytes(WINDOWS_CHUNK_BYTES + 10));
      const h = new WindowsFilesHost();
      const original = h.exec.bind(h);
      let n = 0;
      // the first part's answer says done, but the host never got it
      h.exec = async (command, options) => (n++ === 0 ? { code: 0, signal: null, stdout: "", stderr: "" } : original(command, options));
      await assert.rejects(
        upload(h, uploadStep(path.join(dir, "gm6.zip"), "C:\\pkg\\gm6.zip")),
        /writing C:\\pkg\\gm6\.zip failed \(part 2 of 2\) \(nothing was changed\)/,
      );
      assert.strictEqual(h.files.size, 0);
    });

    it("a folder keeps its tree under the destination, with Windows separators", async () => {
      fs.mkdirSync(path.join(dir, "pkg", "sub"), { recursive: true });
      fs.writeFileSync(path.join(dir, "pkg", "setup.exe"), "MZ");
      fs.writeFileSync(path.join(dir, "pkg", "sub", "data.cab"), "MSCF");
      const h = new WindowsFilesHost();
      const r = await upload(h, { ...uploadStep(path.join(dir, "pkg"), "C:\\pkg\\gm6"), directory: true });
      assert.strictEqual(r.code, 0, r.stderr);
      assert.deepStrictEqual([...h.files.keys()].sort(), ["C:\\pkg\\gm6\\setup.exe", "C:\\pkg\\gm6\\sub\\data.cab"]);
      assertPowerShellOnly(h);
    });

    it("what an interrupted upload of the same file left beside it is removed, and only that", async () => {
      fs.writeFileSync(path.join(dir, "update.exe"), "MZ new");
      const h = new WindowsFilesHost({ "C:\\pkg\\.update.exe.upchain-0123456789abcdef": "MZ ha", "C:\\pkg\\.other.exe.upchain-0123456789abcdef": "x" });
      assert.strictEqual((await upload(h, uploadStep(path.join(dir, "update.exe"), "C:\\pkg\\update.exe"))).code, 0);
      assert.deepStrictEqual([...h.files.keys()].sort(), ["C:\\pkg\\.other.exe.upchain-0123456789abcdef", "C:\\pkg\\update.exe"]);
    });
  });

  it("a named edit on Windows reads, copies, writes and checks in PowerShell, its check run as a PowerShell command", async () => {
    const file = "C:\\OraHome\\j2ee\\Oc4jPlugin.cfg";
    const h = new WindowsFilesHost({ [file]: '<JavaVM>\r\n <JVMproperties property="-Xmx512m"/>\r\n</JavaVM>\r\n' });
    const step: EditStep = {
      provenance: TEST_STEP,
      id: "heap",
      action: "edit",
      shell: "powershell",
      title: "heap",
      commands: [],
      destructive: true,
      file,
      edit: "jvm-max-heap",
      value: "1024m",
      validate: "Write-Output 'checked'",
    };
    const r = await edit(h, step, "run1");
    assert.strictEqual(r.code, 0, r.stderr);
    assert.strictEqual(h.text(file), '<JavaVM>\r\n <JVMproperties property="-Xmx1024m"/>\r\n</JavaVM>\r\n');
    assert.deepStrictEqual(h.scripts.map(kind), ["read", "copy", "write", "other"]);
    assert.strictEqual(h.scripts[3], "Write-Output 'checked'");
    assertPowerShellOnly(h);
  });

  describe("preview's read of a Windows services file", () => {
    it("reports every clash at once as SERVICES_CONFLICT, read in PowerShell, and changes nothing", async () => {
      const h = new WindowsFilesHost({ [AT]: "imap2 143/tcp\r\nmail 110/tcp\r\n" });
      await assert.rejects(precheckPlan(h, plan()), (e: unknown) => {
        assert.ok(isUpchainError(e, "SERVICES_CONFLICT"), String(e));
        assert.match(e.message, /143\/tcp is taken by "imap2"/);
        assert.match(e.message, /110\/tcp is taken by "mail"/);
        assert.match(e.message, /Nothing on the host was changed/);
        return true;
      });
      assert.deepStrictEqual(h.scripts.map(kind), ["read"]);
      assertPowerShellOnly(h);
    });

    it("names the entries the file already has, by name or alias", async () => {
      const h = new WindowsFilesHost({ [AT]: "imap2 143/tcp imap\r\n" });
      assert.deepStrictEqual((await precheckPlan(h, plan())).present, { "03-00->06-00 services-add": [{ name: "imap", port: 143, protocol: "tcp" }] });
    });

    it("a services file it cannot trust or find is a problem naming the step, never a pass", async () => {
      for (const [files, why] of [
        [
          { [AT]: Buffer.from("caf\xe9 1/tcp\r\n", "latin1") },
          /step services-add of hop 03-00->06-00 edits %SystemRoot%\\System32\\drivers\\etc\\services, which cannot be read: %SystemRoot%\\System32\\drivers\\etc\\services is not UTF-8 text/,
        ],
        [{}, /which cannot be read: there is no such file: give the path of the host's services file in the stack's options/],
      ] as [Record<string, Buffer>, RegExp][]) {
        await assert.rejects(
          precheckPlan(new WindowsFilesHost(files), plan()),
          (e: unknown) => isUpchainError(e, "SERVICES_CONFLICT") && why.test(e.message) && !e.message.includes(": Administrator@win-test:22:"),
        );
      }
    });
  });
});
