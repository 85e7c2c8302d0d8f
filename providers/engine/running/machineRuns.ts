// The machine's other runs: steps still running on it that this run did not start. The machine's
// lock keeps two live runs apart (lock.ts), but a run that died leaves its step running detached,
// and the run that takes the lock over may belong to another journal, which knows nothing of that
// step. Such a run starts nothing, and above all restarts nothing, while one runs: it waits for them
// a while, then refuses naming them.
import { UpchainError } from "../../errors";
import { quote as q } from "../../quote";
import { RemoteHost } from "../../transport/remoteHost";

/** "<run>/<step folder>" as the host names it: checked before it is shown. */
const STEP = /^\d{8}T\d{6}-[0-9a-f]{6}\/[0-9a-z-]{1,80}$/;

/**
 * Prints "<run>/<step>" for each step folder under `stateDir`/runs whose process lives (its pid with
 * the start time recorded beside it), skipping `exceptRun`. A process whose start time cannot be
 * read while /proc still shows it counts as running: doubt never lets a restart through.
 */
export function liveStepsScript(stateDir: string, exceptRun: string): string {
  return [
    `cd ${q(stateDir + "/runs")} 2>/dev/null || exit 0`,
    `for d in */*/; do`,
    `  [ -f "$d/pid" ] && [ ! -f "$d/rc" ] || continue`,
    `  [ "\${d%%/*}" = ${q(exceptRun)} ] && continue`,
    `  p=$(cat "$d/pid" 2>/dev/null); case "$p" in ''|*[!0-9]*) continue;; esac`,
    `  [ -e "/proc/$p" ] || continue`,
    `  want=$(cat "$d/start" 2>/dev/null); have=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f20)`,
    `  [ -z "$have" ] || [ "$have" = "$want" ] && echo "\${d%/}"`,
    `done`,
  ].join("\n");
}

export async function liveSteps(host: RemoteHost, stateDir: string, exceptRun: string): Promise<string[]> {
  const r = await host.exec(liveStepsScript(stateDir, exceptRun), { sudo: true });
  if (r.code !== 0)
    throw new UpchainError(
      "REMOTE_IO_FAILED",
      `${host.label}: cannot list the steps running on the machine: ${r.stderr.trim().slice(0, 300) || `exit ${r.code}`}`,
    );
  return shownSteps(r.stdout.split("\n"));
}

/** The lines liveStepsScript printed, as shown: a line that is not a step folder's name is not shown, but it still counts. */
function shownSteps(lines: string[]): string[] {
  return lines
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 20)
    .map((l) => (STEP.test(l) ? l : "(a step folder with an odd name)"));
}

/**
 * Resolves once no step of another run is running on the machine; polls for up to `waitSeconds`,
 * then throws LOCKED naming them. `what` says what this run was about to do.
 */
export async function othersSettled(
  host: RemoteHost,
  stateDir: string,
  exceptRun: string,
  waitSeconds: number,
  what: string,
  log?: (line: string) => void,
  pollMs = 2000,
  /** What liveStepsScript printed just now, read with other things in one exec (runStart.ts): the first look. */
  firstLook?: string[],
): Promise<void> {
  const end = Date.now() + waitSeconds * 1000;
  let said = false;
  for (;;) {
    const first = firstLook && shownSteps(firstLook.filter((l) => l.split("/")[0] !== exceptRun));
    firstLook = undefined;
    const live = first ?? (await liveSteps(host, stateDir, exceptRun));
    if (!live.length) return;
    if (Date.now() >= end) {
      throw new UpchainError(
        "LOCKED",
        `${host.label}: ${live.map((s) => `step ${s.split("/")[1]} of run ${s.split("/")[0]}`).join(", ")} ${live.length > 1 ? "are" : "is"} still running on this machine ` +
          `(left by a run that lost or dropped the machine's lock; its folder is under ${stateDir}/runs). upchain ${what} beside another run's step, and waited ${waitSeconds}s for it. ` +
          `This run stopped here and changed nothing more: wait for that step to end (its exit status appears as rc in its folder), then run pulumi up again, which carries on from where this run stopped.`,
      );
    }
    if (!said) {
      said = true;
      log?.(`waiting up to ${waitSeconds}s for ${live.join(", ")} to end: another run's step, still running on this machine (upchain ${what} beside it)`);
    }
    await new Promise((res) => setTimeout(res, pollMs));
  }
}
