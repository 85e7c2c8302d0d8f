// How many SSH handshakes (TCP connect, key exchange, authentication) this process runs at once.
// A fleet's preview or up starts every server's connection together: at 500 servers, 500 key
// exchanges at the same moment. Each is CPU work on the controller (curve25519, the host key's
// signature, the client key's), and on a controller of a few cores they only queue for the CPU,
// each then taking long enough to run into its ready timeout. On the server side, OpenSSH's sshd
// starts dropping unauthenticated connections at random past MaxStartups (10 by default), which
// a burst of reconnects to one host (a balancer, a host behind one address) would cross. Holding
// the handshakes to a few at a time costs a fleet little (one takes tens of milliseconds here) and
// keeps each inside its timeout; the connections, once up, all run at once as before.

import { doubling, retry } from "./retry";

/** At most this many connections between TCP connect and authenticated at a time: sshd's default MaxStartups. */
export const HANDSHAKES_AT_ONCE = 10;

/** A counting semaphore: `run` waits for a place, runs, and gives the place back however it ends. */
export class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`a gate lets at least 1 through, not ${limit}`);
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.running++;
    try {
      return await fn();
    } finally {
      // the place passes straight to the next in line (running stays the same), or is given back
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

/** The process's one gate for SSH handshakes (transport/ssh.ts). */
export const handshakes = new Gate(HANDSHAKES_AT_ONCE);

/** How often a handshake that timed out is tried (the first try included), and the first wait between tries. */
export const HANDSHAKE_TRIES = 3;
export const HANDSHAKE_BACKOFF_MS = 2_000;

/** ssh2's ready timeout: nothing was authenticated, and a handshake changes nothing on the host. */
export function isHandshakeTimeout(e: unknown): boolean {
  return (e as { level?: string } | undefined)?.level === "client-timeout";
}

/**
 * A handshake run through `gate`, tried again when it timed out. At 100 hosts whose backups starve
 * both the controller's and the hosts' CPU, a key exchange that sshd gets no CPU for runs past its
 * ready timeout although nothing is wrong: since nothing was sent but the handshake, it is safe to
 * try it again, a few times, waiting longer each time (outside the gate, so the others go on).
 * Only a timeout is tried again: a refused login or a host key that does not match never is.
 * Each try's own timeout starts inside `attempt`, that is when the gate lets it through.
 */
export async function handshakeWithRetry<T>(
  attempt: () => Promise<T>,
  o: { gate?: Gate; tries?: number; backoffMs?: number; onRetry?: (tried: number, e: Error) => void } = {},
): Promise<T> {
  const gate = o.gate ?? handshakes;
  let tried = 0;
  return retry(() => (tried++, gate.run(attempt)), {
    attempts: o.tries ?? HANDSHAKE_TRIES,
    retryable: isHandshakeTimeout,
    // said before the pause, which is spent outside the gate
    recover: async (e) => o.onRetry?.(tried, e as Error),
    backoffMs: doubling(o.backoffMs ?? HANDSHAKE_BACKOFF_MS, Number.POSITIVE_INFINITY),
    // the last try's own error, as it is: the caller reads its level and message
    giveUp: (last) => last as Error,
  });
}
