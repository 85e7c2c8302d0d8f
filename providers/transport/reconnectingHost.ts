// A RemoteHost that can connect again: a reboot step drops the connection on purpose, and the
// executor carries on over a new one. Everything else (lock, journal, heartbeats) holds this object,
// so it never notices that the connection underneath was replaced.
import { UpchainError } from "../errors";
import { ExecOptions, ExecResult, ReconnectOptions, RemoteHost } from "./remoteHost";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ReconnectingHost implements RemoteHost {
  private current: RemoteHost | undefined;

  constructor(
    first: RemoteHost,
    private readonly connect: (timeoutMs: number) => Promise<RemoteHost>,
    /** First wait between attempts; doubled after each failure up to maxBackoffMs. */
    private readonly backoffMs = 1000,
    private readonly maxBackoffMs = 10_000,
  ) {
    this.current = first;
    this.label = first.label;
  }

  readonly label: string;

  private get host(): RemoteHost {
    if (!this.current) throw new UpchainError("CONNECTION_FAILED", `${this.label}: not connected (the host is being reconnected after a reboot)`);
    return this.current;
  }

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    return this.host.exec(command, options);
  }
  async readFile(path: string): Promise<Buffer> {
    return this.host.readFile(path);
  }
  async writeFile(path: string, data: Buffer | string, mode?: number): Promise<void> {
    return this.host.writeFile(path, data, mode);
  }
  async close(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    await c?.close().catch(() => undefined);
  }

  /** New connections with exponential backoff until one is accepted or the deadline passes. */
  async reconnect(o: ReconnectOptions): Promise<void> {
    await this.close();
    let wait = this.backoffMs;
    let last = "no attempt made";
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
        await h.close().catch(() => undefined);
      } catch (e) {
        last = (e as Error).message;
      }
      o.onAttempt?.(attempt, last);
      wait = Math.min(wait * 2, this.maxBackoffMs);
    }
    throw new UpchainError("HOST_DID_NOT_RETURN", `${this.label}: did not come back before the deadline (last attempt: ${last})`);
  }
}
