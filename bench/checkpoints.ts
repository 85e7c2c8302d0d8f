// What Pulumi's checkpoints cost a fleet: `pulumi up` of the engine floor's N do-nothing resources
// (bench/engineFloor) on a fresh stack, on the file backend and on the PostgreSQL backend, with the
// engine's default (the whole checkpoint saved after every resource operation) and with
// PULUMI_SKIP_CHECKPOINTS=true (saved at the start and the end only). For each: the wall time of the
// up (a few repetitions), and what was saved. On the file backend every checkpoint the engine wrote
// is kept beside the stack by PULUMI_RETAIN_CHECKPOINTS in a separate run (so keeping them does not
// slow the timed ones), then counted and summed. On PostgreSQL the timed run itself is counted: the
// rows written to Pulumi's table (PostgreSQL's own statistics) and the WAL the server wrote, its
// bytes on disk (retaining them there made every later save slower: the table is listed as it grows).
// docs/fleets.md reads the figures and weighs the options.
//
// usage: node dist/bench/checkpoints.js [--count 500] [--reps 3] [--backends file,postgres] [--out FILE]
// (npm run bench:checkpoints; PostgreSQL needs Debian's postgresql package; no test host is used)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PulumiProject, repoRoot } from "../tests/support/pulumi";
import { PostgresServer, startPostgres } from "../tests/support/postgres";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}
const count = Number(arg("count", "500"));
const reps = Number(arg("reps", "3"));
const backends = arg("backends", "file,postgres").split(",");
const out = path.resolve(arg("out", path.join(repoRoot, "bench/results/checkpoints.json")));

const MODES = { default: {}, skipCheckpoints: { PULUMI_SKIP_CHECKPOINTS: "true" } } as const;
type Mode = keyof typeof MODES;

interface Saved {
  /** checkpoints the engine saved during the up (file: PULUMI_RETAIN_CHECKPOINTS keeps each one; PostgreSQL: rows written) */
  saves: number;
  /** file backend: the checkpoints' bytes in all, and the largest */
  bytes?: number;
  largest?: number;
  /** PostgreSQL only: WAL the server wrote during the (timed) up */
  walBytes?: number;
}
interface Result {
  backend: string;
  mode: Mode;
  count: number;
  seconds: number[];
  saved: Saved;
}

const t0 = Date.now();
const log = (l: string) => console.log(`[checkpoints ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${l}`);

/** A fresh stack of the engine floor on `backend` ("file": its own folder), with `env` for the CLI. */
function floorProject(name: string, backendUrl: string | undefined, passphraseFile: string): PulumiProject {
  const program = path.join(repoRoot, "dist/bench/engineFloor/index.js");
  const p = new PulumiProject(name, `module.exports = require(${JSON.stringify(program)});\n`);
  if (backendUrl) p.shareState(backendUrl, passphraseFile);
  p.init();
  p.writeConfig({ "bench:count": count });
  return p;
}

async function timedUp(p: PulumiProject, env: Record<string, string>): Promise<number> {
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  try {
    const started = process.hrtime.bigint();
    const r = await p.runAsync(["up", "--yes", "--skip-preview", "--parallel", String(count)]);
    if (r.code !== 0) throw new Error(`pulumi up exited ${r.code}:\n${p.masked(r.output).slice(-3000)}`);
    return Number(process.hrtime.bigint() - started) / 1e9;
  } finally {
    for (const k of Object.keys(env)) delete process.env[k];
  }
}

/** The file backend's retained checkpoints of this stack (`<stack>.json.<time>` beside `<stack>.json`). */
function fileSaves(p: PulumiProject): Saved {
  const found: number[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (new RegExp(`^${p.stack}\\.json\\.\\d+`).test(e.name)) found.push(fs.statSync(f).size);
    }
  };
  walk(p.stateDir);
  return summed(found);
}

/** Rows inserted and updated in Pulumi's table so far, once PostgreSQL's statistics have caught up. */
async function pgRowWrites(pg: PostgresServer): Promise<number> {
  await new Promise((r) => setTimeout(r, 1500)); // the statistics are flushed every 500 ms or so
  return Number(pg.sql("SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0) FROM pg_stat_user_tables WHERE relname = 'pulumi_state'").trim());
}

const summed = (sizes: number[]): Saved => ({ saves: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0), largest: Math.max(0, ...sizes) });
const walLsn = (pg: PostgresServer) => pg.sql("SELECT pg_current_wal_lsn()").trim();
const walSince = (pg: PostgresServer, lsn: string) => Number(pg.sql(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '${lsn}')`).trim());

async function measure(backend: string, mode: Mode, pg: PostgresServer | undefined, passphraseFile: string): Promise<Result> {
  const url = backend === "postgres" ? pg!.url : undefined;
  const seconds: number[] = [];
  let pgSaved: Saved | undefined;
  for (let rep = 0; rep < reps; rep++) {
    const p = floorProject(`ck${mode === "default" ? "d" : "s"}${rep}`, url, passphraseFile);
    try {
      const lsn = pg && walLsn(pg);
      const rows = pg && (await pgRowWrites(pg));
      seconds.push(await timedUp(p, MODES[mode]));
      if (pg && lsn !== undefined && rows !== undefined) {
        const saved = { saves: (await pgRowWrites(pg)) - rows, walBytes: walSince(pg, lsn) };
        if (!pgSaved || saved.walBytes < pgSaved.walBytes!) pgSaved = saved;
      }
      log(
        `${backend} ${mode} N=${count} rep ${rep + 1}/${reps}: ${seconds[rep].toFixed(2)} s${pgSaved ? `, ${pgSaved.saves} rows written, WAL ${(pgSaved.walBytes! / 2 ** 20).toFixed(1)} MiB` : ""}`,
      );
      p.ok(["stack", "rm", "--yes", "--force"]);
    } finally {
      p.dispose();
    }
  }
  if (pgSaved) return { backend, mode, count, seconds, saved: pgSaved };
  // one more up, untimed, that keeps every checkpoint the engine saves
  const p = floorProject(`ck${mode === "default" ? "d" : "s"}kept`, url, passphraseFile);
  try {
    await timedUp(p, { ...MODES[mode], PULUMI_RETAIN_CHECKPOINTS: "true" });
    const saved = fileSaves(p);
    log(
      `${backend} ${mode} N=${count}: ${saved.saves} checkpoints saved, ${(saved.bytes! / 2 ** 20).toFixed(1)} MiB in all, the largest ${(saved.largest! / 1024).toFixed(0)} KiB`,
    );
    p.ok(["stack", "rm", "--yes", "--force"]);
    return { backend, mode, count, seconds, saved };
  } finally {
    p.dispose();
  }
}

async function main(): Promise<void> {
  if (!process.env.UPCHAIN_ENGINE_PATH) throw new Error("UPCHAIN_ENGINE_PATH is not set: source scripts/env.sh first (npm run bench:checkpoints does)");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-checkpoints-"));
  const passphraseFile = path.join(dir, "passphrase");
  fs.writeFileSync(passphraseFile, "upchain-bench-passphrase\n", { mode: 0o600 });
  const results: Result[] = [];
  let pg: PostgresServer | undefined;
  try {
    for (const backend of backends) {
      if (backend === "postgres") pg = await startPostgres();
      for (const mode of Object.keys(MODES) as Mode[]) results.push(await measure(backend, mode, backend === "postgres" ? pg : undefined, passphraseFile));
      pg?.stop();
      pg = undefined;
    }
  } finally {
    pg?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const median = (s: number[]) => [...s].sort((a, b) => a - b)[Math.floor((s.length - 1) / 2)];
  const size = (b?: number) => (b === undefined ? "" : `${(b / 2 ** 20).toFixed(1)} MiB`);
  const rows = results.map(
    (r) =>
      `| ${r.backend} | ${r.mode} | ${median(r.seconds).toFixed(1)} s (${Math.min(...r.seconds).toFixed(1)}–${Math.max(...r.seconds).toFixed(1)}) | ${r.saved.saves} | ${size(r.saved.bytes)} | ${size(r.saved.largest)} | ${size(r.saved.walBytes)} |`,
  );
  const md = [
    `pulumi up of ${count} do-nothing resources (bench/engineFloor), ${reps} repetitions, median (min–max):`,
    "",
    "| backend | checkpoints | up | saves | bytes saved | largest | PostgreSQL WAL |",
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
  console.log("\n" + md);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify(
      {
        command: `node dist/bench/checkpoints.js ${process.argv.slice(2).join(" ")}`.trim(),
        date: new Date(t0).toISOString(),
        machine: { cpus: os.cpus().length, kernel: os.release() },
        results,
      },
      null,
      2,
    ) + "\n",
  );
  fs.writeFileSync(out.replace(/\.json$/, ".md"), md + "\n");
  log(`results in ${out}`);
}

main().catch((e) => {
  console.error(`checkpoint bench failed: ${(e as Error).message}`);
  process.exit(1);
});
