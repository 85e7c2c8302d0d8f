// The services file (/etc/services; %SystemRoot%\System32\drivers\etc\services on Windows) as a pure,
// idempotent edit: add entries, keep every other line (comments, aliases, spacing) as it is, leave an
// entry that is already there alone, and report a name or port/protocol used by something else as a
// conflict instead of overwriting it.
import { EditResult, result } from "./edit";

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

/**
 * Add the entries that are missing. Throws when any entry conflicts (check serviceConflicts first to
 * report them at preview); the file's line ending is kept.
 */
export function addServices(text: string, entries: ServiceEntry[]): EditResult {
  const conflicts = serviceConflicts(text, entries);
  if (conflicts.length) throw new Error(conflicts.map((c) => `line ${c.lineNumber}: ${c.reason}`).join("; "));
  const existing = parse(text);
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const missing = entries.filter((e) => !existing.some((p) => p.port === e.port && p.protocol === e.protocol && [p.name, ...p.aliases].includes(e.name)));
  if (!missing.length) return result(text, text);
  const base = text === "" || text.endsWith(eol) ? text : text + eol;
  return result(text, base + missing.map((e) => `${e.name.padEnd(15)} ${e.port}/${e.protocol}`).join(eol) + eol);
}
