// The journal a run keeps on the host it upgrades. It holds only what identifies the run: the run id,
// the digest of the plan the controller made, the index of the next step, the step in flight. The
// plan itself (commands, upload sources) is never read back from the host: a resumed run rebuilds
// it from the stack and refuses a journal whose digest does not match, so a root user on a managed
// server cannot make the controller run commands or read local files that preview never showed.
import { createHash, randomBytes } from "crypto";
import { z } from "zod";
import { UpchainError } from "../../errors";
import { quote as q } from "../../quote";
import { RemoteHost } from "../../transport/remoteHost";
import { Plan } from "../planning/planner";
import { Fence, fencedWrite, stdinWriteBody, stdinWriteInput } from "./fence";

/** Run ids are made by the executor: UTC time and six hex digits. */
export const RUN_ID = /^\d{8}T\d{6}-[0-9a-f]{6}$/;

/** A new run id: the UTC time and six random hex digits. */
export function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomBytes(3).toString("hex")}`;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** One step's run: the plan's step index (or a restore or recovery step's id), start, end and outcome. */
const timelineEntry = z
  .object({
    kind: z.enum(["step", "restore", "recover"]),
    /** The plan's step index for a step; the restore or recovery step's id otherwise. */
    step: z.union([z.number().int().min(0).max(10_000), z.string().regex(/^[a-z0-9-]{1,64}$/)]),
    start: z.string().regex(ISO_TIME),
    end: z.string().regex(ISO_TIME).optional(),
    /** warned: a step after its hop's successful verify failed; the hop stayed upgraded (executor.ts). */
    outcome: z.enum(["ok", "failed", "lost", "warned"]).optional(),
  })
  .strict();
export type TimelineEntry = z.infer<typeof timelineEntry>;

const journalSchema = z
  .object({
    version: z.literal(2),
    run: z.string().regex(RUN_ID),
    product: z.string().regex(/^[a-z0-9-]{1,64}$/),
    // a module set's version names every module: "gestioncommerciale=5.1.0.0,ecommerce=5.1.0.0,..."
    from: z.string().min(1).max(512),
    to: z.string().min(1).max(512),
    planDigest: z.string().regex(/^[0-9a-f]{64}$/),
    /**
     * The versions the plan passes through, `from` first and `to` last. A product whose releases come
     * from the host (Catalog.offers) is planned again from these: its offer has moved on since.
     */
    chain: z.array(z.string().min(1).max(512)).min(1).max(1001).optional(),
    steps: z.number().int().min(0).max(10_000),
    next: z.number().int().min(0).max(10_000),
    inFlight: z
      .object({
        index: z.number().int().min(0).max(10_000),
        /** A reboot step's boot marker from before it. */
        marker: z.string().max(512).optional(),
      })
      .strict()
      .optional(),
    status: z.enum(["running", "done", "restored", "restore-failed", "stopped"]),
    /** Set when the hop failed and its restore failed too: every later run refuses until cleared. */
    failure: z
      .object({ hop: z.string().max(1100), step: z.string().max(400), restorePoint: z.string().max(1000), why: z.string().max(4000) })
      .strict()
      .optional(),
    /** When each step ran (and each restore or recovery step after a failure): numbers and times only. */
    timeline: z.array(timelineEntry).max(20_000).default([]),
    updatedAt: z.string().max(64),
  })
  .strict()
  .refine((j) => j.next <= j.steps && (j.inFlight === undefined || j.inFlight.index < j.steps), { message: "step indexes out of range" })
  // the executor names a step in flight only as the next one, and writes "done" only after the last step
  .refine((j) => j.inFlight === undefined || j.inFlight.index === j.next, { message: "the step in flight is not the next step" })
  .refine((j) => j.status !== "done" || (j.next === j.steps && j.inFlight === undefined), { message: "a run marked done has steps left" })
  .refine((j) => j.chain === undefined || (j.chain[0] === j.from && j.chain[j.chain.length - 1] === j.to), {
    message: "the chain does not run from the run's from to its to",
  });

export type Journal = z.infer<typeof journalSchema>;

export function journalPath(stateDir: string, resource: string): string {
  return `${stateDir}/${resource}.journal.json`;
}

/** sha256 of the plan's canonical JSON (keys sorted): two plans with the same digest run the same steps. */
export function planDigest(plan: Plan): string {
  return createHash("sha256").update(canonicalJson(plan)).digest("hex");
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

export function newJournal(run: string, plan: Plan): Journal {
  return {
    version: 2,
    run,
    product: plan.product,
    from: plan.from,
    to: plan.to,
    planDigest: planDigest(plan),
    ...(plan.hops.length ? { chain: [plan.from, ...plan.hops.map((h) => h.to)] } : {}),
    steps: plan.steps.length,
    next: 0,
    status: "running",
    timeline: [],
    updatedAt: "",
  };
}

/**
 * The journal, validated: absent is undefined; anything that is not exactly a journal this version
 * writes (not JSON, unknown fields, wrong types, indexes out of range) is JOURNAL_INVALID naming the
 * file, never a SyntaxError and never acted on.
 */
export async function readJournal(host: RemoteHost, stateDir: string, resource: string): Promise<Journal | undefined> {
  const file = journalPath(stateDir, resource);
  const r = await host.exec(`if [ -e ${q(file)} ]; then cat -- ${q(file)}; else echo absent >&2; fi`, { sudo: true });
  if (r.code !== 0) throw new UpchainError("REMOTE_IO_FAILED", `${host.label}: cannot read the journal ${file}: ${r.stderr.trim().slice(0, 300)}`);
  if (r.stderr.trim() === "absent" && r.stdout === "") return undefined;
  return parseJournal(r.stdout, `${host.label}:${file}`);
}

export function parseJournal(text: string, where: string): Journal {
  const invalid = (why: string) =>
    new UpchainError(
      "JOURNAL_INVALID",
      `the journal ${where} ${why}. upchain never acts on a journal it cannot trust: nothing was run. Look at the host ` +
        `(someone or something changed the file), then move the file aside to let upchain plan from what is installed.`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid("is not valid JSON");
  }
  const parsed = journalSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`);
    throw invalid(`is not a journal this version of upchain writes (${first.join("; ")})`);
  }
  return parsed.data;
}

/** Write the journal, only while this run owns the machine's lock (the fence is checked in the writing script). */
export async function writeJournal(host: RemoteHost, stateDir: string, resource: string, j: Journal, fence: Fence): Promise<void> {
  const w = journalWrite(stateDir, resource, j);
  await fencedWrite(host, fence, w.file, w.content, w.mode);
}

/**
 * The journal as a file to write, stamped now: what writeJournal writes, and what a step's launch
 * writes first in its own script (detached.ts), so the journal names the step before it starts.
 */
export function journalWrite(stateDir: string, resource: string, j: Journal): { file: string; content: string; mode: number } {
  j.updatedAt = new Date().toISOString();
  return { file: journalPath(stateDir, resource), content: JSON.stringify(j, null, 2) + "\n", mode: 0o600 };
}

/**
 * A finished journal is kept as history, named by its run: `<resource>.<run><suffix>.json`, or with
 * "-2", "-3"... when that name is taken. A history file is never overwritten (`ln` refuses an existing
 * name, atomically): one run's record can never replace another's. Fenced like every change.
 */
export async function archiveJournal(host: RemoteHost, stateDir: string, resource: string, run: string, fence: Fence, suffix = ""): Promise<string> {
  const from = journalPath(stateDir, resource);
  const r = fence.check(await host.exec(fence.script(archiveBody(stateDir, resource, run, suffix)), { sudo: true }), `archiving the journal ${from}`);
  if (r.code !== 0)
    throw new UpchainError(
      "REMOTE_IO_FAILED",
      `${host.label}: cannot move the journal ${from} to ${stateDir}/history/${resource}.${run}${suffix}.json: ${r.stderr.trim().slice(0, 300)}`,
    );
  return r.stdout.trim();
}

/** The archive's shell: prints the history file's path; sets f (the journal) and b (the history name without ".json"). */
function archiveBody(stateDir: string, resource: string, run: string, suffix: string): string {
  return [
    `f=${q(journalPath(stateDir, resource))}; b=${q(`${stateDir}/history/${resource}.${run}${suffix}`)}`,
    `install -d -m 0700 -- ${q(stateDir + "/history")} || exit 1`,
    `n=1; to="$b.json"`,
    `until ln -T -- "$f" "$to" 2>/dev/null; do`,
    `  [ -e "$f" ] || { echo "no journal to move" >&2; exit 1; }`,
    `  n=$((n + 1)); [ $n -le 100 ] || { echo "100 history files for this run already" >&2; exit 1; }; to="$b-$n.json"`,
    `done`,
    `rm -f -- "$f" && printf '%s\\n' "$to"`,
  ].join("\n");
}

/**
 * The journal's last write and its archive in one fenced script, one round trip: written and synced
 * (a run finished, or restored), then moved to the history as archiveJournal does. Repeated after a
 * link that dropped under it, it finds the run already in the history and changes nothing: a finished
 * run is never recorded twice.
 */
export async function writeAndArchiveJournal(host: RemoteHost, stateDir: string, resource: string, j: Journal, fence: Fence): Promise<string> {
  const wa = writeAndArchive(stateDir, resource, j);
  const r = fence.check(await host.exec(fence.script(wa.body), { sudo: true, stdin: wa.stdin }), `writing and archiving the journal ${wa.file}`);
  return wa.outcome(host.label, r);
}

/**
 * The journal's last state written and moved to the history, as a script body (it may `exit`) with
 * its standard input, and how its exit status reads: the archived file's path, or REMOTE_IO_FAILED.
 * Shared with the run's end (runEnd.ts), which releases the lock in the same script.
 */
export function writeAndArchive(stateDir: string, resource: string, j: Journal) {
  const w = journalWrite(stateDir, resource, j);
  const history = `${stateDir}/history/${resource}.${j.run}`;
  const body = [
    `if [ ! -e ${q(w.file)} ] && [ -e ${q(history + ".json")} ]; then printf '%s\\n' ${q(history + ".json")}; exit 0; fi`,
    `(\n${stdinWriteBody(w.file, w.mode)}\n) || exit ${JOURNAL_WRITE_FAILED}`,
    archiveBody(stateDir, resource, j.run, ""),
  ].join("\n");
  const outcome = (label: string, r: { code: number | null; stdout: string; stderr: string }): string => {
    if (r.code === JOURNAL_WRITE_FAILED)
      throw new UpchainError(
        "REMOTE_IO_FAILED",
        `${label}: writing ${w.file} failed (nothing was changed): ${r.stderr.trim().slice(0, 300) || `exit status ${r.code}`}`,
      );
    if (r.code !== 0)
      throw new UpchainError("REMOTE_IO_FAILED", `${label}: cannot move the journal ${w.file} to ${history}.json: ${r.stderr.trim().slice(0, 300)}`);
    return r.stdout.trim();
  };
  return { file: w.file, body, stdin: stdinWriteInput(w.content), outcome };
}

/** writeAndArchiveJournal's exit status when the journal could not be written. */
const JOURNAL_WRITE_FAILED = 96;

/**
 * Where a step's script, output and exit status live: derived from the run id (validated), the step's
 * index and its id in the controller's plan, never read from the host.
 */
export function stepDir(stateDir: string, run: string, index: number, stepId: string): string {
  if (!RUN_ID.test(run)) throw new Error(`bad run id ${run}`);
  return `${stateDir}/runs/${run}/${String(index).padStart(3, "0")}-${stepId}`;
}
