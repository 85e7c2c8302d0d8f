// Pools over HAProxy's runtime API (management guide, section 9.3): `show servers state` to read,
// `set server B/S state ready|drain|maint` to change, `show stat` for the sessions a drained server
// still serves. Every change is read back; names are checked before any command is built.
import { UpchainError } from "../errors";
import { excerpt, parseServersState, parseShowStat } from "./answers";
import { checkName } from "./names";
import { AdminState, Pools, ServerState, adminStates, key } from "./pools";
import { OwnStates, PoolLedger } from "./ledger";
import { RuntimeApi } from "./runtimeApi";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class HaproxyPools implements Pools {
  readonly label: string;

  constructor(
    private readonly api: RuntimeApi,
    /** How often waitDrained asks again. */
    private readonly pollMs = 250,
    /** Where the states upchain set are noted (on the balancer's machine). */
    private readonly ledger?: PoolLedger,
  ) {
    this.label = api.label;
  }

  async read(backend?: string): Promise<ServerState[]> {
    const command = backend === undefined ? "show servers state" : `show servers state ${checkName("backend", backend)}`;
    const answer = await this.api.send(command);
    // a refusal ("Can't find backend.", "Permission denied") is a message where the format version should be
    if (!answer.startsWith("1\n")) throw this.refused(command, answer);
    return parseServersState(answer, this.label);
  }

  async set(backend: string, server: string, state: AdminState): Promise<ServerState> {
    const command = `set server ${checkName("backend", backend)}/${checkName("server", server)} state ${this.checkState(state)}`;
    const answer = await this.api.send(command);
    // success is an empty answer; anything else is HAProxy saying why not
    if (answer.trim() !== "") throw this.refused(command, answer);
    const after = await this.find(backend, server);
    if (after.admin !== state) {
      const why = after.inherited
        ? ` (its state comes from elsewhere: the configuration's \`disabled\`, a tracked server, or a failed address resolution)`
        : "";
      throw new UpchainError(
        "LB_STATE_MISMATCH",
        `${this.label}: ${key(backend, server)} was set to ${state}, but HAProxy reads it back as ${after.admin}${why}`,
        ["server"],
      );
    }
    return after;
  }

  async sessions(backend: string, server: string): Promise<number> {
    checkName("backend", backend);
    checkName("server", server);
    // every proxy (-1), servers only (4), every server (-1): asking by name would find a frontend
    // of the same name first
    const command = "show stat -1 4 -1";
    const answer = await this.api.send(command);
    if (!answer.startsWith("# pxname,")) throw this.refused(command, answer);
    const load = parseShowStat(answer, this.label).get(key(backend, server));
    if (!load) throw new UpchainError("COMMAND_FAILED", `${this.label}: HAProxy has no server ${key(backend, server)} in \`show stat\``, ["server"]);
    return load.sessions + load.queued;
  }

  async ownStates(): Promise<OwnStates> {
    if (!this.ledger) throw new UpchainError("COMMAND_FAILED", `${this.label}: no place to note the pool states upchain sets was given`);
    return this.ledger.read();
  }

  async recordOwn(backend: string, server: string, state: AdminState): Promise<void> {
    if (!this.ledger) throw new UpchainError("COMMAND_FAILED", `${this.label}: no place to note the pool states upchain sets was given`);
    await this.ledger.record(backend, server, state);
  }

  async waitDrained(backend: string, server: string, deadline: number): Promise<void> {
    for (;;) {
      const state = await this.find(backend, server);
      if (state.admin === "ready") {
        throw new UpchainError(
          "LB_STATE_MISMATCH",
          `${this.label}: waiting for ${key(backend, server)} to drain, but it is ready again (someone put it back)`,
          ["server"],
        );
      }
      const open = await this.sessions(backend, server);
      if (open === 0) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new UpchainError(
          "LB_STATE_MISMATCH",
          `${this.label}: ${key(backend, server)} still has ${open} session(s) or queued request(s) at the deadline; it was not drained`,
          ["server"],
        );
      }
      await sleep(Math.min(this.pollMs, left));
    }
  }

  private async find(backend: string, server: string): Promise<ServerState> {
    checkName("server", server);
    const found = (await this.read(backend)).find((s) => s.backend === backend && s.server === server);
    if (!found) throw new UpchainError("COMMAND_FAILED", `${this.label}: backend ${backend} has no server ${server}`, ["server"]);
    return found;
  }

  private checkState(state: string): AdminState {
    if (!adminStates.includes(state as AdminState))
      throw new UpchainError("INVALID_INPUT", `state ${JSON.stringify(state)} must be one of ${adminStates.join(", ")}`, ["state"]);
    return state as AdminState;
  }

  /** HAProxy's own words, with what to do about the usual ones. */
  private refused(command: string, answer: string): UpchainError {
    const said = answer.split("\n").filter((l) => l.trim() !== "");
    const message = said.slice(0, 3).map(excerpt).join(" ") + (said.length > 3 ? " ..." : "");
    const hint = /permission denied/i.test(answer)
      ? "; the socket must be bound with `level admin` for upchain to change server states"
      : /unknown command/i.test(answer)
        ? "; is this HAProxy's runtime API, and HAProxy 1.6 or newer?"
        : "";
    return new UpchainError("COMMAND_FAILED", `${this.label}: HAProxy refused "${command}": ${message || "(no message)"}${hint}`);
  }
}
