// The steps the executor carries out itself instead of running commands: uploads, named file edits
// and services-file additions. Edits follow lineinfile: compute the new text purely, write only when
// it changed, keep a backup, write through a temp file and rename (RemoteHost.writeFile), validate,
// and put the old file back when validation fails. A step's shell says how the host's files are
// reached: POSIX commands and the transport's sh atomic replace, or on Windows PowerShell through
// readOnHost's invocation (files/windowsFile.ts: the same temp file beside the target, sha256 check,
// kept copy and one-step replace), so no POSIX command reaches a Windows server.
import * as fs from "fs";
import * as path from "path";
import { EditOutcome } from "../../edits/edit";
import { applyNamedEdit, hasNamedEdit } from "../../edits/index";
import { addServices, servicesConflictLines } from "../../edits/services";
import { windowsKeepCopy, windowsPutBack, windowsPutFile, windowsReadText } from "../../files/windowsFile";
import { quote as q } from "../../quote";
import { RemoteHost } from "../../transport/remoteHost";
import { DetachedResult } from "./detached";
import { EditStep, ServicesAddStep, Shell, UploadStep } from "../planning/catalog";
import { runInItsShell } from "../readOnHost";

const ok = (stdout: string): DetachedResult => ({ code: 0, stdout, stderr: "" });
const failed = (stderr: string, stdout = ""): DetachedResult => ({ code: 1, stdout, stderr });

export async function upload(host: RemoteHost, step: UploadStep): Promise<DetachedResult> {
  const { source, destination } = step;
  if (!source || !fs.existsSync(source)) return failed(`local file ${source || "(none given)"} does not exist`);
  const windows = step.shell === "powershell";
  const files: [string, string][] = fs.statSync(source).isDirectory()
    ? listFiles(source).map((f) => [path.join(source, f), windows ? path.win32.join(destination, ...f.split("/")) : `${destination}/${f}`])
    : [[source, destination]];
  for (const [from, to] of files) {
    if (windows) {
      // uploads are private there too: the folders it creates and the file are Administrators' and SYSTEM's only
      await windowsPutFile(host, { path: to, private: true }, fs.readFileSync(from));
      continue;
    }
    // uploads are private: folders upchain creates are 0700, files 0600 (0700 when executable)
    const dir = await host.exec(`umask 077; mkdir -p -- ${q(path.posix.dirname(to))}`, { sudo: true });
    if (dir.code !== 0) return failed(`cannot create ${path.posix.dirname(to)} on the host: ${dir.stderr.trim()}`);
    await host.writeFile(to, fs.readFileSync(from), fs.statSync(from).mode & 0o111 ? 0o700 : 0o600);
  }
  return ok(`uploaded ${files.length} file(s) to ${destination}\n`);
}

function listFiles(dir: string, prefix = ""): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name), path.posix.join(prefix, e.name)) : [path.posix.join(prefix, e.name)]));
}

/** How an edit reaches the file on its host; each failure is the host's words, for the step's message. */
interface FileAccess {
  /** The file's text, or undefined when there is no such file. */
  read(file: string): Promise<string | undefined>;
  keepCopy(file: string, backup: string): Promise<string | undefined>;
  write(file: string, text: string): Promise<void>;
  putBack(backup: string, file: string): Promise<string | undefined>;
}

/** POSIX: test -f, the transport's read, cp -p and sync, the file's own mode kept, mv back. */
const posixFiles = (host: RemoteHost): FileAccess => ({
  async read(file) {
    const exists = await host.exec(`test -f ${q(file)}`, { sudo: true });
    return exists.code === 0 ? (await host.readFile(file)).toString("utf8") : undefined;
  },
  async keepCopy(file, backup) {
    const copied = await host.exec(`cp -p -- ${q(file)} ${q(backup)} && sync -- ${q(backup)}`, { sudo: true });
    return copied.code === 0 ? undefined : copied.stderr.trim();
  },
  async write(file, text) {
    const mode = await host.exec(`stat -c %a -- ${q(file)}`, { sudo: true });
    const perms = /^[0-7]{3,4}$/.test(mode.stdout.trim()) ? parseInt(mode.stdout.trim(), 8) : 0o644;
    await host.writeFile(file, text, perms);
  },
  async putBack(backup, file) {
    const back = await host.exec(`mv -f -- ${q(backup)} ${q(file)}`, { sudo: true });
    return back.code === 0 ? undefined : back.stderr.trim();
  },
});

/**
 * Windows, in PowerShell: the file read as data (bounded, UTF-8 checked), the copy and the put-back
 * beside it, the write through windowsPutFile (Replace keeps the file's ACL). A path option that
 * allows variables (%SystemRoot%\System32\drivers\etc\services) is expanded on the host.
 */
const windowsFiles = (host: RemoteHost): FileAccess => {
  const at = (file: string) => ({ path: file, expand: true });
  // the backup is always `<file><suffix>` (editFile names it so); the scripts build it from the expanded path
  return {
    read: (file) => windowsReadText(host, at(file)),
    keepCopy: (file, backup) => windowsKeepCopy(host, at(file), backup.slice(file.length)),
    write: (file, text) => windowsPutFile(host, at(file), Buffer.from(text, "utf8")),
    putBack: (backup, file) => windowsPutBack(host, at(file), backup.slice(file.length)),
  };
};

const filesOf = (host: RemoteHost, shell: Shell): FileAccess => (shell === "powershell" ? windowsFiles(host) : posixFiles(host));

/** Read, transform, and (only when changed) back up + write atomically + validate. */
async function editFile(
  host: RemoteHost,
  shell: Shell,
  file: string,
  run: string,
  transform: (text: string) => EditOutcome,
  validate: (host: RemoteHost) => Promise<string | undefined>,
): Promise<DetachedResult> {
  const files = filesOf(host, shell);
  const text = await files.read(file);
  if (text === undefined) return failed(`${file} does not exist on the host`);
  const r = transform(text);
  if ("error" in r) return failed(r.error);
  if (!r.changed) return ok(`${file} already right; not written\n`);
  const backup = `${file}.upchain-${run}.bak`;
  // the old file is copied aside before anything is written; no copy, no edit
  const copyFailed = await files.keepCopy(file, backup);
  if (copyFailed !== undefined) return failed(`could not keep a copy of ${file} as ${backup}, so it was not edited: ${copyFailed}`);
  await files.write(file, r.after);
  const problem = await validate(host);
  if (problem) {
    const backFailed = await files.putBack(backup, file);
    if (backFailed !== undefined)
      return failed(`the edited ${file} was rejected (${problem}), and putting the old file back failed too: ${backFailed}; the old file is ${backup}`);
    return failed(`the edited ${file} was rejected, and the old file is back: ${problem}`);
  }
  return ok(`edited ${file} (backup ${backup})\n`);
}

/** A named edit from providers/edits (with its value computed on the host when the step says how). */
export async function edit(host: RemoteHost, step: EditStep, run: string): Promise<DetachedResult> {
  // a step of a catalog of one's own may name any edit: refused before its value command runs
  if (!hasNamedEdit(step.edit)) return failed(`no edit named ${step.edit}`);
  // the value and the check are commands in the step's shell, sent as every command of that shell is
  const value = step.valueCommand ? await runInItsShell(host, { shell: step.shell, command: step.valueCommand }) : undefined;
  if (value && value.code !== 0) return failed(`could not compute the new value: ${value.stderr}`, value.stdout);
  // a value the plan fixed (shown in preview), else the one computed on the host, else none
  const given = typeof step.value === "string" ? step.value : (value?.stdout.trim() ?? "");
  const validate = step.validate;
  return editFile(
    host,
    step.shell,
    step.file,
    run,
    (text) => applyNamedEdit(step.edit, text, given),
    async (h) => {
      if (!validate) return undefined;
      const v = await runInItsShell(h, { shell: step.shell, command: validate });
      return v.code === 0 ? undefined : `${validate} said: ${v.stderr.trim() || v.stdout.trim()}`;
    },
  );
}

/** Add the missing entries to the services file; a conflict fails the step and writes nothing. */
export async function servicesAdd(host: RemoteHost, step: ServicesAddStep, run: string): Promise<DetachedResult> {
  const file = step.file;
  const entries = step.entries;
  return editFile(
    host,
    step.shell,
    file,
    run,
    (text) => {
      const conflicts = servicesConflictLines(file, text, entries);
      return conflicts.length ? { error: conflicts.join("\n") } : addServices(text, entries);
    },
    async (h) => {
      // every entry must now be there exactly once, with nothing left to add
      const after = step.shell === "powershell" ? ((await windowsReadText(h, { path: file, expand: true })) ?? "") : (await h.readFile(file)).toString("utf8");
      const again = addServices(after, entries);
      if ("error" in again) return `the written file conflicts with its entries: ${again.error}`;
      return again.changed ? "some entries are still missing after the write" : undefined;
    },
  );
}
