// Turning the samples into figures: median/min/max per contender per N, the ratios, a Markdown table,
// the JSON with everything, and an SVG of wall time against N (written by hand: no plotting dependency).
import type { CpuSeconds } from "./contenders";
import { Peaks } from "./measure";

export interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

export interface Sample {
  seconds: number;
  peaks?: Peaks;
  cpu?: CpuSeconds;
}

export interface Figures {
  seconds: Stats;
  /** CPU-seconds (cgroup accounting) of the contender's controller, of the hosts, and both per unit of work */
  cpuController?: Stats;
  cpuHosts?: Stats;
  cpuPerUnit?: Stats;
  cliMiB?: Stats;
  providerMiB?: Stats;
  programMiB?: Stats;
  /** the peak of all the contender's processes together (summed PSS) */
  treeMiB?: Stats;
}

/** units: what the CPU-seconds are divided by (host-hops for up, hosts for preview). */
export function figures(samples: Sample[], units: number): Figures {
  const f: Figures = { seconds: stats(samples.map((s) => s.seconds)) };
  const withCpu = samples.filter((s) => s.cpu);
  if (withCpu.length && units > 0) {
    f.cpuController = stats(withCpu.map((s) => s.cpu!.controller));
    f.cpuHosts = stats(withCpu.map((s) => s.cpu!.hosts));
    f.cpuPerUnit = stats(withCpu.map((s) => (s.cpu!.controller + s.cpu!.hosts) / units));
  }
  const withPeaks = samples.filter((s) => s.peaks);
  if (withPeaks.length) {
    f.cliMiB = stats(withPeaks.map((s) => s.peaks!.cliKiB / 1024));
    f.providerMiB = stats(withPeaks.map((s) => s.peaks!.providerKiB / 1024));
    f.programMiB = stats(withPeaks.map((s) => s.peaks!.programKiB / 1024));
    f.treeMiB = stats(withPeaks.map((s) => s.peaks!.treeKiB / 1024));
  }
  return f;
}

const fmt = (s: Stats | undefined, d = 1) => (s ? `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})` : "–");
const ratio = (a?: Stats, b?: Stats) => (a && b && b.median > 0 ? a.median / b.median : undefined);
const fmtRatio = (r?: number) => (r === undefined ? "–" : `${r.toFixed(1)}×`);

export type Table = Record<string, Record<string, Figures>>; // N -> contender -> figures

/** The faster (by median wall time) of the two Ansible contenders in a row: upchain is compared with it. */
export function fasterAnsible(row: Record<string, Figures>): "ansible" | "ansibleTuned" | undefined {
  const a = row.ansible?.seconds.median;
  const t = row.ansibleTuned?.seconds.median;
  if (a === undefined) return t === undefined ? undefined : "ansibleTuned";
  return t !== undefined && t < a ? "ansibleTuned" : "ansible";
}

/** num/den of the medians per N; the denominator "fasterAnsible" is whichever Ansible was faster at that N. */
export function ratios(table: Table, num: string, dens: string[]): Record<string, Record<string, number | undefined>> {
  const out: Record<string, Record<string, number | undefined>> = {};
  for (const [n, row] of Object.entries(table)) {
    const pick = (d: string) => (d === "fasterAnsible" ? row[fasterAnsible(row) ?? ""] : row[d]);
    out[n] = Object.fromEntries(dens.map((d) => [`${num}/${d}`, ratio(row[num]?.seconds, pick(d)?.seconds)]));
  }
  return out;
}

export const LABELS: Record<string, string> = {
  upchain: "upchain",
  ansible: "Ansible (idiomatic)",
  ansibleTuned: "Ansible (tuned)",
  floor: "floor",
  floorResumable: "resumable floor",
  engineFloor: "engine floor",
};

/**
 * Per contender per N: wall time, CPU-seconds of its controller and of the hosts, both per unit of
 * work with the ratio to the floor's, and the peak of its processes' summed PSS.
 */
export function contenderMarkdown(t: Table, unit: string): string[] {
  const rows = Object.entries(t).flatMap(([n, row]) =>
    Object.entries(row).map(([c, f]) => {
      const base = row.floor?.cpuPerUnit ?? row.engineFloor?.cpuPerUnit;
      return (
        `| ${n} | ${LABELS[c] ?? c} | ${fmt(f.seconds, 2)} | ${fmt(f.cpuController, 2)} | ${fmt(f.cpuHosts, 2)} | ${fmt(f.cpuPerUnit, 3)} | ` +
        `${fmtRatio(ratio(f.cpuPerUnit, base))} | ${fmt(f.treeMiB, 0)} |`
      );
    }),
  );
  return [
    `| N | contender | wall s | controller CPU s | hosts CPU s | CPU s per ${unit} | CPU per ${unit} vs the floor | peak MiB (all its processes, PSS) |`,
    "|---:|---|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ];
}

export function markdown(up: Table, preview: Table, reps: number, verdicts: string[] = []): string {
  const lines = [
    `### pulumi up: OMFLOW 1.1.5.0 → 1.1.6.0 → 1.1.6.4 on N servers (${reps} repetitions; median (min–max))`,
    "",
    "| N | upchain s | Ansible s | Ansible tuned s | floor s | resumable floor s | upchain/floor | upchain/resumable floor | upchain/faster Ansible | pulumi CLI peak MiB | provider peak MiB |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const [n, r] of Object.entries(up)) {
    const u = r.upchain;
    const fa = fasterAnsible(r);
    lines.push(
      `| ${n} | ${fmt(u?.seconds)} | ${fmt(r.ansible?.seconds)} | ${fmt(r.ansibleTuned?.seconds)} | ${fmt(r.floor?.seconds, 2)} | ${fmt(r.floorResumable?.seconds, 2)} | ` +
        `${fmtRatio(ratio(u?.seconds, r.floor?.seconds))} | ${fmtRatio(ratio(u?.seconds, r.floorResumable?.seconds))} | ` +
        `${fmtRatio(ratio(u?.seconds, fa && r[fa].seconds))}${fa ? ` (${fa === "ansible" ? "idiomatic" : "tuned"})` : ""} | ${fmt(u?.cliMiB, 0)} | ${fmt(u?.providerMiB, 0)} |`,
    );
  }
  const alone = Object.entries(up)
    .filter(([, r]) => r.upchain && !r.floor && !r.ansible && !r.ansibleTuned)
    .map(([n, r]) => `${n} (${r.upchain.seconds.n} run${r.upchain.seconds.n === 1 ? "" : "s"})`);
  if (alone.length) lines.push("", `At N = ${alone.join(", ")} upchain ran alone (\`--upchain-only\`): its own wall time and memory, not a comparison.`);
  if (Object.keys(up).length) {
    lines.push(
      "",
      "### Every contender in pulumi up: CPU-seconds (cgroup v2: its controller, and every test host) and memory",
      "",
      ...contenderMarkdown(up, "host-hop"),
    );
  }
  if (Object.keys(preview).length) {
    lines.push(
      "",
      `### pulumi preview on N servers vs the engine floor (N do-nothing dynamic resources)`,
      "",
      "| N | upchain s | engine floor s | upchain/floor | upchain CLI / provider peak MiB | floor CLI / provider peak MiB |",
      "|---:|---:|---:|---:|---:|---:|",
    );
    for (const [n, r] of Object.entries(preview)) {
      const u = r.upchain;
      const f = r.engineFloor;
      lines.push(
        `| ${n} | ${fmt(u?.seconds)} | ${fmt(f?.seconds)} | ${fmtRatio(ratio(u?.seconds, f?.seconds))} | ` +
          `${fmt(u?.cliMiB, 0)} / ${fmt(u?.providerMiB, 0)} | ${fmt(f?.cliMiB, 0)} / ${fmt(f?.providerMiB, 0)} |`,
      );
    }
    lines.push("", ...contenderMarkdown(preview, "host"));
  }
  if (verdicts.length) lines.push("", "### Issue 20's targets (ratios of medians in this run)", "", ...verdicts);
  return lines.join("\n") + "\n";
}

/** A figure (median, with a min–max bar) against N, one line per contender, linear axes: wall time by default. */
export function svg(
  up: Table,
  metric: (f: Figures) => Stats | undefined = (f) => f.seconds,
  title = "pulumi up wall time vs fleet size (median, min–max)",
  yLabel = "seconds",
): string {
  const W = 680,
    H = 400,
    L = 60,
    R = 170,
    T = 30,
    B = 50;
  const contenders: [string, string][] = [
    ["upchain", "#d9480f"],
    ["ansible", "#1c7ed6"],
    ["ansibleTuned", "#7048e8"],
    ["floor", "#2b8a3e"],
    ["floorResumable", "#74b816"],
  ];
  const ns = Object.keys(up)
    .map(Number)
    .sort((a, b) => a - b);
  const ymax = Math.max(1, ...ns.flatMap((n) => contenders.map(([c]) => (up[n]?.[c] && metric(up[n][c])?.max) ?? 0))) * 1.1;
  const xmax = Math.max(...ns, 1);
  const x = (n: number) => L + ((W - L - R) * n) / xmax;
  const y = (s: number) => H - B - ((H - T - B) * s) / ymax;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${title}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">servers (N)</text>`,
    `<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">${yLabel}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const s = (ymax * i) / 5;
    out.push(
      `<line x1="${L - 4}" y1="${y(s)}" x2="${W - R}" y2="${y(s)}" stroke="#ddd"/><text x="${L - 6}" y="${y(s) + 4}" text-anchor="end">${s.toFixed(s < 10 ? 1 : 0)}</text>`,
    );
  }
  for (const n of ns) out.push(`<text x="${x(n)}" y="${H - B + 16}" text-anchor="middle">${n}</text>`);
  contenders.forEach(([c, colour], k) => {
    const pts = ns.flatMap((n) => {
      const st = up[n]?.[c] && metric(up[n][c]);
      return st ? [[n, st] as const] : [];
    });
    if (!pts.length) return;
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.map(([n, s]) => `${x(n)},${y(s.median)}`).join(" ")}"/>`);
    for (const [n, s] of pts) {
      out.push(
        `<line x1="${x(n)}" y1="${y(s.min)}" x2="${x(n)}" y2="${y(s.max)}" stroke="${colour}"/><circle cx="${x(n)}" cy="${y(s.median)}" r="3.5" fill="${colour}"/>`,
      );
    }
    out.push(
      `<rect x="${W - R + 15}" y="${T + 20 * k}" width="12" height="12" fill="${colour}"/><text x="${W - R + 32}" y="${T + 20 * k + 11}">${LABELS[c] ?? c}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
