// The bench's figures where people read them: the README's Fleets section and docs/benchmark.md each
// hold a block rendered from bench/results/results.json (between the two markers below), so a figure
// there is never typed in and cannot drift from the run that produced it (tests/unit/bench/readmeFigures
// checks both files against the committed results). `npm run bench` rewrites the blocks after a full
// run; by hand: `node dist/bench/readmeFigures.js`.
import * as fs from "fs";
import * as path from "path";
import { Figures, Stats, Table, fasterAnsible } from "./report";
import type { Failures, Verdict } from "./targets";
import { Profile, profileText } from "./profile";

export const BEGIN = "<!-- bench figures: rendered from bench/results/results.json by bench/readmeFigures.ts; do not edit -->";
export const END = "<!-- end of bench figures -->";
/** The files that carry the block, from the repository's root. */
export const FILES = ["README.md", "docs/benchmark.md"];

/** What the block reads from results.json. */
export interface BenchResults {
  command: string;
  date: string;
  partial: boolean;
  benchSeconds: number;
  reps: number;
  machine: { cpus: number; memGiB: number };
  up: Table;
  preview: Table;
  targets: Verdict[];
  /** what did not finish (a size upchain ran alone at, a preview size), with why */
  failures?: Failures;
  /** where upchain's time went in its median run at the largest N (bench/profile.ts) */
  profile?: Profile;
}

/** The profile as the results have it, its summary fenced as text (every fence in the docs names its language). */
const profileBlock = (p: Profile) => [
  "",
  `Where upchain's time goes at N = ${p.n} (its median run; each step's median against the floor's same step):`,
  "",
  profileText(p).replace(/^```$/m, "```text").trimEnd(),
];

const secs = (s?: Stats) => (s ? `${s.median.toFixed(1)} s` : "–");
const times = (a?: Stats, b?: Stats) => (a && b && b.median > 0 ? `${(a.median / b.median).toFixed(2)}×` : "–");
const mib = (s?: Stats) => (s ? `${s.median.toFixed(0)}` : "–");
const ansibleName = (k?: string) => (k === "ansibleTuned" ? "tuned" : k === "ansible" ? "idiomatic" : "");

function upRow(n: string, r: Record<string, Figures>): string {
  const u = r.upchain;
  const fa = fasterAnsible(r);
  const faster = fa ? r[fa].seconds : undefined;
  return `| ${n} | ${secs(u?.seconds)} | ${secs(faster)}${fa ? ` (${ansibleName(fa)})` : ""} | ${secs(r.floor?.seconds)} | ${secs(r.floorResumable?.seconds)} | ${times(u?.seconds, faster)} | ${times(u?.seconds, r.floor?.seconds)} | ${times(u?.seconds, r.floorResumable?.seconds)} | ${mib(u?.cliMiB)} / ${mib(u?.providerMiB)} |`;
}

function verdictRow(v: Verdict): string {
  const val = (x?: number) => (x === undefined ? "–" : v.unit === "×" ? `${x.toFixed(2)}×` : v.unit === "MiB" ? `${x.toFixed(0)} MiB` : `${x.toFixed(2)} MiB`);
  const verdict = v.met === undefined ? v.note : `**${v.met ? "met" : "missed"}** ${v.note.replace(/^(met|missed) /, "")}`;
  return `| ${v.target} | ${val(v.measured)} | ${val(v.limit)} | ${verdict} |`;
}

/** The block (without its markers): the command and when, up, preview, and every target judged. */
export function renderFigures(r: BenchResults): string {
  if (r.partial) throw new Error("bench/results/results.json is from a bench that did not finish: run it again before rendering its figures");
  const minutes = Math.round(r.benchSeconds / 60);
  return [
    `\`npm run bench\` (\`${r.command}\`), ${r.date.slice(0, 10)}, ${r.machine.cpus} cores and ${r.machine.memGiB} GiB, nothing else running; ${r.reps} repetitions (median), ${minutes} min in all. Every figure: [bench/results/results.md](bench/results/results.md).`,
    "",
    "| `up`, N | upchain | faster Ansible | floor | resumable floor | upchain / Ansible | upchain / floor | upchain / resumable | CLI / provider peak MiB |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...Object.entries(r.up).map(([n, row]) => upRow(n, row)),
    "",
    "| `preview`, N | upchain | engine floor | upchain / floor | CLI / provider peak MiB |",
    "|---:|---:|---:|---:|---:|",
    ...Object.entries(r.preview).map(
      ([n, row]) =>
        `| ${n} | ${secs(row.upchain?.seconds)} | ${secs(row.engineFloor?.seconds)} | ${times(row.upchain?.seconds, row.engineFloor?.seconds)} | ${mib(row.upchain?.cliMiB)} / ${mib(row.upchain?.providerMiB)} |`,
    ),
    "",
    "| target (issue 20) | measured | limit | verdict |",
    "|---|---:|---:|---|",
    ...r.targets.map(verdictRow),
    ...Object.entries(r.failures ?? {}).flatMap(([what, why], i) => [...(i ? [] : ["", "Did not finish in this run:"]), `- ${what}: ${why}`]),
    ...(r.profile ? profileBlock(r.profile) : []),
  ].join("\n");
}

/** The text with its block replaced by `block`; a file without both markers is refused (say where they go). */
export function replaceBlock(text: string, block: string, file: string): string {
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END);
  if (b < 0 || e < b) throw new Error(`${file} has no bench figures block: put the line ${BEGIN} and, below it, ${END} where the figures go`);
  return `${text.slice(0, b + BEGIN.length)}\n${block}\n${text.slice(e)}`;
}

/** The block as a file holds it now (between its markers), for the test that it matches the results. */
export function currentBlock(text: string): string | undefined {
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END);
  return b < 0 || e < b
    ? undefined
    : text
        .slice(b + BEGIN.length, e)
        .replace(/^\n/, "")
        .replace(/\n$/, "");
}

/** Links in the block are written from the repository's root; a file in docs/ needs them one level up. */
export function blockFor(file: string, block: string): string {
  const up = path.posix.relative(path.posix.dirname(file), ".");
  return up ? block.replace(/\]\(bench\//g, `](${up}/bench/`) : block;
}

if (require.main === module) {
  const root = path.resolve(__dirname, "../..");
  const results = JSON.parse(fs.readFileSync(path.join(root, "bench/results/results.json"), "utf8")) as BenchResults;
  const block = renderFigures(results);
  for (const f of FILES) {
    const file = path.join(root, f);
    fs.writeFileSync(file, replaceBlock(fs.readFileSync(file, "utf8"), blockFor(f, block), f));
    console.log(`bench figures written to ${f}`);
  }
}
