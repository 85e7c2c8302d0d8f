// The side-effect boundary: everything upchain does to a server goes through this interface, so the
// planner and executor can be tested with a fake and run for real over SSH.
import type { Duplex } from "stream";

export interface ExecResult {
  /** Exit status, or null when the command was ended by a signal. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Text written to the command's standard input. */
  stdin?: string;
  /** Run through sudo when the login user is not root. */
  sudo?: boolean;
  /** Called with each chunk of output as it arrives (for progress). */
  onOutput?: (chunk: string, stream: "stdout" | "stderr") => void;
}

export interface RemoteHost {
  /** A label for messages: user@host:port. Never contains a credential. */
  readonly label: string;
  /**
   * True once the connection is known to be gone (it dropped, or was closed): every operation on it
   * fails, and nothing more reaches the host over it. Hosts that cannot tell leave it undefined.
   */
  readonly lost?: boolean;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  readFile(path: string): Promise<Buffer>;
  writeFile(path: string, data: Buffer | string, mode?: number): Promise<void>;
  close(): Promise<void>;
  /**
   * Drop the connection and connect again (for a step that reboots the machine). Only hosts that
   * know how to reach the machine again implement it; see reconnectingHost.ts.
   */
  reconnect?(options: ReconnectOptions): Promise<void>;
  /**
   * A byte stream to a unix socket or a TCP port as seen from the host (an admin socket, a portal on
   * the host's localhost), tunnelled through the connection. It is opened by the login user, with
   * that user's rights, never through sudo: a socket only root or a group may use needs such a login.
   * Only hosts with a tunnel implement it (SSH; a fake in unit tests).
   */
  openStream?(target: StreamTarget): Promise<Duplex>;
}

/** Where a tunnelled stream goes on the host: a unix socket, or a TCP address it can reach. */
export type StreamTarget = { socketPath: string } | { host: string; port: number };

export function streamTargetLabel(t: StreamTarget): string {
  return "socketPath" in t ? `unix:${t.socketPath}` : `tcp:${t.host}:${t.port}`;
}

export interface ReconnectOptions {
  /** Epoch milliseconds after which to give up. */
  deadline: number;
  /** Accept the new connection only when this says so (e.g. the boot marker changed). */
  accept?: (host: RemoteHost) => Promise<boolean>;
  /** Told about each failed attempt (for progress lines). */
  onAttempt?: (attempt: number, error: string) => void;
}

/** The connection fields a resource takes, as plain values (defined in providers/connection.ts). */
export type { Connection } from "../connection";
import type { Connection } from "../connection";

export function connectionLabel(c: Pick<Connection, "host" | "port" | "user">): string {
  return `${c.user ?? "root"}@${c.host}:${c.port ?? 22}`;
}
