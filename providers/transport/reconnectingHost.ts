// A RemoteHost that can connect again: a reboot step drops the connection on purpose, and the
// executor carries on over a new one. Everything else (lock, journal, heartbeats) holds this object,
// so it never notices that the connection underneath was replaced. A connection that dropped by
// itself is replaced too, before the next operation: nothing was sent over the lost one after it
// dropped, so connecting again cannot run anything twice. Reads and writes (a write is an atomic
// replace) are tried once more over a new connection when the link drops under them; a command is
// not, since it may have run. Opening a stream is tried once more too: nothing has been sent on it.
import type { Duplex } from "stream";
import { UpchainError, isUpchainError } from "../errors";
import { ExecOptions, ExecResult, ReconnectOptions, RemoteHost, StreamTarget } from "./remoteHost";
import type { LentHost } from "./sharedConnections";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ReconnectingHost implements RemoteHost {
  private current: RemoteHost | undefined;

  constructor(
    first: RemoteHost,
    private readonly connect: (timeoutMs: number) => Promise<RemoteHost>,
    /** First wait between attempts; doubled after each failure up to maxBackoffMs. */
    private readonly backoffMs = 1000,
    private readonly maxBackoffMs = 10_000,
    /** How long to keep trying to replace a connection that dropped by itself. */
    private readonly relinkMs = 60_000,
  ) {
    this.current = first;
    this.label = first.label;
  }

  readonly label: string;

  private get host(): RemoteHost {
    if (!this.current)
      throw new UpchainError("CONNECTION_FAILED", `${this.label}: not connected (the connection is being made again after a reboot, or could not be)`);
    return this.current;
  }

  get lost(): boolean {
    return this.current?.lost === true;
  }

  /** Shared by the operations that find the connection lost at the same time: one new connection. */
  private relinking: Promise<Error | undefined> | undefined;

  /** The connection to use: the current one, or a new one when it dropped. */
  private async live(): Promise<RemoteHost> {
    if (!this.relinking && this.current?.lost) {
      this.relinking = this.reconnect({ deadline: Date.now() + this.relinkMs })
        .then(
          () => undefined,
          (e: Error) => e,
        )
        .finally(() => (this.relinking = undefined));
    }
    const failed = await this.relinking;
    if (failed) {
      throw new UpchainError(
        "CONNECTION_FAILED",
        `${this.label}: the connection dropped and could not be made again within ${Math.round(this.relinkMs / 1000)}s: ${failed.message}`,
        ["connection"],
        { cause: failed },
      );
    }
    return this.host;
  }

  /** Run an operation that is safe to repeat, once more over a new connection if the link drops under it. */
  private async repeatable<T>(op: (h: RemoteHost) => Promise<T>): Promise<T> {
    const h = await this.live();
    try {
      return await op(h);
    } catch (e) {
      if (!isUpchainError(e, "CONNECTION_FAILED") || !h.lost) throw e;
      return op(await this.live());
    }
  }

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return (await this.live()).exec(command, options);
  }
  async readFile(path: string): Promise<Buffer> {
    return this.repeatable((h) => h.readFile(path));
  }
  async writeFile(path: string, data: Buffer | string, mode?: number): Promise<void> {
    return this.repeatable((h) => h.writeFile(path, data, mode));
  }
  async openStream(target: StreamTarget): Promise<Duplex> {
    return this.repeatable((h) => {
      if (!h.openStream) throw new UpchainError("CONNECTION_FAILED", `${this.label}: this connection cannot tunnel a stream to the host`);
      return h.openStream(target);
    });
  }
  async close(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    await c?.close().catch(() => undefined);
  }

  /** Drop the current connection for good: one lent by sharedConnections.ts is not handed back to be kept, since it is to be replaced. */
  private async drop(): Promise<void> {
    const c = this.current as (RemoteHost & Partial<LentHost>) | undefined;
    this.current = undefined;
    await (c?.discard ? c.discard() : c?.close())?.catch(() => undefined);
  }

  /** New connections with exponential backoff until one is accepted or the deadline passes. */
  async reconnect(o: ReconnectOptions): Promise<void> {
    await this.drop();
    let wait = this.backoffMs;
    let last = "no attempt made";
    let cause: unknown;
    for (let attempt = 1; ; attempt++) {
      await sleep(Math.max(0, Math.min(wait, o.deadline - Date.now())));
      const left = o.deadline - Date.now();
      if (left <= 0) break;
      try {
        const h = await this.connect(Math.max(1000, Math.min(left, 20_000)));
        if (!o.accept || (await o.accept(h))) {
          this.current = h;
          return;
        }
        last = "it answered, but has not restarted yet";
        cause = undefined;
        await h.close().catch(() => undefined);
      } catch (e) {
        last = (e as Error).message;
        cause = e;
      }
      o.onAttempt?.(attempt, last);
      wait = Math.min(wait * 2, this.maxBackoffMs);
    }
    throw new UpchainError(
      "HOST_DID_NOT_RETURN",
      `${this.label}: did not come back before the deadline (last attempt: ${last})`,
      [],
      cause === undefined ? undefined : { cause },
    );
  }
}
