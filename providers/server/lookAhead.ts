// Preview's looks at the hosts, side by side. Pulumi's engine calls each resource's check one after
// the other, and a Server's check is an SSH connection and a few reads: a hundred servers would be
// looked at one by one. A LookAhead resource (providers/lookAhead) is checked first with every
// server's inputs; it starts all their checks at once (a bounded number at a time) and leaves each
// result here, and each Server's own check then takes its result instead of looking again. A result
// is taken once and only by inputs that are the same to the byte (the provider's own key aside), in
// this provider process, within minutes: anything else simply looks again.
import { createHash } from "crypto";

type Look<T> = { result: Promise<T>; at: number };

const looks = new Map<string, Look<unknown>>();
// older than this, a look is made again: a host may have changed since (a wave before it ran)
const FRESH_MS = 2 * 60_000;

/** The inputs' digest: keys sorted at every level, the dynamic provider's own `__provider` left out. */
export function lookKey(news: Record<string, unknown>): string {
  const stable = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(stable)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .filter((k) => k !== "__provider")
              .map((k) => [k, stable((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash("sha256")
    .update(JSON.stringify(stable(news)))
    .digest("hex");
}

export function rememberLook<T>(news: Record<string, unknown>, result: Promise<T>): void {
  result.catch(() => undefined); // taken and awaited later, or never: either way not an unhandled rejection
  looks.set(lookKey(news), { result, at: Date.now() });
}

/** The look started for these very inputs, once; undefined when there is none (or it is stale). */
export function takeLook<T>(news: Record<string, unknown>): Promise<T> | undefined {
  const key = lookKey(news);
  const found = looks.get(key);
  looks.delete(key);
  if (!found || Date.now() - found.at > FRESH_MS) return undefined;
  return found.result as Promise<T>;
}

/** Run `jobs` with at most `limit` at a time. */
export async function bounded<T>(jobs: (() => Promise<T>)[], limit: number): Promise<PromiseSettledResult<T>[]> {
  const out: PromiseSettledResult<T>[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]().then(
        (value) => ({ status: "fulfilled", value }) as const,
        (reason) => ({ status: "rejected", reason }) as const,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}
