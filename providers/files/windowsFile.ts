// One file on a Windows host, in PowerShell (transport/atomicWriteWindows.ts's scripts, sent as
// engine/readOnHost.ts sends every Windows command): read as data, written atomically and
// sha256-checked, a copy kept beside it and put back. Used by the executor's own file steps
// (engine/running/fileSteps.ts: upload, edit, services-add), preview's services read (engine/planning/precheck.ts) and
// the file sets (windows.ts). What the host answers is data: bounded, checked as base64 and as UTF-8
// text, never run and never shown raw.
import { createHash, randomBytes } from "crypto";
import { runInItsShell } from "../engine/readOnHost";
import { UpchainError } from "../errors";
import {
  READ_MARK,
  WindowsTarget,
  windowsKeepCopyScript,
  windowsPutBackScript,
  windowsReadScript,
  windowsReplaceScripts,
} from "../transport/atomicWriteWindows";
import { RemoteHost } from "../transport/remoteHost";

/** The largest file upchain reads to edit: a services or configuration file is a few kilobytes. */
const WINDOWS_EDITABLE_MAX_BYTES = 1024 * 1024;

/** Host output in a message: printable ASCII only, bounded. */
const shown = (t: string) =>
  t
    .trim()
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 300);

async function run(h: RemoteHost, failure: string, script: string): Promise<string> {
  const r = await runInItsShell(h, { shell: "powershell", command: script });
  if (r.code !== 0) throw new UpchainError("REMOTE_IO_FAILED", `${h.label}: ${failure}: ${shown(r.stderr) || shown(r.stdout) || `exit status ${r.code}`}`);
  return r.stdout;
}

/** Write `data` as the file `t`, through a temp file beside it, sha256-checked on the host; nothing changes when any part fails. */
export async function windowsPutFile(h: RemoteHost, t: WindowsTarget & { private?: boolean }, data: Buffer): Promise<void> {
  const sha256 = createHash("sha256").update(data).digest("hex");
  const scripts = windowsReplaceScripts({ ...t, random: randomBytes(8).toString("hex"), sha256 }, data);
  for (const [i, script] of scripts.entries()) {
    const part = scripts.length > 1 ? ` (part ${i + 1} of ${scripts.length})` : "";
    await run(h, `writing ${t.path} failed${part} (nothing was changed)`, script);
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The text of the file `t`, or undefined when there is none. A folder, a link, a file over `maxBytes`,
 * or one that is not UTF-8 text is refused (REMOTE_IO_FAILED) naming the path and what to do.
 */
export async function windowsReadText(h: RemoteHost, t: WindowsTarget, maxBytes = WINDOWS_EDITABLE_MAX_BYTES): Promise<string | undefined> {
  const out = await run(h, `cannot read ${t.path}`, windowsReadScript(t, maxBytes));
  // the marked line only; its length is bounded before it is decoded (base64 is 4/3 of the bytes)
  const line = out.split(/\r?\n/).find((l) => l.startsWith(`${READ_MARK} `));
  const refuse = (why: string) => new UpchainError("REMOTE_IO_FAILED", `${h.label}: ${t.path} ${why}`);
  // (what else it printed is not shown: a file upchain edits may hold anything)
  if (line === undefined) throw refuse(`could not be read: the host's answer holds no content (${out.length} characters of other output)`);
  const answer = line.slice(READ_MARK.length + 1).trim();
  if (answer === "missing") return undefined;
  if (answer === "folder") throw refuse("is a folder, not a file: give the file's path");
  if (answer === "link")
    throw refuse("is a link (a reparse point): upchain edits only a regular file, which it replaces in place; give the path of the file it points to");
  if (answer.startsWith("large "))
    throw refuse(`holds ${shown(answer.slice(6))} bytes, more than the ${maxBytes} a file upchain edits may hold; check it is the right file`);
  if (answer.length > Math.ceil(maxBytes / 3) * 4 || !BASE64.test(answer)) throw refuse("could not be read: the host's answer is not the file's content");
  const bytes = Buffer.from(answer, "base64");
  if (bytes.includes(0)) throw refuse("holds NUL bytes: it is not a text file in UTF-8 or ASCII (a UTF-16 file?); save it as UTF-8 or ASCII, then run again");
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw refuse(
      "is not UTF-8 text (ANSI characters outside ASCII?): upchain would not write back what it cannot read exactly; save it as UTF-8 or ASCII, then run again",
    );
  }
}

/** The host's words when `script` fails, printable and bounded; undefined when it succeeds. */
async function failureOf(h: RemoteHost, script: string): Promise<string | undefined> {
  const r = await runInItsShell(h, { shell: "powershell", command: script });
  return r.code === 0 ? undefined : shown(r.stderr) || shown(r.stdout) || `exit status ${r.code}`;
}

/** Copy the file `t` to `<path><suffix>` beside it, flushed to disk; the host's words when it cannot. */
export function windowsKeepCopy(h: RemoteHost, t: WindowsTarget, suffix: string): Promise<string | undefined> {
  return failureOf(h, windowsKeepCopyScript(t, suffix));
}

/** Put `<path><suffix>` back in the place of the file `t`, in one step; the host's words when it cannot. */
export function windowsPutBack(h: RemoteHost, t: WindowsTarget, suffix: string): Promise<string | undefined> {
  return failureOf(h, windowsPutBackScript(t, suffix));
}
