// The services file (/etc/services; %SystemRoot%\System32\drivers\etc\services on Windows) as a pure,
// idempotent edit: add entries, keep every other line (comments, aliases, spacing) as it is, leave an
// entry that is already there alone, and report a name or port/protocol used by something else as a
// conflict instead of overwriting it.
import { UpchainError } from "../errors";
import { EditOutcome, result } from "./edit";

export interface ServiceEntry {
  name: string;
  port: number;
  protocol: "tcp" | "udp";
}

/** An entry as the services file and messages write it: "imap 143/tcp". */
export const describeEntry = (e: ServiceEntry) => `${e.name} ${e.port}/${e.protocol}`;

export interface ServiceConflict {
  entry: ServiceEntry;
  /** The line that stands in the way, as it is in the file. */
  line: string;
  lineNumber: number;
  reason: string;
}

interface Parsed {
  name: string;
  port: number;
  protocol: string;
  aliases: string[];
  line: string;
  lineNumber: number;
}

function parse(text: string): Parsed[] {
  const out: Parsed[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const body = line.replace(/#.*/, "").trim();
    const m = /^(\S+)\s+(\d+)\/(\w+)\s*(.*)$/.exec(body);
    if (m) out.push({ name: m[1], port: Number(m[2]), protocol: m[3].toLowerCase(), aliases: m[4].split(/\s+/).filter(Boolean), line, lineNumber: i + 1 });
  });
  return out;
}

export function serviceConflicts(text: string, entries: ServiceEntry[]): ServiceConflict[] {
  const existing = parse(text);
  const conflicts: ServiceConflict[] = [];
  for (const e of entries) {
    for (const p of existing) {
      const names = [p.name, ...p.aliases];
      const samePort = p.port === e.port && p.protocol === e.protocol;
      const sameName = names.includes(e.name) && p.protocol === e.protocol;
      if (samePort && sameName) continue; // already there: nothing to do
      if (samePort) conflicts.push({ entry: e, line: p.line, lineNumber: p.lineNumber, reason: `${e.port}/${e.protocol} is taken by "${p.name}"` });
      else if (sameName) conflicts.push({ entry: e, line: p.line, lineNumber: p.lineNumber, reason: `"${e.name}" already names ${p.port}/${p.protocol}` });
    }
  }
  return conflicts;
}

// services(5): a name is any printable character but a field delimiter, a newline or "#". Printable
// ASCII only here: a look-alike (Cyrillic "і" in "іmap") would add a name no program asks for.
const ENTRY_NAME = /^[\x21-\x22\x24-\x7e]+$/;
const PROTOCOLS = ["tcp", "udp"] as const;

/** Why entry `i` cannot be written as one services line that reads back as itself: its field and the rule, or undefined. */
export function serviceEntryProblem(e: ServiceEntry, i = 0): UpchainError | undefined {
  const bad = (field: keyof ServiceEntry, message: string) =>
    new UpchainError("INVALID_INPUT", `services entry ${i + 1}, ${field}: ${message}`, ["entries", i, field]);
  if (typeof e.name !== "string" || !ENTRY_NAME.test(e.name)) {
    return bad(
      "name",
      `${JSON.stringify(String(e.name)).slice(0, 80)} is not a services name: give one or more printable ASCII characters without spaces or "#", like imap`,
    );
  }
  if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) return bad("port", `${String(e.port)} is not a port: give a whole number from 1 to 65535`);
  if (!(PROTOCOLS as readonly string[]).includes(e.protocol)) {
    return bad(
      "protocol",
      `${JSON.stringify(String(e.protocol)).slice(0, 80)} is not a protocol of the services file: give ${PROTOCOLS.join(" or ")} (lowercase)`,
    );
  }
  return undefined;
}

/** Whether `e` is an entry of `p`: the same port and protocol, with e's name as p's service name or as one of its aliases. */
const isEntryOf = (p: Parsed, e: ServiceEntry) => p.port === e.port && p.protocol === e.protocol && [p.name, ...p.aliases].includes(e.name);

/**
 * The entries the file already has: Debian's `pop3 110/tcp pop-3` is pop3, and its `imap2 143/tcp
 * imap` is imap (an alias). Nothing is added for them, and preview does not list them.
 */
export function presentServices(text: string, entries: ServiceEntry[]): ServiceEntry[] {
  const existing = parse(text);
  return entries.filter((e) => existing.some((p) => isEntryOf(p, e)));
}

// Debian's file aligns the port at column 16 with tabs (8 columns each); a file of spaces gets spaces
const TAB_WIDTH = 8;
const PORT_COLUMN = 16;

/** The entry as a line of this file: its fields separated as the file's own entries are. */
function entryLine(existing: Parsed[], e: ServiceEntry): string {
  const port = `${e.port}/${e.protocol}`;
  const tabs = existing.some((p) => /^\s*\S+\t/.test(p.line));
  if (!tabs) return `${e.name.padEnd(PORT_COLUMN - 1)} ${port}`;
  const count = Math.max(1, Math.ceil((PORT_COLUMN - e.name.length) / TAB_WIDTH));
  return `${e.name}${"\t".repeat(count)}${port}`;
}

/**
 * Add the entries that are missing. An entry that is not a well-formed services line is refused
 * (UpchainError INVALID_INPUT naming its field: the plan's input, which preview refuses first), never
 * written. An entry that conflicts with the file (the host's data) is an error, not an edit (check
 * serviceConflicts first to report them at preview); the file's line ending and field separator
 * (tabs or spaces) are kept.
 */
export function addServices(text: string, entries: ServiceEntry[]): EditOutcome {
  entries.forEach((e, i) => {
    const problem = serviceEntryProblem(e, i);
    if (problem) throw problem;
  });
  const conflicts = serviceConflicts(text, entries);
  if (conflicts.length) return { error: conflicts.map((c) => `line ${c.lineNumber}: ${c.reason}`).join("; ") };
  const existing = parse(text);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const missing = entries.filter((e) => !existing.some((p) => isEntryOf(p, e)));
  if (!missing.length) return result(text, text);
  const base = text === "" || text.endsWith(eol) ? text : text + eol;
  return result(text, base + missing.map((e) => entryLine(existing, e)).join(eol) + eol);
}

/** What stands in the way of adding `entries` to `file`'s `text`, one line per conflict (the step's failure and preview's check say the same). */
export function servicesConflictLines(file: string, text: string, entries: ServiceEntry[]): string[] {
  return serviceConflicts(text, entries).map(
    (c) => `${file} line ${c.lineNumber} ("${c.line.trim()}"): ${c.reason}, so ${describeEntry(c.entry)} cannot be added`,
  );
}
