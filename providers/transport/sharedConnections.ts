// One login per server per `pulumi up`: the engine asks the provider to check a server (the read-only
// look preview shows) and then to converge it, and each used to log in on its own: a second handshake,
// key exchange and authentication for every server of the fleet. Here a connection a caller is done with
// is kept, idle, for the next caller with the very same login, within this provider process.
//
// A kept connection is lent to one caller at a time: two resources on one machine with one login get
// two connections, as before, and never share one's channels (sshd caps the sessions of one connection).
// It is kept under its connection's full identity (host, port, user, pinned key, key, passphrase,
// password): two servers whose logins differ in anything never share one. That identity is held as an
// HMAC under a key made at random for this process, never as the secrets themselves: no secret is kept
// anywhere it was not already (the connection holds its credentials, as it did).
//
// A kept connection closes after IDLE_MS unused, and with the process when the engine is done with the
// provider; one that dropped while it waited is closed instead of lent, and its caller logs in anew.
import { createHmac, randomBytes } from "crypto";
import type { Duplex } from "stream";
import { ExecOptions, ExecResult, ReconnectOptions, RemoteHost, StreamTarget, Connection } from "./remoteHost";
import { SshOptions, connectSsh } from "./ssh";

/** How long a connection nobody uses is kept: long enough for a fleet's checks to reach its converges. */
export const IDLE_MS = 5 * 60_000;

/** A lent connection: `close` hands it back to be kept; `discard` closes it for good (it is not to be trusted again). */
export interface LentHost extends RemoteHost {
  discard(): Promise<void>;
}

type Connect = (c: Connection, o?: SshOptions) => Promise<RemoteHost>;

export class SharedConnections {
  private readonly idle = new Map<string, { host: RemoteHost; timer: NodeJS.Timeout }[]>();
  private readonly secret = randomBytes(32);
  /** Logins made, for the tests and the bench. */
  logins = 0;

  constructor(
    private readonly connect: Connect = connectSsh,
    private readonly idleMs = IDLE_MS,
  ) {}

  /** The connection's identity, every field of it, as an HMAC: never the secrets themselves. */
  private keyOf(c: Connection): string {
    const identity = JSON.stringify([
      c.host,
      c.port ?? 22,
      c.user ?? "root",
      c.hostKey,
      c.privateKey ?? null,
      c.privateKeyPassphrase ?? null,
      c.password ?? null,
    ]);
    return createHmac("sha256", this.secret).update(identity).digest("hex");
  }

  /** A kept connection with this login, or a new one; handed back by the lent host's close. */
  async lend(c: Connection, o?: SshOptions): Promise<LentHost> {
    const key = this.keyOf(c);
    const kept = this.idle.get(key) ?? [];
    let host: RemoteHost | undefined;
    while (!host && kept.length) {
      const k = kept.pop()!;
      clearTimeout(k.timer);
      if (k.host.lost) await k.host.close().catch(() => undefined);
      else host = k.host;
    }
    if (!kept.length) this.idle.delete(key);
    if (!host) {
      host = await this.connect(c, o);
      this.logins++;
    }
    return lent(host, (h) => this.keep(key, h));
  }

  private keep(key: string, host: RemoteHost): void {
    if (host.lost) {
      void host.close().catch(() => undefined);
      return;
    }
    const kept = this.idle.get(key) ?? [];
    const entry = { host, timer: setTimeout(() => this.expire(key, entry), this.idleMs) };
    // a kept connection never keeps the process alive: the engine ends the provider when it is done
    entry.timer.unref();
    kept.push(entry);
    this.idle.set(key, kept);
  }

  private expire(key: string, entry: { host: RemoteHost }): void {
    const kept = (this.idle.get(key) ?? []).filter((k) => k !== entry);
    if (kept.length) this.idle.set(key, kept);
    else this.idle.delete(key);
    void entry.host.close().catch(() => undefined);
  }

  /** How many connections are kept, unused. */
  get kept(): number {
    return [...this.idle.values()].reduce((n, l) => n + l.length, 0);
  }

  /** Close every kept connection now. */
  async closeAll(): Promise<void> {
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    for (const k of all) clearTimeout(k.timer);
    await Promise.all(all.map((k) => k.host.close().catch(() => undefined)));
  }
}

/** `host` lent: every operation passes through; close hands it back once, and it is not used after. */
function lent(host: RemoteHost, handBack: (h: RemoteHost) => void): LentHost {
  let done = false;
  const live = () => {
    if (done) throw new Error(`${host.label}: this connection was handed back`);
    return host;
  };
  return {
    label: host.label,
    get lost() {
      return done || host.lost;
    },
    exec: async (command: string, options?: ExecOptions): Promise<ExecResult> => live().exec(command, options),
    readFile: async (path: string) => live().readFile(path),
    writeFile: async (path: string, data: Buffer | string, mode?: number) => live().writeFile(path, data, mode),
    ...(host.openStream ? { openStream: async (t: StreamTarget): Promise<Duplex> => live().openStream!(t) } : {}),
    ...(host.reconnect ? { reconnect: async (o: ReconnectOptions) => live().reconnect!(o) } : {}),
    close: async () => {
      if (done) return;
      done = true;
      handBack(host);
    },
    discard: async () => {
      if (done) return;
      done = true;
      await host.close();
    },
  };
}

/** This provider process's kept connections. */
export const sharedConnections = new SharedConnections();

/** Like withSsh, over a kept connection with this login when there is one; handed back after. */
export async function withSharedSsh<T>(conn: Connection, fn: (host: RemoteHost) => Promise<T>, options?: SshOptions): Promise<T> {
  const host = await sharedConnections.lend(conn, options);
  try {
    return await fn(host);
  } finally {
    await host.close();
  }
}
