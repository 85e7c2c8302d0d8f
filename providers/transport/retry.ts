// One retry for everything that talks to a host: attempts until a deadline or a count, a pause that
// grows between them, only the failures the caller calls retryable tried again, and, on giving up, the
// caller's own error (its own words for what it was doing), built from the last failure. It knows
// nothing of hosts: contact.ts adds reconnecting and "does the host still answer".

export interface RetryPolicy {
  /** No attempt starts once this moment (Date.now() ms) has passed. */
  until?: number;
  /** At most this many attempts. With neither `until` nor `attempts`, a retryable failure is retried for ever. */
  attempts?: number;
  /** The pause after failed attempt `n` (counting from 0); no pause by default. */
  backoffMs?: (n: number) => number;
  /** Whether a failure is worth another attempt; one that is not is thrown as it is. Every failure is, by default. */
  retryable?: (e: unknown) => boolean | Promise<boolean>;
  /** Run after a failure that will be retried, before the pause (a reconnect); a failure of its own becomes the last failure. */
  recover?: (e: unknown, until: number | undefined) => Promise<void>;
  /** The error thrown on giving up, from the last failure (keep it as the error's cause). */
  giveUp: (last: unknown) => Error;
  /** For tests: the clock and the pause. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A pause that doubles from `firstMs` after each failure, never longer than `maxMs`. */
export const doubling =
  (firstMs: number, maxMs: number) =>
  (n: number): number =>
    Math.min(firstMs * 2 ** Math.min(n, 30), maxMs);

export async function retry<T>(attempt: () => Promise<T>, p: RetryPolicy): Promise<T> {
  const now = p.now ?? Date.now;
  const sleep = p.sleep ?? realSleep;
  const spent = (n: number) => (p.attempts !== undefined && n + 1 >= p.attempts) || (p.until !== undefined && now() >= p.until);
  for (let n = 0; ; n++) {
    let last: unknown;
    try {
      return await attempt();
    } catch (e) {
      if (p.retryable && !(await p.retryable(e))) throw e;
      last = e;
    }
    if (!spent(n) && p.recover) await p.recover(last, p.until).catch((e: unknown) => (last = e));
    if (spent(n)) throw p.giveUp(last);
    const pause = p.backoffMs?.(n) ?? 0;
    if (pause > 0) await sleep(pause);
  }
}
