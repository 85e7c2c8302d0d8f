// How a file is replaced on a Windows host: the Windows side of atomicWrite.ts, as PowerShell scripts
// that providers/files/windowsFile.ts sends through engine/readOnHost.ts's invocation (each script on
// standard input: the content and its expected sha256 are never on a command line, and no cmd.exe
// line-length limit applies). The same contract as the POSIX script: the new content ends as a temp
// file beside the target (same volume), is checked against its sha256 in PowerShell, flushed to disk,
// then takes the target's place in one step ([IO.File]::Replace keeps the target's ACL; a new file is
// moved in); whatever fails, the temp file goes. A large file is sent in chunks, one script each, the
// first creating the temp file (never through one someone put there first) and the last finishing.
//
// PowerShell 3.0 is the floor (every catalog's minPowerShell is 3.0 or later, and preview refuses an
// older host): [NullString] is 3.0's, FileStream.Flush($true) .NET 4's; Get-FileHash (4.0) is not used,
// the hash is [Security.Cryptography.SHA256]'s. Only .NET file calls touch a path, so nothing in a
// name is read as a wildcard.
import { ADMINISTRATORS_SID, SYSTEM_SID } from "../catalogs/privateFolder";
import { quotePowerShell as q } from "../quote";

/** Bytes per script: about 11 MB of base64 on standard input, within what an old server's PowerShell decodes comfortably. */
export const WINDOWS_CHUNK_BYTES = 8 * 1024 * 1024;

/** The longest file name NTFS takes is 255 characters; the temp name adds ".", ".upchain-" and 16 hex digits. */
const NAME_KEPT = 200;

export interface WindowsTarget {
  /** The path as the step or option names it (absolute). */
  path: string;
  /** Expand %VARIABLE%s in it on the host: only for an option that allows them (Groupmax's services file). */
  expand?: boolean;
}

export interface WindowsReplace extends WindowsTarget {
  /** Random hex, chosen once for all the scripts of one write: the temp file's suffix. */
  random: string;
  /** The sha256 (lowercase hex) the whole content must have. */
  sha256: string;
  /**
   * An upload: the folders this write creates and the new file are Administrators' and SYSTEM's only
   * (as POSIX uploads are 0700 folders and 0600 files). An edited file keeps its own ACL either way.
   */
  private?: boolean;
}

const strict = "$ErrorActionPreference = 'Stop'";

/**
 * PowerShell that sets `$<name>` to the target's full path, expanded on the host when the option allows
 * variables; a path that is not absolute once expanded (a variable the host does not have stays
 * %LIKE_THIS%) is refused rather than taken relative to wherever the session starts.
 */
export function resolvePath(name: string, t: WindowsTarget): string {
  const given = t.expand ? `[Environment]::ExpandEnvironmentVariables(${q(t.path)})` : q(t.path);
  return (
    `$${name} = ${given}; if ($${name} -notmatch '^([A-Za-z]:\\\\|\\\\\\\\)') { throw (${q(t.path)} + ' is ' + $${name} + ' on this host, not an absolute path') }; ` +
    `$${name} = [IO.Path]::GetFullPath($${name})`
  );
}

/** $target, $dir and $tmp (`<dir>\.<name>.upchain-<random>`: beside the target, on its volume, recognisably ours). */
function prelude(w: WindowsReplace): string[] {
  return [
    strict,
    resolvePath("target", w),
    `$dir = [IO.Path]::GetDirectoryName($target); $name = [IO.Path]::GetFileName($target)`,
    `if (-not $name -or [IO.Directory]::Exists($target)) { throw ($target + ' does not name a file') }`,
    `if ($name.Length -gt ${NAME_KEPT}) { $name = $name.Substring(0, ${NAME_KEPT}) }`,
    `$tmp = [IO.Path]::Combine($dir, '.' + $name + ${q(`.upchain-${w.random}`)})`,
  ];
}

const restrict = (path: string, inherit: boolean, what: string) => {
  const grants = [ADMINISTRATORS_SID, SYSTEM_SID].map((sid) => q(`*${sid}:${inherit ? "(OI)(CI)" : ""}F`)).join(" ");
  return `icacls ${path} /inheritance:r /grant:r ${grants} | Out-Null; if ($LASTEXITCODE -ne 0) { throw ('icacls could not restrict ' + ${what} + ' to Administrators and SYSTEM (exit ' + $LASTEXITCODE + ')') }`;
};

/** Make the target's folder; a private write makes the first folder it creates private, so all below it inherit that. */
function makeFolder(w: WindowsReplace): string[] {
  if (!w.private) return ["[void][IO.Directory]::CreateDirectory($dir)"];
  return [
    `$first = $null; $d = $dir; while ($d -and -not [IO.Directory]::Exists($d)) { $first = $d; $d = [IO.Path]::GetDirectoryName($d) }`,
    `if ($first) { [void][IO.Directory]::CreateDirectory($first); ${restrict("$first", true, "$first")} }`,
    "[void][IO.Directory]::CreateDirectory($dir)",
  ];
}

/** Create the temp file empty: what an interrupted write of this target left goes first (its name says it is ours), and CreateNew never opens a file someone put there since. */
function createTemp(w: WindowsReplace): string[] {
  return [
    `foreach ($old in (New-Object IO.DirectoryInfo $dir).GetFiles('.' + $name + '.upchain-*')) { if ($old.Name.StartsWith('.' + $name + '.upchain-', [StringComparison]::Ordinal)) { [IO.File]::Delete($old.FullName) } }`,
    `$out = New-Object IO.FileStream($tmp, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::None); $out.Close()`,
    // private before a byte of the content is in it
    ...(w.private ? [restrict("$tmp", false, "$tmp")] : []),
  ];
}

/** Append `chunk` at `offset`: a chunk sent twice or one missing shows as a length that is not the offset. */
function append(chunk: Buffer, offset: number): string[] {
  return [
    ...(offset === 0
      ? []
      : [
          `if ((New-Object IO.FileInfo $tmp).Length -ne ${offset}) { throw ('the temp file ' + $tmp + ' holds ' + (New-Object IO.FileInfo $tmp).Length + ' bytes, not the ${offset} sent before this part') }`,
        ]),
    `$bytes = [Convert]::FromBase64String(${q(chunk.toString("base64"))})`,
    `$out = New-Object IO.FileStream($tmp, [IO.FileMode]::Append, [IO.FileAccess]::Write, [IO.FileShare]::None); try { $out.Write($bytes, 0, $bytes.Length); $out.Flush($true) } finally { $out.Close() }`,
  ];
}

/** Check the whole temp file's sha256, then put it in the target's place in one step. */
function finish(w: WindowsReplace): string[] {
  return [
    `$in = [IO.File]::OpenRead($tmp); try { $got = [BitConverter]::ToString([Security.Cryptography.SHA256]::Create().ComputeHash($in)).Replace('-', '').ToLowerInvariant() } finally { $in.Close() }`,
    `if ($got -ne ${q(w.sha256)}) { throw 'the copy written on the host does not have the sha256 of what was sent (neither is printed: the file may hold secrets)' }`,
    `if ([IO.File]::Exists($target)) { [IO.File]::Replace($tmp, $target, [NullString]::Value) } else { [IO.File]::Move($tmp, $target) }`,
  ];
}

/**
 * The scripts that write `content` as `w.path`, in order: each must succeed before the next is sent.
 * A part that fails removes the temp file; the last one removes it whatever happens.
 */
export function windowsReplaceScripts(w: WindowsReplace, content: Buffer): string[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < content.length; at += WINDOWS_CHUNK_BYTES) parts.push(content.subarray(at, at + WINDOWS_CHUNK_BYTES));
  if (!parts.length) parts.push(Buffer.alloc(0));
  let offset = 0;
  return parts.map((chunk, i) => {
    const first = i === 0;
    const last = i === parts.length - 1;
    const body = [...(first ? createTemp(w) : []), ...append(chunk, offset), ...(last ? finish(w) : [])];
    offset += chunk.length;
    const cleanup = "if ([IO.File]::Exists($tmp)) { [IO.File]::Delete($tmp) }";
    return [
      ...prelude(w),
      ...(first ? makeFolder(w) : []),
      `try {`,
      ...body.map((l) => `  ${l}`),
      last ? `} finally { ${cleanup} }` : `} catch { ${cleanup}; throw }`,
    ].join("\n");
  });
}

/** What windowsReadScript prints before the content, so nothing else on standard output is taken for it. */
export const READ_MARK = "upchain-file";

/**
 * A read of a file as data: `upchain-file <base64>`, or `upchain-file missing|folder|link|large <length>`.
 * A link (a reparse point) is not followed: a file upchain edits is replaced in place, which would turn
 * the link into a file. A file over `maxBytes` is not read at all.
 */
export function windowsReadScript(t: WindowsTarget, maxBytes: number): string {
  return [
    strict,
    resolvePath("path", t),
    `if ([IO.Directory]::Exists($path)) { Write-Output '${READ_MARK} folder'; return }`,
    `if (-not [IO.File]::Exists($path)) { Write-Output '${READ_MARK} missing'; return }`,
    `$f = New-Object IO.FileInfo $path`,
    `if ($f.Attributes -band [IO.FileAttributes]::ReparsePoint) { Write-Output '${READ_MARK} link'; return }`,
    `if ($f.Length -gt ${maxBytes}) { Write-Output ('${READ_MARK} large ' + $f.Length); return }`,
    `Write-Output ('${READ_MARK} ' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($path)))`,
  ].join("\n");
}

/** Copy `t` to its backup (`<file><suffix>`, beside it), flushed to disk before anything is written. */
export function windowsKeepCopyScript(t: WindowsTarget, suffix: string): string {
  return [
    strict,
    resolvePath("file", t),
    `$copy = $file + ${q(suffix)}`,
    `[IO.File]::Copy($file, $copy, $true)`,
    `$s = New-Object IO.FileStream($copy, [IO.FileMode]::Open, [IO.FileAccess]::ReadWrite); try { $s.Flush($true) } finally { $s.Close() }`,
  ].join("\n");
}

/** Put the backup (`<file><suffix>`) back in the file's place in one step (the backup is used up, as POSIX's mv does). */
export function windowsPutBackScript(t: WindowsTarget, suffix: string): string {
  return [strict, resolvePath("file", t), `$copy = $file + ${q(suffix)}`, `[IO.File]::Replace($copy, $file, [NullString]::Value)`].join("\n");
}
