// A Windows server's files, for the executor's file steps on Windows (providers/files/windowsFile.ts):
// a RecordingHost (every line recorded as the server receives it) whose answers carry out what each
// PowerShell script of transport/atomicWriteWindows.ts asks, recognised from the script's text, on an
// in-memory file system. No PowerShell runs here: what this proves is upchain's side (the order of the
// scripts, what each carries, what is done with the answers); the scripts themselves are judged by
// the grammar (psParse.ts) and read by the tests.
import { createHash } from "crypto";
import { RecordingHost } from "./recordingHost";
import { psLiterals } from "./powershell";

const SYSTEM_ROOT = "C:\\Windows";

/** Where a script's path literal points on this host: %SystemRoot% expanded, as ExpandEnvironmentVariables would. */
const expand = (p: string) => p.replace(/%SystemRoot%/gi, SYSTEM_ROOT);

export interface WindowsFilesOptions {
  /** Paths that are links (reparse points). */
  links?: string[];
  /** Copy scripts exit 1 (as a folder that refuses new files would), copying nothing. */
  failCopies?: boolean;
  /** Write scripts exit 1 (as a full disk would), changing nothing. */
  failWrites?: boolean;
  /** Write scripts exit 0 but change nothing (a file something else puts back at once): the step's own check must notice. */
  ignoreWrites?: boolean;
}

export class WindowsFilesHost extends RecordingHost {
  /** Full path -> content. */
  readonly files = new Map<string, Buffer>();
  /** The scripts sent, decoded, in order. */
  readonly scripts: string[] = [];

  constructor(initial: Record<string, string | Buffer> = {}, o: WindowsFilesOptions = {}) {
    // (the answer runs later, once the host exists; `this` cannot be named before super returns)
    const self: { host?: WindowsFilesHost } = {};
    super((_line, stdin) => self.host!.carryOut(Buffer.from(stdin ?? "", "base64").toString("utf8"), o));
    self.host = this;
    for (const [p, c] of Object.entries(initial)) this.files.set(expand(p), Buffer.from(c));
  }

  text(p: string): string | undefined {
    return this.files.get(expand(p))?.toString("utf8");
  }

  private carryOut(script: string, o: WindowsFilesOptions): { code?: number; stdout?: string; stderr?: string } {
    this.scripts.push(script);
    const first = (re: RegExp) => {
      const line = script.split("\n").find((l) => re.test(l));
      return line === undefined ? undefined : psLiterals(line);
    };
    const pathOf = (variable: string) => expand(first(new RegExp(`^\\$${variable} = `))![0]);
    if (script.includes("'upchain-file missing'")) {
      const p = pathOf("path");
      const content = this.files.get(p);
      if (content === undefined) return { stdout: "upchain-file missing\r\n" };
      if (o.links?.includes(p)) return { stdout: "upchain-file link\r\n" };
      const max = Number(/\$f\.Length -gt (\d+)/.exec(script)![1]);
      if (content.length > max) return { stdout: `upchain-file large ${content.length}\r\n` };
      return { stdout: `upchain-file ${content.toString("base64")}\r\n` };
    }
    if (script.includes("[IO.File]::Copy($file, $copy, $true)")) {
      const p = pathOf("file");
      const suffix = first(/^\$copy = \$file \+ /)![0];
      if (o.failCopies || !this.files.has(p))
        return { code: 1, stderr: `Exception calling "Copy" with "3" argument(s): "Access to the path '${p}${suffix}' is denied."` };
      this.files.set(p + suffix, this.files.get(p)!);
      return {};
    }
    if (script.includes("[IO.File]::Replace($copy, $file")) {
      const p = pathOf("file");
      const copy = p + first(/^\$copy = \$file \+ /)![0];
      this.files.set(p, this.files.get(copy)!);
      this.files.delete(copy);
      return {};
    }
    if (script.includes("$tmp = [IO.Path]::Combine(")) return this.write(script, pathOf("target"), o);
    return {};
  }

  /** One part of a write: the temp file made, a chunk appended at its offset, and on the last part the hash checked and the file moved in. */
  private write(script: string, target: string, o: WindowsFilesOptions): { code?: number; stdout?: string; stderr?: string } {
    if (o.failWrites) return { code: 1, stderr: "There is not enough space on the disk." };
    const dir = target.slice(0, target.lastIndexOf("\\"));
    const suffix = psLiterals(script.split("\n").find((l) => l.startsWith("$tmp = "))!).slice(-1)[0];
    const tmp = `${dir}\\.${target.slice(dir.length + 1)}${suffix}`;
    if (script.includes("[IO.FileMode]::CreateNew")) {
      for (const k of [...this.files.keys()]) if (k.startsWith(`${dir}\\.${target.slice(dir.length + 1)}.upchain-`)) this.files.delete(k);
      this.files.set(tmp, Buffer.alloc(0));
    }
    const have = this.files.get(tmp);
    if (have === undefined) return { code: 1, stderr: `Could not find file '${tmp}'.` };
    const offset = /holds ' \+ .* bytes, not the (\d+) sent/.exec(script);
    if (offset && Number(offset[1]) !== have.length) {
      this.files.delete(tmp);
      return { code: 1, stderr: `the temp file ${tmp} holds ${have.length} bytes, not the ${offset[1]} sent before this part` };
    }
    const chunk = Buffer.from(/\[Convert\]::FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(script)![1], "base64");
    const now = Buffer.concat([have, chunk]);
    this.files.set(tmp, now);
    const expected = /if \(\$got -ne '([0-9a-f]{64})'\)/.exec(script);
    if (!expected) return {};
    this.files.delete(tmp);
    const got = createHash("sha256").update(now).digest("hex");
    if (got !== expected[1]) return { code: 1, stderr: `sha256 ${got}, expected ${expected[1]}` };
    if (!o.ignoreWrites) this.files.set(target, now);
    return {};
  }
}
