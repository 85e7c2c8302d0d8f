// How a command reaches the host in its own shell. An sh one as written, through sudo for a login
// other than root. A PowerShell one as `powershell -NoProfile -NonInteractive -EncodedCommand <b>`,
// where <b> is a short, constant bootstrap that reads the script from standard input (base64 of its
// UTF-8) and runs it: the line holds only base64, which every shell OpenSSH may start on Windows
// (cmd.exe by default, PowerShell) passes as it is, so no quoting rule of any shell applies; the
// script's length is not bound by cmd.exe's 8191-character line; its non-ASCII text (French, Japanese
// messages) survives the console's code page; and what it holds never shows in a process list.
// A Windows login has no sudo: its rights are the account's (an administrator, checked at preview).
// Shared by the version probe (server/installed.ts), the host checks preview runs (planning/precheck.ts),
// the update offer and the steps up runs (running/: fileSteps, httpStep, reboot), so all reach a Windows
// host the same way. That is why it sits at the top of engine/, in neither half: both use it, and it
// needs nothing of either but the Shell type.
import { ExecResult, RemoteHost } from "../transport/remoteHost";
import { Shell } from "./planning/catalog";

/** The PowerShell that runs the script given on standard input (base64 of its UTF-8 text). */
export const POWERSHELL_FROM_STDIN =
  "$s = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String([Console]::In.ReadToEnd())); & ([ScriptBlock]::Create($s))";

const POWERSHELL_LINE = `powershell -NoProfile -NonInteractive -EncodedCommand ${Buffer.from(POWERSHELL_FROM_STDIN, "utf16le").toString("base64")}`;

/** What is sent to run `c` in its shell: the line, its standard input, and whether through sudo. */
export function invocationOf(c: { shell: Shell; command: string }): { line: string; stdin?: string; sudo: boolean } {
  if (c.shell === "powershell") return { line: POWERSHELL_LINE, stdin: Buffer.from(c.command, "utf8").toString("base64"), sudo: false };
  return { line: c.command, sudo: true };
}

/** Run `c` on the host in its shell, with the rights of root (sudo) or of the Windows administrator. */
export function runInItsShell(host: RemoteHost, c: { shell: Shell; command: string }): Promise<ExecResult> {
  const i = invocationOf(c);
  return host.exec(i.line, { sudo: i.sudo, ...(i.stdin === undefined ? {} : { stdin: i.stdin }) });
}

/** A read-only command, run in its shell (runInItsShell; the name says the caller only reads). */
export const readOnHost = runInItsShell;
