// upchain:serversFile: the servers' list in a file the program reads, instead of upchain:servers.
// The pulumi CLI hands a program its whole stack configuration in one environment variable
// (PULUMI_CONFIG), and Linux takes at most 128 KiB in one (MAX_ARG_STRLEN): a stack file whose
// servers pass that never starts its program (`fork/exec node: argument list too long`), at a few
// hundred servers. A file the program reads has no such limit. Its list is exactly upchain:servers'
// and is checked as that key is: the file only changes where each entry is named from.
import * as fs from "fs";
import * as path from "path";
import { projectDir } from "../providers/projectDir";
import type { ConfigIssue } from "./issues";

// js-yaml is what @pulumi/pulumi reads YAML with; declared in package.json (docs/dependencies.md).
// Its typings are not installed: the two calls used here are typed by hand.
const yaml = require("js-yaml") as {
  load(text: string, options: { schema: unknown; filename?: string }): unknown;
  CORE_SCHEMA: { extend(types: { implicit: unknown[] }): unknown };
  types: { merge: unknown };
};

/**
 * The largest file read. A server's entry is about 1 KiB (the fleet bench's, with its host key,
 * version command and patch options, is 1.0 KiB), so 8 MiB is some eight thousand servers, several
 * times what one controller can drive (docs/fleets.md); and the file is read whole and parsed before
 * anything is checked, so a wrong path (a log, a disk image) is refused at once, not read into memory.
 */
export const SERVERS_FILE_MAX_BYTES = 8 * 1024 * 1024;
/**
 * YAML aliases (`options: *omflow`) repeat what they name: the list as the program uses it may be
 * larger than the file. Four times the file's limit is room for a fleet's shared options repeated
 * on every entry, and refuses a file whose aliases nest into gigabytes ("billion laughs").
 */
export const SERVERS_EXPANDED_MAX_BYTES = 4 * SERVERS_FILE_MAX_BYTES;
/** Nothing in a server's entry nests deeper than a few levels; a deeper file is not one. */
const MAX_DEPTH = 64;

// YAML 1.2's core types only (text, numbers, true/false, null), as Pulumi reads a stack file: no
// dates (js-yaml's default would turn `version: 2026-01-01` into a timestamp), with `<<` merge keys.
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [yaml.types.merge] });

const LIST_HINT = "a list of server entries, as upchain:servers holds (- name: ..., host: ..., product: ..., version: ...)";

/** What reading the file gave: the servers' list, or why there is none. */
export interface ServersFileRead {
  servers?: unknown[];
  issues: ConfigIssue[];
}

/** The file `file` (as the stack names it: absolute, or relative to the project's folder), read and parsed; nothing in it checked yet. */
export function readServersFile(file: string, project: string = projectDir()): ServersFileRead {
  const at = path.resolve(project, file);
  const refuse = (message: string): ServersFileRead => ({ issues: [{ path: ["serversFile"], message }] });
  const text = boundedText(at);
  if (typeof text !== "string") return refuse(`cannot read ${file}: ${text.why}; ${whereFrom(file, at, project)}`);
  let list: unknown;
  try {
    list = yaml.load(text, { schema: SCHEMA });
  } catch (e) {
    return refuse(`cannot read ${file} as YAML or JSON: ${parseProblem(e)}; write ${LIST_HINT}`);
  }
  if (list === null || list === undefined) return refuse(`${file} is empty: write ${LIST_HINT}`);
  if (!Array.isArray(list)) return refuse(`${file} holds ${kindOf(list)}: write ${LIST_HINT}`);
  const tooLarge = expansionProblem(list);
  if (tooLarge) return refuse(`${file} ${tooLarge}`);
  return { servers: list, issues: encryptedValues(list) };
}

/** The file's text, or why it cannot be had: not there, not a regular file, too large, not UTF-8. */
function boundedText(at: string): string | { why: string } {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO or a device named by mistake must not hang the program on open
    fd = fs.openSync(at, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    const why: Record<string, string> = { ENOENT: "no such file", EACCES: "permission denied", ENOTDIR: "a folder on its path is a file" };
    return { why: why[code] ?? code ?? "it cannot be opened" };
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) return { why: "it is a folder" };
    if (!st.isFile()) return { why: "it is not a regular file" };
    if (st.size > SERVERS_FILE_MAX_BYTES) return { why: tooBig(st.size) };
    // read one byte more than allowed: a file that grows while read is still caught
    const buf = Buffer.alloc(SERVERS_FILE_MAX_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, n);
    if (n > SERVERS_FILE_MAX_BYTES) return { why: tooBig(n) };
    try {
      // fatal: a file in another encoding is refused, not read as replacement characters
      return new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(0, n));
    } catch {
      return { why: "it is not UTF-8 text (save it as UTF-8)" };
    }
  } finally {
    fs.closeSync(fd);
  }
}

function tooBig(bytes: number): string {
  return `it is ${(bytes / 2 ** 20).toFixed(1)} MiB, more than the ${SERVERS_FILE_MAX_BYTES / 2 ** 20} MiB a servers file may be (about eight thousand servers); split the fleet into stacks (docs/fleets.md)`;
}

function whereFrom(file: string, at: string, project: string): string {
  return path.isAbsolute(file)
    ? "give upchain:serversFile the path of a readable file"
    : `a relative path is read from the project's folder (${at}): give upchain:serversFile the path of a readable file, relative to ${project} or absolute`;
}

/** The parser's reason and place, never its excerpt of the file: a line of it may hold anything. */
function parseProblem(e: unknown): string {
  const err = e as { reason?: string; mark?: { line: number; column: number }; message?: string };
  if (e instanceof RangeError) return `it nests too deep`;
  if (err.reason && err.mark) return `${err.reason} at line ${err.mark.line + 1}, column ${err.mark.column + 1}`;
  return err.reason ?? "it is not YAML";
}

function kindOf(v: unknown): string {
  if (typeof v === "object" && v !== null) return "a mapping, not a list";
  return `a single ${typeof v === "string" ? "text" : "value"}, not a list`;
}

/** The list's depth or its size once its aliases are written out (about its JSON's), when too large. */
function expansionProblem(list: unknown[]): string | undefined {
  // an alias is the same object met again: its size is counted once and reused, so a file whose
  // aliases would write out into gigabytes is measured in as many steps as it has nodes
  const sizes = new Map<object, number>();
  let tooDeep = false;
  const size = (v: unknown, depth: number): number => {
    if (depth > MAX_DEPTH) tooDeep = true;
    if (tooDeep) return 0;
    if (typeof v === "string") return v.length + 2;
    if (typeof v !== "object" || v === null) return 8;
    const known = sizes.get(v);
    if (known !== undefined) return known;
    let total = 2;
    for (const [k, x] of Object.entries(v)) {
      total += k.length + 2 + size(x, depth + 1);
      if (total > SERVERS_EXPANDED_MAX_BYTES) break; // enough to refuse
    }
    sizes.set(v, total);
    return total;
  };
  const total = size(list, 0);
  if (tooDeep) return `nests deeper than ${MAX_DEPTH} levels: a server's entry is a mapping of a few levels`;
  if (total > SERVERS_EXPANDED_MAX_BYTES) {
    return `is more than ${SERVERS_EXPANDED_MAX_BYTES / 2 ** 20} MiB once its aliases (*name) are written out: name fewer shared parts, or split the fleet into stacks (docs/fleets.md)`;
  }
  return undefined;
}

/**
 * A value Pulumi encrypted (`secure: v1:...`, as `pulumi config set --secret --path` writes it),
 * copied into the file: the program cannot decrypt it from a file, and upchain would pass it on as
 * the plain text it is. The same rule as the stack file's: secret values live in upchain:secrets.
 */
function encryptedValues(list: unknown[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const walk = (v: unknown, at: (string | number)[]) => {
    if (typeof v !== "object" || v === null) return;
    const keys = Object.keys(v);
    if (!Array.isArray(v) && keys.length === 1 && keys[0] === "secure") {
      issues.push({ path: at, message: ENCRYPTED_IN_FILE });
      return;
    }
    for (const k of keys) walk((v as Record<string, unknown>)[k], [...at, Array.isArray(v) ? Number(k) : k]);
  };
  list.forEach((entry, i) => walk(entry, ["servers", i]));
  return issues;
}

export const ENCRYPTED_IN_FILE =
  "holds a value encrypted by Pulumi (secure:): only the stack file's values are decrypted, so the server would get the ciphertext. " +
  "Move the value to upchain:secrets.<name> (pulumi config set --secret --path 'upchain:secrets.<name>' VALUE) " +
  "and write $UPCHAIN_SECRET_<NAME> (the name in capitals) where it was";
