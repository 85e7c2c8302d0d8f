// What upchain needs from a load balancer while it upgrades the members behind it: read every
// server's state, take a member out of (or put it back into) a pool, and wait until a drained member
// has finished what it was serving. HAProxy's runtime API is one implementation (haproxyPools.ts);
// the rollout code only knows this interface, so it is tested against a fake.

/**
 * The administrative state a server is put in:
 * - ready: takes new traffic;
 * - drain: takes no new traffic, finishes what it has (and HAProxy keeps checking it);
 * - maint: takes nothing at all, and is not checked.
 */
export type AdminState = "ready" | "drain" | "maint";
export const adminStates: readonly AdminState[] = ["ready", "drain", "maint"];

/** Whether the balancer sees the server as able to serve (its health checks), apart from admin state. */
export type Health = "up" | "down";

export interface ServerState {
  backend: string;
  server: string;
  /** The server's address as the balancer has it ("-" or empty when it has none). */
  address: string;
  admin: AdminState;
  health: Health;
  /**
   * True when the admin state was not set on the server itself but comes from elsewhere (the
   * configuration's `disabled`, a tracked server, a failed DNS resolution): setting the state on this
   * server may then not change it.
   */
  inherited: boolean;
}

export interface Pools {
  /** Names the balancer and how it is reached, for messages. */
  readonly label: string;
  /** Every server of every backend (or of one backend), in the balancer's order. */
  read(backend?: string): Promise<ServerState[]>;
  /** Put a server in a state, read it back, and fail with LB_STATE_MISMATCH if it is not in it. */
  set(backend: string, server: string, state: AdminState): Promise<ServerState>;
  /** Sessions the server is serving now, plus requests queued for it. */
  sessions(backend: string, server: string): Promise<number>;
  /**
   * Wait until a server in drain or maint serves nothing (sessions() is 0), polling, until `deadline`
   * (epoch milliseconds); then LB_STATE_MISMATCH with what is still open. A server found ready again
   * while waiting is LB_STATE_MISMATCH too: someone else put it back, and waiting would mean nothing.
   */
  waitDrained(backend: string, server: string, deadline: number): Promise<void>;
  /** The states upchain set itself and has not given back (ledger.ts): "backend/server" -> drain | maint. */
  ownStates(): Promise<Map<string, Exclude<AdminState, "ready">>>;
  /** Note a state upchain is about to set (drain, maint), or forget it once the server is ready again (ready). */
  recordOwn(backend: string, server: string, state: AdminState): Promise<void>;
}

export const key = (backend: string, server: string): string => `${backend}/${server}`;
