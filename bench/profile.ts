// Where upchain's time goes in one `pulumi up`: from the run records its provider writes (one per
// server: each step's start and end as the controller saw them), the sum of step durations against
// the wall time, the time before the first step and after the last, the gaps between steps (journal
// writes, polling), and per step id the median duration next to the floor's time for the same step.
import { RunRecord } from "../providers/engine/running/runRecord";
import { StepTime } from "./floor";
import { stats, Stats } from "./report";

export interface Profile {
  n: number;
  wallSeconds: number;
  /** per server, then summed over servers */
  stepSecondsPerServer: Stats;
  gapSecondsPerServer: Stats;
  /** from the CLI's spawn to the first step's start, and from the last step's end to the CLI's exit (median over servers) */
  beforeFirstStep: Stats;
  afterLastStep: Stats;
  /** the span of all steps of a server (first start to last end) */
  stepSpanPerServer: Stats;
  perStep: { id: string; upchainMedian: number; floorMedian?: number; ratio?: number; count: number }[];
}

const sec = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 1000;

export function profile(runs: RunRecord[], wallSeconds: number, startedAt: number, endedAt: number, floorSteps: StepTime[][]): Profile {
  const sums: number[] = [],
    gaps: number[] = [],
    before: number[] = [],
    after: number[] = [],
    spans: number[] = [];
  const byId = new Map<string, number[]>();
  for (const r of runs) {
    const steps = r.steps.filter((s) => s.kind === "step" && s.end);
    if (!steps.length) continue;
    let sum = 0,
      gap = 0;
    steps.forEach((s, i) => {
      const d = sec(s.start, s.end!);
      sum += d;
      byId.set(s.id, [...(byId.get(s.id) ?? []), d]);
      if (i > 0) gap += sec(steps[i - 1].end!, s.start);
    });
    sums.push(sum);
    gaps.push(gap);
    before.push((Date.parse(steps[0].start) - startedAt) / 1000);
    after.push((endedAt - Date.parse(steps[steps.length - 1].end!)) / 1000);
    spans.push(sec(steps[0].start, steps[steps.length - 1].end!));
  }
  const floorById = new Map<string, number[]>();
  for (const host of floorSteps) for (const s of host) floorById.set(s.id, [...(floorById.get(s.id) ?? []), s.seconds]);
  const perStep = [...byId.entries()].map(([id, ds]) => {
    const u = stats(ds).median;
    const f = floorById.has(id) ? stats(floorById.get(id)!).median : undefined;
    return { id, upchainMedian: u, floorMedian: f, ratio: f ? u / f : undefined, count: ds.length };
  });
  const z = (xs: number[]) => (xs.length ? stats(xs) : { median: NaN, min: NaN, max: NaN, n: 0 });
  return {
    n: runs.length,
    wallSeconds,
    stepSecondsPerServer: z(sums),
    gapSecondsPerServer: z(gaps),
    beforeFirstStep: z(before),
    afterLastStep: z(after),
    stepSpanPerServer: z(spans),
    perStep,
  };
}

export function profileText(p: Profile): string {
  const f = (s: Stats) => `${s.median.toFixed(2)} s (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)})`;
  const lines = [
    "```",
    `upchain up at N=${p.n}: wall ${p.wallSeconds.toFixed(1)} s`,
    `  CLI start -> a server's first step starts: ${f(p.beforeFirstStep)}`,
    `  a server's steps, first start -> last end:  ${f(p.stepSpanPerServer)}`,
    `    of which inside steps (sum of durations): ${f(p.stepSecondsPerServer)}`,
    `    of which between steps (journal, polls):  ${f(p.gapSecondsPerServer)}`,
    `  a server's last step ends -> CLI exits:     ${f(p.afterLastStep)}`,
    "```",
    "",
    "| step | upchain median s | floor median s | upchain/floor |",
    "|---|---:|---:|---:|",
    ...p.perStep.map(
      (s) =>
        `| ${s.id} | ${s.upchainMedian.toFixed(3)} | ${s.floorMedian?.toFixed(3) ?? "–"} | ${s.ratio ? s.ratio.toFixed(s.ratio < 10 ? 1 : 0) + "×" : "–"} |`,
    ),
  ];
  return lines.join("\n") + "\n";
}
