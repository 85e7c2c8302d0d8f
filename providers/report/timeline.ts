// The picture of a run: one row per server, one bar per step on a shared time axis, restore and
// recovery steps and failures in colours of their own, waves marked, totals on the right. Pure: run
// records in, SVG text out (every text escaped; the records come from the controller, their titles
// from its plans).
import { RunRecord, RunRecordStep } from "../engine/runRecord";

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

export const COLOURS = { ok: "#4c9a2a", failed: "#c62828", lost: "#6a1b9a", restore: "#ef8f00", recover: "#f4c542", running: "#90a4ae" } as const;

const LABEL = 220;
const TOTAL = 90;
const WIDTH = 1200;
const ROW = 26;
const TOP = 40;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const ms = (t: string) => Date.parse(t);

export function colourOf(s: RunRecordStep): string {
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

export function renderTimeline(rows: readonly TimelineRow[], title = "upchain run"): string {
  if (!rows.length) throw new Error("no run to draw");
  const { bars, start, end } = layout(rows);
  const height = TOP + rows.length * ROW + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}: ${rows.length} server(s), ${seconds(start, end)}</text>`,
  ];
  let wave: number | undefined;
  rows.forEach((r, i) => {
    const y = TOP + i * ROW;
    if (r.wave !== undefined && r.wave !== wave) {
      wave = r.wave;
      out.push(`<line class="wave" x1="0" x2="${WIDTH}" y1="${y - 2}" y2="${y - 2}" stroke="#555" stroke-dasharray="4 3"/>`, `<text x="${LABEL - 8}" y="${y + 16}" text-anchor="end" fill="#555">wave ${r.wave + 1}</text>`);
    }
    const own = r.record.steps;
    const first = Math.min(...own.map((s) => ms(s.start)));
    const last = Math.max(...own.map((s) => ms(s.end ?? s.start)));
    const failed = own.some((s) => s.outcome === "failed" || s.outcome === "lost");
    out.push(
      `<text class="label" x="10" y="${y + 16}">${esc(r.name)}</text>`,
      `<text class="total" x="${WIDTH - TOTAL + 6}" y="${y + 16}" fill="${failed ? COLOURS.failed : "#000"}">${seconds(first, last)}${failed ? " failed" : ""}</text>`,
    );
  });
  for (const b of bars) {
    const y = TOP + b.row * ROW + 3;
    const s = b.step;
    const tip = `${s.hop} ${s.id}: ${s.title} (${s.kind}, ${s.outcome ?? "running"}, ${s.end ? seconds(ms(s.start), ms(s.end)) : "no end"})`;
    out.push(`<rect class="bar ${s.kind} ${s.outcome ?? "running"}" x="${b.x.toFixed(1)}" y="${y}" width="${b.width.toFixed(1)}" height="${ROW - 8}" fill="${b.colour}"><title>${esc(tip)}</title></rect>`);
  }
  const legend = Object.entries(COLOURS).map(([k, c], i) => `<rect x="${LABEL + i * 110}" y="${height - 24}" width="12" height="12" fill="${c}"/><text x="${LABEL + i * 110 + 16}" y="${height - 14}">${k}</text>`);
  out.push(...legend, "</svg>");
  return out.join("\n") + "\n";
}
