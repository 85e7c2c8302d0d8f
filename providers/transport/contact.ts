// Keeping contact with a host through a dropped link: the retry (retry.ts) with a reconnect between
// attempts, and the caller's own error once contact could not be had again in time. What the caller
// was doing, and so what the user must know and do, is the caller's to say (`lost`).
import { isUpchainError } from "../errors";
import { RemoteHost } from "./remoteHost";
import { doubling, retry } from "./retry";

export interface ContactOptions {
  /** Give up once this moment (Date.now() ms) has passed without a good attempt. */
  until: number;
  /** An error thrown while the host still answers is the operation's own (a full disk, a failed checksum): thrown at once. */
  ownErrors?: boolean;
  /** The caller's error on giving up: `last` is the last failure (keep it as the cause). */
  lost: (last: Error) => Error;
}

/** An attempt whose answer could not be read (it returned undefined): tried again, without reconnecting. */
class UnreadableAnswer extends Error {
  constructor() {
    super("the host's answer could not be read");
  }
}

/**
 * Run `fn` against the host; on a thrown error reconnect (when the host can) and try again until
 * `until`. A read (a poll) is retried whatever went wrong; with `ownErrors`, an error thrown while the
 * host still answers is thrown at once. A lost lock is never retried: no retry can change it.
 */
export function withContact<T>(host: RemoteHost, fn: () => Promise<T | undefined>, o: ContactOptions): Promise<T> {
  return retry(
    async () => {
      const v = await fn();
      if (v === undefined) throw new UnreadableAnswer();
      return v;
    },
    {
      until: o.until,
      backoffMs: doubling(500, 10_000),
      retryable: async (e) => !isUpchainError(e, "LOCK_LOST") && (e instanceof UnreadableAnswer || !o.ownErrors || !(await answers(host))),
      recover: async (e, until = o.until) => {
        if (!host.reconnect || e instanceof UnreadableAnswer) return;
        await host.reconnect({ deadline: Math.min(until, Date.now() + 30_000) });
      },
      giveUp: (last) => o.lost(last instanceof Error ? last : new Error(String(last))),
    },
  );
}

/** The last failure's text for a message, cut short. */
export const lastError = (last: Error): string => last.message.slice(0, 300);

/** Whether the host runs a trivial command within 15 s over the current connection. */
async function answers(host: RemoteHost): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 15_000)));
  const probe = host.exec("true").then(
    (r) => r.code === 0,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
