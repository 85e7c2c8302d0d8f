// A file set on a Windows host, in PowerShell (run as engine/readOnHost.ts runs every Windows command:
// the script on standard input, so a 1 MB file's content is not bound by a command line). The same
// contract as on Linux (impl.ts): the folder's files are read back as data (each name and content
// base64, a large file only flagged), a copy of every file replaced or removed is kept before anything
// changes, each new content lands in a temp file beside its target, is checked against its sha256 and
// then takes the target's place. Only .NET file calls touch a path: nothing in a name or folder is
// read as a wildcard ([e] stays [e]), and no cmdlet newer than Windows PowerShell 3.0 is used.
import { win32 } from "path";
import { UpchainError } from "../errors";
import { quotePowerShell as q } from "../quote";
import { runInItsShell } from "../engine/readOnHost";
import { RemoteHost } from "../transport/remoteHost";
import { windowsPutFile } from "./windowsFile";

const strict = "$ErrorActionPreference = 'Stop'";
const fromB64 = (t: string) => Buffer.from(t, "base64").toString("utf8");

async function run(h: RemoteHost, what: string, lines: string[]): Promise<string> {
  const r = await runInItsShell(h, { shell: "powershell", command: [strict, ...lines].join("\n") });
  if (r.code !== 0)
    throw new UpchainError("COMMAND_FAILED", `${h.label}: ${what}: ${(r.stderr.trim() || r.stdout.trim()).replace(/[^\x20-\x7e]/g, "?").slice(0, 300)}`);
  return r.stdout;
}

/** Where copies of replaced or removed files are kept: upchain's own folder under %ProgramData%, one per run. */
export const windowsKeepFolder = (product: string, fileSet: string, run: string) =>
  `$env:ProgramData + ${q(`\\upchain\\files\\${product}-${fileSet}\\${run}`)}`;

/**
 * The regular files of `folder` (no folder, no link or other reparse point), by name: content as UTF-8
 * text, or `large` for one over `maxBytes` (the caller refuses it when the set owns it).
 */
export async function windowsFolderFiles(h: RemoteHost, folder: string, maxBytes: number): Promise<Map<string, string | { large: true }>> {
  const out = await run(h, `the folder ${folder} cannot be listed`, [
    `$dir = ${q(folder)}`,
    `if ([IO.Directory]::Exists($dir)) { foreach ($f in (New-Object IO.DirectoryInfo $dir).GetFiles()) { ` +
      `if ($f.Attributes -band [IO.FileAttributes]::ReparsePoint) { continue }; $name = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($f.Name)); ` +
      `if ($f.Length -gt ${maxBytes}) { Write-Output ($name + ' large') } else { Write-Output ($name + ' ' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($f.FullName))) } } }`,
  ]);
  const files = new Map<string, string | { large: true }>();
  for (const line of out.split(/\r?\n/).filter(Boolean)) {
    const [name, content = ""] = line.trim().split(" ");
    files.set(fromB64(name), content === "large" ? { large: true } : fromB64(content));
  }
  return files;
}

/** Keep a copy of each of `names` (in `folder`) in `keep`, a private folder of its own. */
export async function windowsKeepCopies(h: RemoteHost, folder: string, names: string[], keep: string): Promise<void> {
  await run(h, `could not keep a copy of ${names.join(", ")}`, [
    `$dir = ${q(folder)}; $keep = ${keep}; [void][IO.Directory]::CreateDirectory($keep)`,
    // Administrators and SYSTEM only, as every folder upchain keeps things in (catalogs/privateFolder.ts)
    `icacls $keep /inheritance:r /grant:r '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-18:(OI)(CI)F' | Out-Null; if ($LASTEXITCODE -ne 0) { throw ('icacls could not restrict ' + $keep + ' (exit ' + $LASTEXITCODE + ')') }`,
    `foreach ($n in @(${names.map(q).join(", ")})) { [IO.File]::Copy([IO.Path]::Combine($dir, $n), [IO.Path]::Combine($keep, $n), $true) }`,
    `Write-Output $keep`,
  ]);
}

/** Write `text` as `folder\name`: a temp file beside it, its sha256 checked, then put in the target's place (windowsFile.ts, as the executor's file steps write). */
export async function windowsWriteFile(h: RemoteHost, folder: string, name: string, text: string): Promise<void> {
  await windowsPutFile(h, { path: win32.join(folder, name) }, Buffer.from(text, "utf8"));
}

/** Remove `names` from `folder` (their copies were kept first). */
export async function windowsRemoveFiles(h: RemoteHost, folder: string, names: string[]): Promise<void> {
  await run(h, `could not remove ${names.join(", ")} from ${folder}`, [
    `$dir = ${q(folder)}`,
    `foreach ($n in @(${names.map(q).join(", ")})) { [IO.File]::Delete([IO.Path]::Combine($dir, $n)) }`,
  ]);
}
