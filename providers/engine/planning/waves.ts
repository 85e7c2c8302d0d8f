// Rollout waves for a fleet: pure, like the planner. Which servers go in which wave (Ansible's
// `serial`: a list of sizes, each a count or a percentage of the fleet, the last repeating), and
// whether a finished wave's failures stay within the budget (Ansible's `max_fail_percentage`).
// The components turn the waves into resource dependencies; the Wave gate applies the verdict.

/** A wave's size: a number of servers, or "N%" of the whole fleet (rounded down, at least 1). */
export type WaveSize = number | `${number}%`;

const SIZE_RULE = 'a whole number of servers (1 or more) or a percentage of the fleet like "25%"';

/** The problem with one size, or undefined when it is a legal one. */
export function sizeProblem(size: unknown): string | undefined {
  if (typeof size === "number") return Number.isInteger(size) && size >= 1 ? undefined : `${size} is not a wave size: give ${SIZE_RULE}`;
  if (typeof size === "string") {
    const m = /^(\d{1,3}(?:\.\d+)?)%$/.exec(size);
    if (m && Number(m[1]) > 0 && Number(m[1]) <= 100) return undefined;
    return `"${size.slice(0, 40)}" is not a wave size: give ${SIZE_RULE} (above 0%, up to 100%)`;
  }
  return `a wave size is ${SIZE_RULE}; found ${size === null ? "an empty value" : Array.isArray(size) ? "a list" : typeof size}`;
}

function countOf(size: WaveSize, fleet: number): number {
  if (typeof size === "number") return size;
  return Math.max(1, Math.floor((fleet * Number(size.slice(0, -1))) / 100));
}

/** The servers' names split into waves, in the order given. */
export function splitWaves(names: readonly string[], sizes: readonly WaveSize[]): string[][] {
  if (!sizes.length) return names.length ? [[...names]] : [];
  const waves: string[][] = [];
  let at = 0;
  for (let i = 0; at < names.length; i++) {
    const n = countOf(sizes[Math.min(i, sizes.length - 1)], names.length);
    waves.push(names.slice(at, at + n));
    at += n;
  }
  return waves;
}

export interface ServerOutcome {
  name: string;
  /** "ok": the server reached its target (or already ran it); "failed": its run failed, see error. */
  status: "ok" | "failed";
  error?: string;
}

export interface WaveVerdict {
  /** The rollout goes on to the next wave. */
  proceed: boolean;
  failed: ServerOutcome[];
  /** How many of the wave's servers may fail with the rollout going on. */
  allowed: number;
}

/** Whether a finished wave's failures stay within the budget (a failed share above maxFailPercentage stops). */
export function waveVerdict(outcomes: readonly ServerOutcome[], maxFailPercentage: number): WaveVerdict {
  const failed = outcomes.filter((o) => o.status !== "ok");
  const allowed = Math.floor((outcomes.length * maxFailPercentage) / 100 + 1e-9);
  return { proceed: failed.length <= allowed, failed, allowed };
}

/** A wave's name as preview, the errors and the gates show it: "wave 2 of 4". */
export const waveLabel = (index: number, count: number) => `wave ${index + 1} of ${count}`;
