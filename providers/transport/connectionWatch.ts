// Watches an SSH client for the whole life of the connection. ssh2 reports a dropped connection
// (ECONNRESET, a keepalive timeout) as an `error` event at any time, and Node throws an `error` event
// nobody listens to: one listener is kept from the first connect to the end, so a late error marks
// the connection lost instead of crashing the provider, and every operation still waiting on it is
// told at once rather than hanging.
import { EventEmitter } from "events";
import { UpchainError, maskSecrets } from "../errors";

export interface WatchedClient extends EventEmitter {
  end(): unknown;
}

export class ConnectionWatch {
  private ready = false;
  private lostReason: string | undefined;
  private readonly waiting = new Set<() => void>();
  private firstError: ((err: Error) => void) | undefined;

  constructor(
    private readonly client: WatchedClient,
    private readonly label: string,
    private readonly secrets: readonly (string | undefined)[],
  ) {
    client.on("error", (err: Error) => {
      if (!this.ready && this.firstError) return this.firstError(err);
      this.lose(`${err.message}`);
    });
    client.on("close", () => {
      if (!this.ready && this.firstError) return this.firstError(new Error("the server closed the connection before login completed"));
      this.lose("the server closed the connection");
    });
  }

  /** Resolves when the client is logged in; rejects with the first error before that. */
  whenReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstError = (err) => {
        this.firstError = undefined;
        this.lostReason = err.message;
        reject(err);
      };
      this.client.once("ready", () => {
        this.ready = true;
        this.firstError = undefined;
        resolve();
      });
    });
  }

  get isLost(): boolean {
    return this.lostReason !== undefined;
  }

  /** We close the connection on purpose: later operations are refused, nothing is reported. */
  closing(): void {
    this.lostReason ??= "the connection was closed";
  }

  /** Why the connection cannot be used, as the error an operation reports. */
  lostError(what: string): UpchainError {
    const why = maskSecrets(this.lostReason ?? "the connection dropped", this.secrets);
    return new UpchainError("CONNECTION_FAILED", `${this.label}: cannot ${what}: the connection was lost (${why}); nothing more was sent to the host over it`, [
      "connection",
    ]);
  }

  /**
   * Run an operation that completes through callbacks, rejecting it with lostError when the
   * connection is or becomes lost before it completes.
   */
  guard<T>(what: string, run: (resolve: (v: T) => void, reject: (e: unknown) => void) => void): Promise<T> {
    if (this.isLost) return Promise.reject(this.lostError(what));
    return new Promise<T>((resolve, reject) => {
      const onLost = () => reject(this.lostError(what));
      this.waiting.add(onLost);
      const settle =
        <A>(f: (a: A) => void) =>
        (a: A) => {
          this.waiting.delete(onLost);
          f(a);
        };
      try {
        run(settle(resolve), settle(reject));
      } catch (e) {
        settle(reject)(this.isLost ? this.lostError(what) : e);
      }
    });
  }

  private lose(reason: string): void {
    if (this.lostReason === undefined) this.lostReason = reason;
    try {
      this.client.end();
    } catch {
      // the socket may already be gone; the connection is lost either way
    }
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const w of waiting) w();
  }
}
