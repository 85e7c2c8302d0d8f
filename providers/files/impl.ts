// The ManagedFiles provider: a folder's files of one kind (a catalog's file set, like Altazion's phase
// hooks) placed as the stack declares them. check validates the names with the catalog and reads
// the host's files to show, line by line, what will change; create/update write each changed file
// atomically (sha256-checked by the transport), remove the set's files the stack no longer declares,
// and keep a copy of every file replaced or removed; read reports the host's files (refresh shows
// drift). What the host lists is data: a name is used in a path only when the set owns that name.
import { forTerminal, printable, printableCheck } from "../terminalBoundary";
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { z } from "zod";
import { getCatalog, productNames } from "../catalogs";
import { ConnectionInput, connectionOf, connectionSchema, toCheckFailures, withConnection } from "../connectionSchema";
import { FileSet, PlanContext, Platform } from "../engine/planning/catalog";
import { DEFAULT_STATE_DIR } from "../engine/running/executor";
import { newRunId } from "../engine/running/journal";
import { acquireLock } from "../engine/running/lock";
import { fencedHost } from "../engine/running/fence";
import { runInItsShell } from "../engine/readOnHost";
import { guardProviderProcess } from "../providerProcess";
import { lineDiff } from "../edits/lineDiff";
import { UpchainError, checkFailure, isUpchainError } from "../errors";
import { propertiesOf } from "../properties";
import { quote as q } from "../quote";
import { RemoteHost } from "../transport/remoteHost";
import { withSsh } from "../transport/ssh";
import { windowsFolderFiles, windowsKeepCopies, windowsKeepFolder, windowsRemoveFiles, windowsWriteFile } from "./windows";
import { FieldNames, fieldNamesOf, inUserTerms, userField } from "../server/fields";

// in Pulumi's provider process: a files run's lock stops beating when the engine dies (providerProcess.ts)
guardProviderProcess();

const filesSchema = z.object({
  product: z.string().refine((p) => productNames().includes(p), { message: `must be one of: ${productNames().join(", ")}` }),
  fileSet: z.string().min(1),
  platform: z.enum(["linux", "windows"]).default("linux"),
  /** The product's options, for the set's folder and name rule. */
  options: z.record(z.string(), z.unknown()).default({}),
  /** File name -> content. */
  files: z.record(z.string(), z.string()).default({}),
  /** How the declaring code calls these properties (server/fields.ts); kept in the outputs for refresh. */
  fields: z.record(z.string(), z.string()).optional(),
});
type FilesInputs = z.infer<typeof filesSchema>;

/** A name the set may own that is also safe as one path segment (no folder, no control character). */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,200}$/;
const MAX_FILE = 1024 * 1024;

function setOf(s: FilesInputs): { set: FileSet; ctx: PlanContext; folder: string } {
  const catalog = getCatalog(s.product);
  const set = catalog.fileSets?.[s.fileSet];
  if (!set)
    throw new UpchainError(
      "INVALID_INPUT",
      `fileSet: ${catalog.title} has no file set "${s.fileSet}" (it has: ${Object.keys(catalog.fileSets ?? {}).join(", ") || "none"})`,
      ["fileSet"],
    );
  const ctx: PlanContext = { platform: s.platform, releases: [], options: s.options };
  return { set, ctx, folder: set.folder(ctx) };
}

const sha = (t: string | Buffer) => createHash("sha256").update(t).digest("hex");
const owned = (set: FileSet, name: string) => SAFE_NAME.test(name) && set.owns.test(name);

/** The set's files in the folder now (name -> content); names the set does not own are left alone. */
async function hostFiles(h: RemoteHost, platform: Platform, set: FileSet, folder: string): Promise<Record<string, string>> {
  if (platform === "windows") return ownedOnWindows(h, set, folder);
  const r = await h.exec(
    `if [ -d ${q(folder)} ]; then cd -- ${q(folder)} && for f in * .[!.]*; do if [ -f "$f" ] && [ ! -L "$f" ]; then printf '%s\\0' "$f"; fi; done; fi`,
    { sudo: true },
  );
  if (r.code !== 0) throw new UpchainError("COMMAND_FAILED", `${h.label}: the folder ${folder} cannot be listed: ${r.stderr.trim().slice(0, 300)}`);
  const out: Record<string, string> = {};
  for (const name of r.stdout.split("\0").filter(Boolean)) {
    if (!owned(set, name)) continue;
    const data = await h.readFile(`${folder}/${name}`);
    if (data.length > MAX_FILE)
      throw new UpchainError("COMMAND_FAILED", `${h.label}: ${folder}/${name} is larger than ${MAX_FILE} bytes; a ${set.title} file is a small script`);
    out[name] = data.toString("utf8");
  }
  return out;
}

async function ownedOnWindows(h: RemoteHost, set: FileSet, folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, data] of await windowsFolderFiles(h, folder, MAX_FILE)) {
    if (!owned(set, name)) continue;
    if (typeof data !== "string")
      throw new UpchainError("COMMAND_FAILED", `${h.label}: ${folder}\\${name} is larger than ${MAX_FILE} bytes; a ${set.title} file is a small script`);
    out[name] = data;
  }
  return out;
}

/** The set's check that the host runs its product (in the platform's shell), before anything is read or written there. */
async function assertProduct(h: RemoteHost, set: FileSet, ctx: PlanContext): Promise<void> {
  const check = set.productCheck?.(ctx);
  if (!check) return;
  const r = await runInItsShell(h, { shell: check.shell, command: check.command });
  if (r.code !== 0) throw new UpchainError("HOST_NOT_READY", `${h.label}: ${check.problem}; no ${set.title} were written`, ["connection", "host"]);
}

/** What applying the stack's files changes on the host, one line each (with the changed lines of a changed file). */
function changesOf(now: Record<string, string>, want: Record<string, string>): string[] {
  const lines: string[] = [];
  for (const [name, text] of Object.entries(want).sort()) {
    if (!(name in now)) lines.push(`+ ${name} (new, ${text.split("\n").length} lines, sha256 ${sha(text).slice(0, 12)})`);
    else if (now[name] !== text)
      lines.push(`~ ${name} (sha256 ${sha(now[name]).slice(0, 12)} -> ${sha(text).slice(0, 12)})`, ...lineDiff(now[name], text).map((l) => `    ${l}`));
  }
  for (const name of Object.keys(now).sort()) if (!(name in want)) lines.push(`- ${name} (not declared in the stack: removed, a copy kept)`);
  return lines;
}

function nameProblems(s: FilesInputs): { property: string; reason: string }[] {
  const { set, ctx } = setOf(s);
  return Object.entries(s.files).flatMap(([name, text]) => {
    const why = SAFE_NAME.test(name) ? set.nameProblem(name, ctx) : `${JSON.stringify(name.slice(0, 80))} is not a plain file name`;
    if (why) return [checkFailure("INVALID_INPUT", `files.${name}`, why)];
    if (Buffer.byteLength(text) > MAX_FILE) return [checkFailure("INVALID_INPUT", `files.${name}`, `is larger than ${MAX_FILE} bytes`)];
    return [];
  });
}

/** A host key mismatch names the field the user pinned the key in. */
const pinnedIn = (fields: FieldNames | undefined) => ({ hostKeyField: userField("connection.hostKey", fields) });

/** Failures name the user's fields in their reason, without a property (the engine would print its whole value: server/fields.ts). */
export async function check(olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult> {
  const r = await checkFiles(olds, news);
  return printableCheck(r.failures?.length ? { failures: inUserTerms(r.failures, fieldNamesOf(news)) } : r);
}

async function checkFiles(_olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult> {
  const conn = connectionSchema.safeParse(connectionOf(news));
  const parsed = filesSchema.safeParse(news);
  const failures = [...(conn.success ? [] : toCheckFailures(conn.error, ["connection"])), ...(parsed.success ? [] : toCheckFailures(parsed.error))];
  if (parsed.success) {
    try {
      failures.push(...nameProblems(parsed.data));
    } catch (e) {
      if (!isUpchainError(e)) throw e;
      failures.push(checkFailure(e.code, e.path.length ? e.path : "fileSet", e.message));
    }
  }
  if (!conn.success || !parsed.success || failures.length) return { failures };
  const s = parsed.data;
  const { set, ctx, folder } = setOf(s);
  let changes: string[] = [];
  try {
    changes = changesOf(
      await withSsh(conn.data, async (h) => (await assertProduct(h, set, ctx), hostFiles(h, s.platform, set, folder)), pinnedIn(fieldNamesOf(news))),
      s.files,
    );
  } catch (e) {
    if (!isUpchainError(e)) return { failures: [{ property: "connection", reason: (e as Error).message }] };
    return { failures: [checkFailure(e.code, e.path.length ? e.path : "connection", e.message)] };
  }
  return { inputs: { ...withConnection({ ...propertiesOf(news), ...s }, conn.data), folder, changes } };
}

/** The set's resource id: one product's set on one host. */
const filesId = (s: FilesInputs, c: ConnectionInput) => `${s.product}:${s.fileSet}@${c.host}:${c.port}`;

/** Pulumi shows a thrown error's message only: the code in front, as check's failures have it, the host's text cleaned. */
async function apply(inputs: unknown): Promise<{ id: string; outs: Record<string, unknown> }> {
  try {
    return await applyFiles(inputs);
  } catch (e) {
    throw forTerminal(e);
  }
}

async function applyFiles(inputs: unknown): Promise<{ id: string; outs: Record<string, unknown> }> {
  const c = connectionSchema.parse(connectionOf(inputs));
  const s = filesSchema.parse(inputs);
  const { set, ctx, folder } = setOf(s);
  for (const p of nameProblems(s)) throw new UpchainError("INVALID_INPUT", `${p.property}: ${p.reason}`);
  const log = (l: string) => console.log(`upchain ${c.host}: ${l}`);
  const outs = await withSsh(
    c,
    async (h) => {
      await assertProduct(h, set, ctx);
      const run = newRunId();
      // No lock on Windows: it is a POSIX one (engine/running/lock.ts), and no upchain run can hold it there,
      // since the executor refuses PowerShell plans (engine/running/executor.ts). When it learns Windows, the
      // lock must come with it, here too.
      if (s.platform === "windows") return withConnection(await place(h, s, set, folder, run, log), c);
      // one run per machine: every upchain run on it takes the machine's lock (engine/running/lock.ts), so hooks
      // never change under an update that is running
      const lock = await acquireLock(h, DEFAULT_STATE_DIR, s.product, run, 120);
      try {
        // every command and write fenced: a run that lost the machine's lock changes no file (engine/running/fence.ts)
        return withConnection(await place(fencedHost(h, lock.fence), s, set, folder, run, log), c);
      } finally {
        await lock.release().catch(() => undefined);
      }
    },
    pinnedIn(fieldNamesOf(inputs)),
  );
  return { id: filesId(s, c), outs };
}

/** Write the changed files, remove the undeclared ones (a copy of each kept), and read the folder back. */
async function place(h: RemoteHost, s: FilesInputs, set: FileSet, folder: string, run: string, log: (l: string) => void): Promise<Record<string, unknown>> {
  if (s.platform === "windows") return placeOnWindows(h, s, set, folder, run, log);
  const now = await hostFiles(h, s.platform, set, folder);
  const keep = `${DEFAULT_STATE_DIR}/files/${s.product}-${s.fileSet}/${run}`;
  const touched = Object.keys(now).filter((n) => now[n] !== s.files[n]);
  if (touched.length) {
    // a copy of every file replaced or removed, never deleted by upchain
    const r = await h.exec(`umask 077; mkdir -p -- ${q(keep)} && cd -- ${q(folder)} && cp -p -- ${touched.map(q).join(" ")} ${q(keep + "/")}`, { sudo: true });
    if (r.code !== 0)
      throw new UpchainError("COMMAND_FAILED", `${h.label}: could not keep a copy of ${touched.join(", ")} in ${keep}: ${r.stderr.trim().slice(0, 300)}`);
    log(`kept a copy of ${touched.join(", ")} in ${keep}`);
  }
  const mk = await h.exec(`mkdir -p -- ${q(folder)}`, { sudo: true });
  if (mk.code !== 0) throw new UpchainError("COMMAND_FAILED", `${h.label}: could not create ${folder}: ${mk.stderr.trim().slice(0, 300)}`);
  for (const [name, text] of Object.entries(s.files)) {
    if (now[name] === text) continue;
    await h.writeFile(`${folder}/${name}`, text, 0o644);
    log(`placed ${folder}/${name} (sha256 ${sha(text)})`);
  }
  const gone = Object.keys(now).filter((n) => !(n in s.files));
  if (gone.length) {
    const r = await h.exec(`cd -- ${q(folder)} && rm -f -- ${gone.map(q).join(" ")}`, { sudo: true });
    if (r.code !== 0)
      throw new UpchainError("COMMAND_FAILED", `${h.label}: could not remove ${gone.join(", ")} from ${folder}: ${r.stderr.trim().slice(0, 300)}`);
    log(`removed ${gone.join(", ")} from ${folder} (copies in ${keep})`);
  }
  return readBack(h, s, set, folder);
}

/** Read back: what is there now is exactly what the stack says. */
async function readBack(h: RemoteHost, s: FilesInputs, set: FileSet, folder: string): Promise<Record<string, unknown>> {
  const after = await hostFiles(h, s.platform, set, folder);
  const left = changesOf(after, s.files);
  if (left.length)
    throw new UpchainError("COMMAND_FAILED", `${h.label}: after placing the files, ${folder} still differs from the stack: ${left.slice(0, 5).join("; ")}`);
  return { ...s, folder, changes: [], sha256: Object.fromEntries(Object.entries(after).map(([n, t]) => [n, sha(t)])) };
}

/** The same placement on Windows, in PowerShell (windows.ts); copies kept under %ProgramData%\upchain. */
async function placeOnWindows(
  h: RemoteHost,
  s: FilesInputs,
  set: FileSet,
  folder: string,
  run: string,
  log: (l: string) => void,
): Promise<Record<string, unknown>> {
  const now = await hostFiles(h, s.platform, set, folder);
  const touched = Object.keys(now).filter((n) => now[n] !== s.files[n]);
  if (touched.length) {
    await windowsKeepCopies(h, folder, touched, windowsKeepFolder(s.product, s.fileSet, run));
    log(`kept a copy of ${touched.join(", ")} in %ProgramData%\\upchain\\files\\${s.product}-${s.fileSet}\\${run}`);
  }
  for (const [name, text] of Object.entries(s.files)) {
    if (now[name] === text) continue;
    await windowsWriteFile(h, folder, name, text);
    log(`placed ${folder}\\${name} (sha256 ${sha(text)})`);
  }
  const gone = Object.keys(now).filter((n) => !(n in s.files));
  if (gone.length) {
    await windowsRemoveFiles(h, folder, gone);
    log(`removed ${gone.join(", ")} from ${folder} (copies kept)`);
  }
  return readBack(h, s, set, folder);
}

/** The set's files on the host, as preview reads them (its own transport's host). */
export async function readFileSet(h: RemoteHost, inputs: unknown): Promise<Record<string, string>> {
  const s = filesSchema.parse(inputs);
  const { set, folder } = setOf(s);
  return hostFiles(h, s.platform, set, folder);
}

/** Place the set's files on `h` as up does, inside the caller's lock where there is one (applyFiles). */
export async function placeFiles(h: RemoteHost, inputs: unknown, run: string, log: (l: string) => void = () => undefined): Promise<Record<string, unknown>> {
  const s = filesSchema.parse(inputs);
  const { set, folder } = setOf(s);
  return place(h, s, set, folder, run, log);
}

export async function create(inputs: unknown): Promise<pulumi.dynamic.CreateResult> {
  return apply(inputs);
}

export async function update(_id: string, _olds: unknown, news: unknown): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: (await apply(news)).outs };
}

export async function diff(_id: string, oldProps: unknown, newProps: unknown): Promise<pulumi.dynamic.DiffResult> {
  const [olds, news] = [propertiesOf(oldProps), propertiesOf(newProps)];
  const [oldConnection, newConnection] = [propertiesOf(olds.connection), propertiesOf(news.connection)];
  const changed: string[] = [];
  if (JSON.stringify(olds.files ?? {}) !== JSON.stringify(news.files ?? {})) changed.push("files");
  // the host differs from the stack (someone edited a file by hand): up puts it back
  if (Array.isArray(news.changes) && news.changes.length) changed.push("changes");
  for (const k of ["host", "port", "user", "hostKey"]) if (oldConnection[k] !== newConnection[k]) changed.push(`connection.${k}`);
  if (olds.folder !== news.folder) changed.push("folder");
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

export async function read(id: string, props: unknown): Promise<pulumi.dynamic.ReadResult> {
  return printable(() => readFiles(id, props));
}

async function readFiles(id: string, props: unknown): Promise<pulumi.dynamic.ReadResult> {
  const c = connectionSchema.parse(connectionOf(props));
  const s = filesSchema.parse(props);
  const { set, folder } = setOf(s);
  const files = await withSsh(c, (h) => hostFiles(h, s.platform, set, folder), pinnedIn(fieldNamesOf(props)));
  return { id, props: { ...propertiesOf(props), files, sha256: Object.fromEntries(Object.entries(files).map(([n, t]) => [n, sha(t)])) } };
}

/** Dropping the set from the stack removes its files from the host (copies kept), as removing one file does. */
export async function remove(_id?: string, props?: unknown): Promise<void> {
  if (!props) return;
  await apply({ ...propertiesOf(props), files: {} });
}
