// The picture of a run: one row per server, one bar per step on a shared time axis, restore and
// recovery steps and failures in colours of their own, waves marked, totals on the right. Pure: run
// records in, SVG text out (every text escaped; the records come from the controller, their titles
// from its plans).
import { elapsedText } from "../engine/running/progress";
import { RunRecord, RunRecordStep } from "../engine/running/runRecord";
import { timeTicks } from "./axis";

export { timeTicks } from "./axis";

export interface TimelineRow {
  /** The server's name in the stack. */
  name: string;
  record: RunRecord;
  /** The wave the server was in, when the stack has waves. */
  wave?: number;
}

export interface Bar {
  row: number;
  x: number;
  width: number;
  colour: string;
  step: RunRecordStep;
}

export const COLOURS = {
  ok: "#4c9a2a",
  failed: "#c62828",
  lost: "#6a1b9a",
  warned: "#ffb300",
  restore: "#ef8f00",
  recover: "#f4c542",
  running: "#90a4ae",
} as const;

const LABEL = 220;
const TOTAL = 90;
const WIDTH = 1200;
// each row: a line of hop labels over the bars
const ROW = 44;
const BAR_TOP = 16;
const BAR_HEIGHT = 20;
// the title, then the time axis, then the rows
const AXIS = 50;
const TOP = 58;
const LONGEST = 3;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const ms = (t: string) => Date.parse(t);

function colourOf(s: RunRecordStep): string {
  if (s.kind === "restore") return COLOURS.restore;
  if (s.kind === "recover") return COLOURS.recover;
  return s.outcome ? COLOURS[s.outcome] : COLOURS.running;
}

/** Where each bar goes: rows in the given order, x scaled from the earliest start to the latest end. */
export function layout(rows: readonly TimelineRow[]): { bars: Bar[]; start: number; end: number; scale: number } {
  const steps = rows.flatMap((r) => r.record.steps);
  const start = Math.min(...steps.map((s) => ms(s.start)));
  const end = Math.max(...steps.map((s) => ms(s.end ?? s.start)));
  const span = Math.max(1, end - start);
  const scale = (WIDTH - LABEL - TOTAL) / span;
  const bars = rows.flatMap((r, row) =>
    r.record.steps.map((step) => {
      const x = LABEL + (ms(step.start) - start) * scale;
      return { row, x, width: Math.max(1, (ms(step.end ?? step.start) - ms(step.start)) * scale), colour: colourOf(step), step };
    }),
  );
  return { bars, start, end, scale };
}

const seconds = (a: number, b: number) => `${((b - a) / 1000).toFixed(1)} s`;
const hopText = (hop: string) => hop.replace(/->/g, "→");
const duration = (s: RunRecordStep) => (s.end ? ms(s.end) - ms(s.start) : 0);
// a label is drawn only where it fits (about 6 px a character at 10 px); its tooltip says it anyway
const fits = (text: string, px: number) => text.length * 6 <= px;

/** The time axis: a tick label and a light line down through the rows at each round time. */
function axis(start: number, end: number, scale: number, bottom: number): string[] {
  return timeTicks(end - start).flatMap((t) => {
    const x = (LABEL + t.ms * scale).toFixed(1);
    return [
      `<line class="grid" x1="${x}" x2="${x}" y1="${AXIS}" y2="${bottom}" stroke="#ddd"/>`,
      `<text class="tick" x="${x}" y="${AXIS - 4}" text-anchor="middle" fill="#555">${esc(t.label)}</text>`,
    ];
  });
}

/** In each row, a line where each hop starts (its first step), labelled with the hop where the label fits. */
function hopBoundaries(rows: readonly TimelineRow[], start: number, scale: number): string[] {
  return rows.flatMap((r, row) => {
    const y = TOP + row * ROW;
    const firsts = r.record.steps.filter((s, i, all) => s.kind === "step" && all.findIndex((o) => o.kind === "step" && o.hop === s.hop) === i);
    return firsts.flatMap((s, i) => {
      const x = LABEL + (ms(s.start) - start) * scale;
      const next = firsts[i + 1] ? LABEL + (ms(firsts[i + 1].start) - start) * scale : WIDTH - TOTAL;
      const label = hopText(s.hop);
      return [
        `<line class="hop" x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${y}" y2="${y + ROW - 2}" stroke="#333"><title>${esc(label)}</title></line>`,
        `<text class="hop-label" x="${(x + 3).toFixed(1)}" y="${y + 11}" font-size="10" fill="#333">${fits(label, next - x - 6) ? esc(label) : ""}</text>`,
      ];
    });
  });
}

/** The longest steps of the run, longest first (the earlier of two alike), with their rows. */
function longestSteps(rows: readonly TimelineRow[], bars: Bar[]): { bar: Bar; name: string }[] {
  return bars
    .filter((b) => b.step.end)
    .map((bar) => ({ bar, name: rows[bar.row].name }))
    .sort((a, b) => duration(b.bar.step) - duration(a.bar.step) || ms(a.bar.step.start) - ms(b.bar.step.start))
    .slice(0, LONGEST);
}

export function renderTimeline(rows: readonly TimelineRow[], title = "upchain run"): string {
  if (!rows.length) throw new Error("no run to draw");
  const { bars, start, end, scale } = layout(rows);
  const rowsEnd = TOP + rows.length * ROW;
  const longest = longestSteps(rows, bars);
  const height = rowsEnd + 40 + 22 + longest.length * 16;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}: ${rows.length} server(s), ${seconds(start, end)}</text>`,
    ...axis(start, end, scale, rowsEnd),
  ];
  let wave: number | undefined;
  rows.forEach((r, i) => {
    const y = TOP + i * ROW;
    if (r.wave !== undefined && r.wave !== wave) {
      wave = r.wave;
      out.push(
        `<line class="wave" x1="0" x2="${WIDTH}" y1="${y - 2}" y2="${y - 2}" stroke="#555" stroke-dasharray="4 3"/>`,
        `<text x="${LABEL - 8}" y="${y + BAR_TOP + 14}" text-anchor="end" fill="#555">wave ${r.wave + 1}</text>`,
      );
    }
    const own = r.record.steps;
    const first = Math.min(...own.map((s) => ms(s.start)));
    const last = Math.max(...own.map((s) => ms(s.end ?? s.start)));
    const failed = own.some((s) => s.outcome === "failed" || s.outcome === "lost");
    out.push(
      `<text class="label" x="10" y="${y + BAR_TOP + 14}">${esc(r.name)}</text>`,
      `<text class="total" x="${WIDTH - TOTAL + 6}" y="${y + BAR_TOP + 14}" fill="${failed ? COLOURS.failed : "#000"}">${seconds(first, last)}${failed ? " failed" : ""}</text>`,
    );
  });
  for (const b of bars) {
    const y = TOP + b.row * ROW + BAR_TOP;
    const s = b.step;
    const tip = `${s.hop} ${s.id}: ${s.title} (${s.kind}, ${s.outcome ?? "running"}, ${s.end ? seconds(ms(s.start), ms(s.end)) : "no end"})`;
    out.push(
      `<rect class="bar ${s.kind} ${s.outcome ?? "running"}" x="${b.x.toFixed(1)}" y="${y}" width="${b.width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${b.colour}" stroke="#fff" stroke-width="1"><title>${esc(tip)}</title></rect>`,
    );
  }
  // over the bars: a hop's boundary must show where one bar of the same colour follows another
  out.push(...hopBoundaries(rows, start, scale));
  // the longest steps: numbered on their bars (inside when the bar is wide enough), named below
  longest.forEach(({ bar }, i) => {
    const inside = bar.width >= 16;
    const x = inside ? bar.x + 4 : bar.x + bar.width + 2;
    out.push(
      `<text class="longest-mark" x="${x.toFixed(1)}" y="${TOP + bar.row * ROW + BAR_TOP + 14}" font-weight="bold" fill="${inside ? "#fff" : "#000"}">${i + 1}</text>`,
    );
  });
  const legendY = rowsEnd + 16;
  out.push(
    ...Object.entries(COLOURS).map(
      ([k, c], i) =>
        `<rect x="${LABEL + i * 110}" y="${legendY}" width="12" height="12" fill="${c}"/><text x="${LABEL + i * 110 + 16}" y="${legendY + 10}">${k}</text>`,
    ),
  );
  const listY = legendY + 36;
  out.push(`<text x="10" y="${listY}" font-weight="bold">Longest steps</text>`);
  longest.forEach(({ bar, name }, i) => {
    const s = bar.step;
    const failed = s.outcome === "failed" || s.outcome === "lost" || s.outcome === "warned" ? ` (${s.outcome})` : "";
    const line = `${i + 1}. ${elapsedText(duration(s))}  ${name}  ${hopText(s.hop)} ${s.id}: ${s.title}${failed}`;
    out.push(`<text class="longest" x="${LABEL}" y="${listY + i * 16}" xml:space="preserve">${esc(line)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
