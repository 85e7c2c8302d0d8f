// The fleet's problems as one table (server | field or check | problem | what to do), so a preview
// of a hundred servers with five mistakes shows all five at once, each with its next step. Pure: the
// rows come from the servers' looks and from the stack program's own checks (impl.ts).
import { CheckFailure, FieldNames, userField, withoutOwnField } from "../server/fields";

export interface FleetProblem {
  server: string;
  /** The field as the user wrote it, or the check that found the problem. */
  field: string;
  problem: string;
  todo: string;
}

/** A problem the stack program found in a server's entry, before any look: its field and message. */
export interface GivenProblem {
  server: string;
  field: string;
  message: string;
}

// The next step when a message gives none of its own, by error code.
const NEXT_STEP: Record<string, string> = {
  UNKNOWN_VERSION: "give one of the releases listed",
  NO_LEGAL_PATH: "give a target the legal chain reaches",
  DOWNGRADE: "give the installed version or a later one",
  CONNECTION_FAILED: "check the address, that the host is up and its sshd answers, and the credentials",
  HOST_KEY_MISMATCH: "make sure it is the host you mean, then pin the key it offers now",
  HOST_NOT_READY: "prepare the host as said, then preview again",
  INVALID_INPUT: "correct the field",
};

/** A message split into what is wrong and what to do: at its first "; " outside parentheses. */
export function splitAdvice(message: string): { problem: string; todo: string } {
  let depth = 0;
  for (let i = 0; i < message.length - 1; i++) {
    const c = message[i];
    if (c === "(") depth++;
    else if (c === ")") depth = Math.max(0, depth - 1);
    else if (c === ";" && message[i + 1] === " " && depth === 0) return { problem: message.slice(0, i), todo: message.slice(i + 2) };
  }
  return { problem: message, todo: "" };
}

/** One server's check failures as rows: each field named as the user wrote it, each line of a message its own row. */
export function rowsOf(server: string, failures: readonly CheckFailure[], names: FieldNames | undefined): FleetProblem[] {
  return failures.flatMap((f) => {
    const reason = withoutOwnField(f);
    const m = /^([A-Z_]+): (.*)$/s.exec(reason);
    const [code, message] = m ? [m[1], m[2]] : ["", reason];
    // a message listing several problems gives one per line, each led by its own field
    const [first, ...more] = message.split("\n");
    const lines = [
      { field: userField(f.property, names), text: first },
      ...more.map((l) => {
        const own = /^([A-Za-z_$][\w$.[\]"-]*): (.*)$/.exec(l);
        return own ? { field: userField(own[1], names), text: own[2] } : { field: userField(f.property, names), text: l };
      }),
    ];
    return lines.map(({ field, text }) => row(server, field, text, code));
  });
}

export function givenRows(given: readonly GivenProblem[]): FleetProblem[] {
  return given.map((g) => ({ ...row(g.server, g.field, g.message, ""), ...(splitAdvice(g.message).todo ? {} : { todo: NEXT_STEP.INVALID_INPUT }) }));
}

/** A row; the code leads the problem when the check gave one (the stack's own problems have none). */
function row(server: string, field: string, text: string, code: string): FleetProblem {
  const { problem, todo } = splitAdvice(text.trim());
  return { server, field, problem: code ? `${code}: ${problem}` : problem, todo: todo || NEXT_STEP[code] || "correct it, then preview again" };
}

const WRAP = { problem: 70, todo: 60 };

/** The rows as an aligned text table, the long columns wrapped at word boundaries. */
export function fleetTable(rows: readonly FleetProblem[]): string {
  const servers = new Set(rows.map((r) => r.server)).size;
  const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
  const header = { server: "server", field: "field or check", problem: "problem", todo: "what to do" };
  const cells = rows.map((r) => ({ server: r.server, field: r.field, problem: wrap(r.problem, WRAP.problem), todo: wrap(r.todo, WRAP.todo) }));
  const width = {
    server: Math.max(header.server.length, ...cells.map((c) => c.server.length)),
    field: Math.max(header.field.length, ...cells.map((c) => c.field.length)),
    problem: Math.max(header.problem.length, ...cells.flatMap((c) => c.problem.map((l) => l.length))),
  };
  const line = (a: string, b: string, c: string, d: string) =>
    `${a.padEnd(width.server)} | ${b.padEnd(width.field)} | ${c.padEnd(width.problem)} | ${d}`.trimEnd();
  const out = [`${plural(rows.length, "problem")} on ${plural(servers, "server")}:`, line(header.server, header.field, header.problem, header.todo)];
  out.push(["-".repeat(width.server), "-".repeat(width.field), "-".repeat(width.problem), "-".repeat(header.todo.length)].join("-+-"));
  for (const c of cells) {
    const height = Math.max(c.problem.length, c.todo.length);
    for (let i = 0; i < height; i++) out.push(line(i ? "" : c.server, i ? "" : c.field, c.problem[i] ?? "", c.todo[i] ?? ""));
  }
  return out.join("\n");
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  return [...lines, current];
}
