// HAProxy's answers to `show servers state` and `show stat`, parsed strictly. What the balancer
// answers is data: a header, column or number that is not what the management guide describes is an
// error that names where the answer came from, never a crash and never a guess.
import { UpchainError } from "../errors";
import { mapServerState } from "./adminState";
import { nameProblem } from "./names";
import type { ServerState } from "./pools";

/** The columns of format version 1 (HAProxy 2.6's management guide, "show servers state"). */
const serversStateColumns = [
  "be_id",
  "be_name",
  "srv_id",
  "srv_name",
  "srv_addr",
  "srv_op_state",
  "srv_admin_state",
  "srv_uweight",
  "srv_iweight",
  "srv_time_since_last_change",
  "srv_check_status",
  "srv_check_result",
  "srv_check_health",
  "srv_check_state",
  "srv_agent_state",
  "bk_f_forced_id",
  "srv_f_forced_id",
  "srv_fqdn",
  "srv_port",
  "srvrecord",
  "srv_use_ssl",
  "srv_check_port",
  "srv_check_addr",
  "srv_agent_addr",
  "srv_agent_port",
];
/** Columns the guide describes as numbers; anything else in them is garbage. */
const numericColumns = new Set([
  "be_id",
  "srv_id",
  "srv_op_state",
  "srv_admin_state",
  "srv_uweight",
  "srv_iweight",
  "srv_time_since_last_change",
  "srv_check_status",
  "srv_check_result",
  "srv_check_health",
  "srv_check_state",
  "srv_agent_state",
  "bk_f_forced_id",
  "srv_f_forced_id",
  "srv_port",
  "srv_use_ssl",
  "srv_check_port",
  "srv_agent_port",
]);
const requiredColumns = ["be_name", "srv_name", "srv_addr", "srv_op_state", "srv_admin_state"];

/** A line of an answer, safe to put in a message: quoted, control characters escaped, cut short. */
export function excerpt(line: string): string {
  return JSON.stringify(line.length > 120 ? line.slice(0, 120) + "..." : line);
}

function garbage(source: string, what: string): UpchainError {
  return new UpchainError("REMOTE_IO_FAILED", `${source}: HAProxy's answer cannot be read: ${what}`);
}

/** The lines of an answer, without HAProxy's closing empty line. */
function linesOf(text: string): string[] {
  const lines = text.split("\n");
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function parseServersState(text: string, source: string): ServerState[] {
  const lines = linesOf(text);
  if (lines[0] !== "1") throw garbage(source, `\`show servers state\` must start with format version 1, got ${excerpt(lines[0] ?? "")}`);
  const header = lines[1] ?? "";
  if (!header.startsWith("# ")) throw garbage(source, `the second line must be the column header, got ${excerpt(header)}`);
  const columns = header.slice(2).split(" ");
  const unknown = columns.filter((c) => !serversStateColumns.includes(c));
  if (unknown.length) throw garbage(source, `unknown column ${excerpt(unknown[0])} in the header (format 1 has ${serversStateColumns.join(" ")})`);
  if (new Set(columns).size !== columns.length) throw garbage(source, "a column appears twice in the header");
  const missing = requiredColumns.filter((c) => !columns.includes(c));
  if (missing.length) throw garbage(source, `the header lacks ${missing.join(", ")}`);
  const at = (c: string) => columns.indexOf(c);

  const servers: ServerState[] = [];
  lines.slice(2).forEach((line, i) => {
    const where = `line ${i + 3} ${excerpt(line)}`;
    if (line.startsWith("#")) return; // the guide: every line starting with # is a comment
    const fields = line.split(" ");
    if (fields.length !== columns.length) throw garbage(source, `${where} has ${fields.length} fields, the header ${columns.length}`);
    columns.forEach((c, j) => {
      if (numericColumns.has(c) && !/^-?\d{1,10}$/.test(fields[j])) throw garbage(source, `${where}: ${c} is not a number`);
    });
    const backend = fields[at("be_name")];
    const server = fields[at("srv_name")];
    for (const [field, value] of [
      ["be_name", backend],
      ["srv_name", server],
    ]) {
      const problem = nameProblem(value);
      if (problem) throw garbage(source, `${where}: ${field} ${problem}`);
    }
    const mapped = mapServerState(Number(fields[at("srv_admin_state")]), Number(fields[at("srv_op_state")]));
    if (typeof mapped === "string") throw garbage(source, `${where}: ${mapped}`);
    servers.push({ backend, server, address: fields[at("srv_addr")], ...mapped });
  });
  return servers;
}

/** Split one CSV line; HAProxy quotes a field holding a comma or a quote, doubling the quote. */
function csvFields(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= line.length) return undefined; // an unterminated quote
        if (line[i] === '"' && line[i + 1] === '"') ((value += '"'), (i += 2));
        else if (line[i] === '"') break;
        else value += line[i++];
      }
      out.push(value);
      i++;
    } else {
      const end = line.indexOf(",", i);
      out.push(line.slice(i, end === -1 ? line.length : end));
      i = end === -1 ? line.length : end;
    }
    if (i >= line.length) return out;
    if (line[i] !== ",") return undefined;
    i++;
  }
}

export interface ServerLoad {
  /** Current sessions (scur). */
  sessions: number;
  /** Requests queued for this server (qcur). */
  queued: number;
}

/** Sessions and queue of each server in `show stat` CSV, by "backend/server". */
export function parseShowStat(text: string, source: string): Map<string, ServerLoad> {
  const lines = linesOf(text);
  const header = lines[0] ?? "";
  if (!header.startsWith("# pxname,svname,")) throw garbage(source, `\`show stat\` must start with its CSV header, got ${excerpt(header)}`);
  const columns = csvFields(header.slice(2))!;
  const at = (c: string) => {
    const i = columns.indexOf(c);
    if (i === -1) throw garbage(source, `the \`show stat\` header lacks ${c}`);
    return i;
  };
  const [px, sv, scur, qcur] = [at("pxname"), at("svname"), at("scur"), at("qcur")];
  const load = new Map<string, ServerLoad>();
  lines.slice(1).forEach((line, i) => {
    const where = `line ${i + 2} ${excerpt(line)}`;
    const fields = csvFields(line);
    if (!fields || fields.length !== columns.length) throw garbage(source, `${where} does not have the header's ${columns.length} fields`);
    if (fields[sv] === "FRONTEND" || fields[sv] === "BACKEND") return;
    for (const c of [scur, qcur]) if (!/^\d{1,10}$/.test(fields[c])) throw garbage(source, `${where}: ${columns[c]} is not a number`);
    load.set(`${fields[px]}/${fields[sv]}`, { sessions: Number(fields[scur]), queued: Number(fields[qcur]) });
  });
  return load;
}
