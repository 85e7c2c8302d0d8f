// The time axis of the run picture: round steps (1 s ... 12 h) so that the ticks fall on times people
// read at a glance, at most MAX_INTERVALS of them across the run.

export interface Tick {
  /** Milliseconds from the run's start. */
  ms: number;
  label: string;
}

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const STEPS = [
  1 * S,
  2 * S,
  5 * S,
  10 * S,
  15 * S,
  30 * S,
  1 * MIN,
  2 * MIN,
  5 * MIN,
  10 * MIN,
  15 * MIN,
  30 * MIN,
  1 * H,
  2 * H,
  3 * H,
  6 * H,
  12 * H,
  24 * H,
];
const MAX_INTERVALS = 8;

/** "0 s", "45 s", "1 min 15 s", "2 h 30 min": the largest two units a round tick needs. */
function tickLabel(ms: number): string {
  const s = Math.round(ms / S);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  const m = Math.floor(s / 60);
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m / 60} h`;
}

/** Ticks from 0 to the run's span (inclusive when it falls on one), at the smallest round step that fits. */
export function timeTicks(spanMs: number): Tick[] {
  const span = Math.max(0, spanMs);
  const step = STEPS.find((s) => span / s <= MAX_INTERVALS) ?? Math.ceil(span / MAX_INTERVALS / H) * H;
  const out: Tick[] = [];
  for (let ms = 0; ms <= span + 1e-6; ms += step) out.push({ ms, label: tickLabel(ms) });
  return out;
}
