// Which pool states upchain set itself, kept on the balancer's machine so that a killed controller's
// next run still knows them. upchain changes a server only from ready or from a state it set: a server
// an operator put in drain or maint by hand is theirs, and upchain refuses rather than undo it.
// One small file per server under the SSH login's home (the login that opens the runtime API), named
// by the runtime API it belongs to; a state is noted before upchain sets it, and forgotten only after
// the server is ready again, so a run killed between the two never leaves a state of its own unknown.
import { createHash } from "crypto";
import { UpchainError } from "../errors";
import { quote } from "../quote";
import { RemoteHost, StreamTarget, streamTargetLabel } from "../transport/remoteHost";
import { nameProblem } from "./names";
import { AdminState, key } from "./pools";

/** backend/server -> the state upchain set (only drain or maint: ready is nobody's). */
export type OwnStates = Map<string, Exclude<AdminState, "ready">>;

const maxEntries = 10_000;

export class PoolLedger {
  private readonly dir: string;

  constructor(
    private readonly host: RemoteHost,
    target: StreamTarget,
  ) {
    const id = createHash("sha256").update(streamTargetLabel(target)).digest("hex").slice(0, 16);
    this.dir = `"$HOME"/${quote(`.upchain/haproxy-pools/${id}`)}`;
  }

  private where(): string {
    return `${this.host.label}:~/.upchain/haproxy-pools`;
  }

  async read(): Promise<OwnStates> {
    // one line per file: its name, a tab, its first bytes (a file is never trusted to be short)
    const command = `d=${this.dir}; [ -d "$d" ] || exit 0; for f in "$d"/*; do [ -f "$f" ] || continue; printf '%s\\t' "\${f##*/}"; head -c 16 "$f" | tr -d '\\n\\t'; printf '\\n'; done | head -n ${maxEntries + 1}`;
    const r = await this.host.exec(command);
    if (r.code !== 0)
      throw new UpchainError(
        "REMOTE_IO_FAILED",
        `${this.where()}: cannot read the pool states upchain set: ${r.stderr.trim().slice(0, 300) || `exit ${r.code}`}`,
      );
    const own: OwnStates = new Map();
    const lines = r.stdout.split("\n").filter((l) => l !== "");
    if (lines.length > maxEntries)
      throw new UpchainError("REMOTE_IO_FAILED", `${this.where()}: more than ${maxEntries} pool states noted; that is not upchain's`);
    for (const line of lines) {
      const m = /^([^\t@]{1,100})@([^\t@]{1,100})\t(drain|maint)$/.exec(line);
      if (!m || nameProblem(m[1]) || nameProblem(m[2]))
        throw new UpchainError(
          "REMOTE_IO_FAILED",
          `${this.where()}: a noted pool state cannot be read: ${JSON.stringify(line.slice(0, 120))}; remove that file if you did not put it there`,
        );
      own.set(key(m[1], m[2]), m[3] as "drain" | "maint");
    }
    return own;
  }

  /** Note the state upchain is about to set (drain, maint), or forget it once the server is ready again. */
  async record(backend: string, server: string, state: AdminState): Promise<void> {
    for (const [field, value] of [
      ["backend", backend],
      ["server", server],
    ]) {
      const problem = nameProblem(value);
      if (problem) throw new UpchainError("INVALID_INPUT", `${field} ${JSON.stringify(value)} ${problem}`, [field]);
    }
    const file = quote(`${backend}@${server}`);
    const command =
      state === "ready"
        ? `rm -f ${this.dir}/${file}`
        : `mkdir -p ${this.dir} && printf '%s\\n' ${state} > ${this.dir}/.${file}.tmp && mv -f ${this.dir}/.${file}.tmp ${this.dir}/${file}`;
    const r = await this.host.exec(command);
    if (r.code !== 0)
      throw new UpchainError(
        "REMOTE_IO_FAILED",
        `${this.where()}: cannot note that upchain sets ${key(backend, server)} ${state}: ${r.stderr.trim().slice(0, 300) || `exit ${r.code}`}`,
      );
  }
}

/**
 * The servers upchain would change although an operator set their state (drain or maint that upchain
 * did not set), each as a sentence naming the server, its state and how to go on.
 */
export function foreignStates(
  current: ReadonlyMap<string, AdminState>,
  desired: Record<string, Record<string, AdminState>>,
  own: OwnStates,
  memberOf: (server: string) => string = (s) => s,
): string[] {
  const out: string[] = [];
  for (const [backend, servers] of Object.entries(desired)) {
    for (const [server, want] of Object.entries(servers)) {
      const now = current.get(key(backend, server));
      if (now === undefined || now === want || now === "ready" || own.get(key(backend, server)) === now) continue;
      out.push(
        `member ${memberOf(server)} is in ${now} in backend ${backend}, and upchain did not put it there (an operator's maintenance?): upchain will not undo it. ` +
          `When it may serve again, put it back on HAProxy's runtime API (set server ${backend}/${server} state ready) and run again`,
      );
    }
  }
  return out;
}
