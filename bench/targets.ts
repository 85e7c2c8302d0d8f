// Issue 20's targets, each judged from one run's figures: met or missed, and by how much. A target
// whose N was not measured in this run says so instead of a verdict.
import { Figures, Stats, Table, fasterAnsible } from "./report";

export interface Verdict {
  target: string;
  /** the measured value (a ratio, or MiB), undefined when this run did not measure it */
  measured?: number;
  limit?: number;
  unit: "×" | "MiB" | "MiB/host";
  met?: boolean;
  note: string;
}

const med = (s?: Stats) => s?.median;
const div = (a?: number, b?: number) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined);
/** 200 MB, as the issue writes it, in MiB (the sampler's unit) */
export const PROVIDER_LIMIT_MIB = 200e6 / 2 ** 20;

/** What did not finish in a run, by what it was ("preview N = 500", "up N = 100"): the reason, one line. */
export type Failures = Record<string, string>;

function judge(target: string, measured: number | undefined, limit: number | undefined, unit: Verdict["unit"], what: string, failures: Failures = {}): Verdict {
  const failed = Object.entries(failures).find(([k]) => k === what);
  if (measured === undefined && failed) return { target, limit, unit, note: `failed in this run (${failed[0]}: ${failed[1]})` };
  if (measured === undefined) return { target, limit, unit, note: `not measured in this run (${what})` };
  if (limit === undefined) return { target, measured, unit, note: "measured (no limit set)" };
  const met = measured <= limit;
  const by = Math.abs(measured - limit);
  const pct = (100 * by) / limit;
  const d = unit === "×" ? 2 : 0;
  return {
    target,
    measured,
    limit,
    unit,
    met,
    note: `${met ? "met" : "missed"} by ${by.toFixed(d)}${unit === "×" ? "×" : " MiB"} (${pct.toFixed(0)}% ${met ? "under" : "over"} the limit)`,
  };
}

const upRatio = (row: Record<string, Figures> | undefined, den: string | undefined) =>
  div(med(row?.upchain?.seconds), den ? med(row?.[den]?.seconds) : undefined);
const fasterName = (row?: Record<string, Figures>) => {
  const f = row && fasterAnsible(row);
  return f === "ansibleTuned" ? "the tuned Ansible" : f === "ansible" ? "the idiomatic Ansible" : "the faster Ansible";
};

/** `upOwn`: the bench's own one-hop product's up (bench/ownProduct.ts), by N: where up at 500 is measured. */
export function verdicts(up: Table, preview: Table, failures: Failures = {}, upOwn: Record<string, Figures> = {}): Verdict[] {
  const u20 = up["20"],
    u1 = up["1"],
    p100 = preview["100"],
    p500 = preview["500"];
  // CPU is compared at the largest N where the floor ran too (an upchain-only size has no floor)
  const largest = Object.keys(up)
    .filter((n) => up[n].upchain && up[n].floor)
    .map(Number)
    .sort((a, b) => b - a)[0];
  const uL = largest === undefined ? undefined : up[String(largest)];
  return [
    judge("up at N = 20: upchain / floor ≤ 1.3×", upRatio(u20, "floor"), 1.3, "×", "N = 20", failures),
    judge(`up at N = 20: upchain / faster Ansible (${fasterName(u20)}) ≤ 0.8×`, upRatio(u20, u20 && fasterAnsible(u20)), 0.8, "×", "N = 20", failures),
    judge("up at N = 20: upchain / resumable floor ≤ 1.15×", upRatio(u20, "floorResumable"), 1.15, "×", "N = 20", failures),
    judge(`up at N = 1: upchain / faster Ansible (${fasterName(u1)}) ≤ 1×`, upRatio(u1, u1 && fasterAnsible(u1)), 1, "×", "N = 1", failures),
    judge(
      "preview at N = 100: upchain / engine floor ≤ 1.5×",
      div(med(p100?.upchain?.seconds), med(p100?.engineFloor?.seconds)),
      1.5,
      "×",
      "preview N = 100",
      failures,
    ),
    judge(
      "preview at N = 500: upchain / engine floor ≤ 2×",
      div(med(p500?.upchain?.seconds), med(p500?.engineFloor?.seconds)),
      2,
      "×",
      "preview N = 500",
      failures,
    ),
    judge("provider peak memory in up at N = 100 ≤ 200 MB", med(up["100"]?.upchain?.providerMiB), PROVIDER_LIMIT_MIB, "MiB", "up N = 100", failures),
    (upOwn["500"] || failures["up-own N = 500"]) && !up["500"]?.upchain
      ? judge(
          "provider peak memory in up at N = 500, per host (the bench's own one-hop product)",
          div(med(upOwn["500"]?.providerMiB), 500),
          undefined,
          "MiB/host",
          "up-own N = 500",
          failures,
        )
      : judge("provider peak memory in up at N = 500, per host", div(med(up["500"]?.upchain?.providerMiB), 500), undefined, "MiB/host", "up N = 500", failures),
    judge(
      `CPU-seconds per host-hop at N = ${largest ?? "?"} (the largest): upchain / floor ≤ 1.2×`,
      div(med(uL?.upchain?.cpuPerUnit), med(uL?.floor?.cpuPerUnit)),
      1.2,
      "×",
      "CPU accounting, at an N where the floor ran",
      failures,
    ),
  ];
}

export function verdictMarkdown(vs: Verdict[]): string[] {
  const val = (v: Verdict, x?: number) =>
    x === undefined ? "–" : v.unit === "×" ? `${x.toFixed(2)}×` : v.unit === "MiB" ? `${x.toFixed(0)} MiB` : `${x.toFixed(2)} MiB`;
  return [
    "| target | measured | limit | verdict |",
    "|---|---:|---:|---|",
    ...vs.map(
      (v) =>
        `| ${v.target} | ${val(v, v.measured)} | ${val(v, v.limit)} | ${v.met === undefined ? "" : v.met ? "**met**: " : "**missed**: "}${v.note.replace(/^(met|missed) /, "")} |`,
    ),
  ];
}
