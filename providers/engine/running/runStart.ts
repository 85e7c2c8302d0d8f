// What a run reads on the host once it holds the machine's lock, in one round trip where there were
// four: old secrets files swept, the journal, the steps other runs left running on the machine, and the
// version the host reports. Each part is what its own exec ran (sweepStepEnvScript, readJournal's read,
// liveStepsScript, the catalog's probe in its own subshell), in the same order; the answer is host data,
// framed one line per part, each value in base64, and checked before use. An answer that is not exactly
// that frame is no answer: the executor reads each part on its own, as before.
// The journal is read here with journal.ts's own pieces (journalPath, parseJournal), not through the
// run's JournalStore: the store's contract is one exec per operation, which any store, an in-memory one
// included, can honour; folding the journal's read into this script with three reads that are not the
// journal's is what saves the execs, and only the host's journal can take part in a shell script. Put in
// the contract, the part would be a script fragment an in-memory store cannot run (launchWrite is the
// one such part, because a step's launch must write the journal in its own script).
import { quote as q } from "../../quote";
import { RemoteHost } from "../../transport/remoteHost";
import { sweepStepEnvScript } from "./detached";
import { Journal, journalPath, parseJournal } from "./journal";
import { liveStepsScript } from "./machineRuns";

export interface RunStart {
  /** Why old secrets files could not be removed, when they could not. */
  sweepError?: string;
  journal: Journal | undefined;
  /** Every run's step folder whose process lives ("<run>/<step>"), unchecked: machineRuns.ts filters and shows them. */
  liveSteps: string[];
  /** The version probe's exit status and stdout, when a probe was given. */
  version?: { code: number; stdout: string };
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const text = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

/**
 * The version probe run read-only at the end of a script, framed on one line as `version <status>
 * <stdout in base64>`: its stdout kept exactly (a trailing newline included), its stdin closed (the
 * script's own stdin may carry a file, as runEnd.ts's does). runEnd.ts frames its probe the same way.
 */
export function versionFrameLine(probe: string): string {
  return `_v=$( (\n${probe}\n) < /dev/null 2>/dev/null; echo " $?" ); _rc=\${_v##* }; _v=\${_v% *}; printf 'version %s %s\\n' "$_rc" "$(printf '%s' "$_v" | base64 -w0)"`;
}

/** One `version` line as versionFrameLine prints it, or undefined (host data: shape and size checked; 48 KiB of version at most). */
export function parseVersionFrame(line: string | undefined): { code: number; stdout: string } | undefined {
  const m = line?.match(/^version (\d{1,3}) ([A-Za-z0-9+/]{0,65536}={0,2})$/);
  return m ? { code: Number(m[1]), stdout: text(m[2]) } : undefined;
}

/** The one script: each part in a subshell, so that one part's `exit` ends only that part. */
export function runStartScript(stateDir: string, resource: string, exceptRun: string, probe?: string): string {
  const file = journalPath(stateDir, resource);
  return [
    `_o=$( (\n${sweepStepEnvScript(stateDir)}\n) 2>&1 ); printf 'sweep %s %s\\n' "$?" "$(printf '%s' "$_o" | base64 -w0)"`,
    `if [ -e ${q(file)} ]; then if _j=$(base64 -w0 < ${q(file)}); then printf 'journal %s\\n' "$_j"; else echo "journal unreadable"; fi; else echo "journal absent"; fi`,
    `_l=$( (\n${liveStepsScript(stateDir, exceptRun)}\n) ); printf 'live-rc %s\\n' "$?"; printf '%s\\n' "$_l" | while IFS= read -r _x; do [ -z "$_x" ] || printf 'live %s\\n' "$(printf '%s' "$_x" | base64 -w0)"; done`,
    ...(probe !== undefined ? [versionFrameLine(probe)] : []),
    `echo end`,
  ].join("\n");
}

/** The parts as the script framed them; undefined when the answer is not exactly that frame. */
export function parseRunStart(stdout: string, where: string, probe: boolean): RunStart | undefined {
  const lines = stdout.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines.pop() !== "end") return undefined;
  const sweep = lines.shift()?.match(/^sweep (\d{1,3}) (\S*)$/);
  const journal = lines.shift()?.match(/^journal (absent|unreadable|\S+)$/);
  const liveRc = lines.shift()?.match(/^live-rc (\d{1,3})$/);
  if (!sweep || !B64.test(sweep[2]) || !journal || !liveRc || liveRc[1] !== "0" || journal[1] === "unreadable") return undefined;
  const version = probe ? parseVersionFrame(lines.pop()) : undefined;
  if (probe && !version) return undefined;
  const live = lines.map((l) => l.match(/^live (\S+)$/));
  if (live.some((m) => !m || !B64.test(m[1]))) return undefined;
  if (journal[1] !== "absent" && !B64.test(journal[1])) return undefined;
  return {
    ...(sweep[1] !== "0" ? { sweepError: text(sweep[2]).trim().slice(0, 300) || `exit ${sweep[1]}` } : {}),
    // a journal is checked whole, as readJournal checks it: JOURNAL_INVALID naming the file
    journal: journal[1] === "absent" ? undefined : parseJournal(text(journal[1]), where),
    liveSteps: live.map((m) => text(m![1]).trim()),
    ...(version ? { version } : {}),
  };
}

/** The four reads in one exec; undefined when the host's answer is not the script's frame (read them one by one then). */
export async function readRunStart(host: RemoteHost, stateDir: string, resource: string, exceptRun: string, probe?: string): Promise<RunStart | undefined> {
  const r = await host.exec(runStartScript(stateDir, resource, exceptRun, probe), { sudo: true });
  if (r.code !== 0) return undefined;
  return parseRunStart(r.stdout, `${host.label}:${journalPath(stateDir, resource)}`, probe !== undefined);
}
