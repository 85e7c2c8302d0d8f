// A run that succeeded ends in one round trip where there were two: its journal's "done" written and
// moved to the history, then the machine's lock released, in one fenced script (fence.ts). The guard
// proves the lock this run's under the mutex the script keeps to its end, so the release removes only
// OUR lock; a run that lost its lock touches nothing (LOCK_LOST, as every fenced change). The release
// comes only after the journal is archived: a run killed at any point of the script leaves what the
// two execs left killed between them (a journal still "running" with its steps all run, finished by
// settleJournal; or archived with the lock still held, which goes stale or is released by its run).
// A script that fails says so as writeAndArchiveJournal does, and the lock is released as before.
// With the catalog's version probe, the same script then reads the version (read-only, after the
// release), framed in base64 as runStart.ts frames it: host data, checked by whoever uses it.
// The journal is written and archived here with journal.ts's own piece (writeAndArchive's body), not
// through the run's JournalStore, for the reason runStart.ts gives: the store's operations are one exec
// each, and this script folds the journal's last write into the lock's release and the version probe,
// which only the host's journal can take part in.
import { quote as q } from "../../quote";
import { RemoteHost } from "../../transport/remoteHost";
import { FENCE_EXIT, refusedBy } from "./fence";
import { Journal, journalPath, parseJournal, writeAndArchive } from "./journal";
import { HostLock, RELEASED_WORD } from "./lock";
import { parseVersionFrame, versionFrameLine } from "./runStart";

/** The script: the journal written and archived (in a subshell: its `exit` ends only that part), then the release, then the probe. */
export function runEndScript(stateDir: string, resource: string, j: Journal, lock: Pick<HostLock, "fence" | "releaseBody">, probe?: string) {
  const wa = writeAndArchive(stateDir, resource, j);
  const read = probe === undefined ? "" : `\n${versionFrameLine(probe)}`;
  const body = `(\n${wa.body}\n) || exit $?\n${lock.releaseBody()}${read}`;
  return { script: lock.fence.script(body), stdin: wa.stdin, outcome: wa.outcome, file: wa.file };
}

/** The probe's exit status and stdout as the script framed them; undefined when the frame is not there. */
export function versionAtEnd(stdout: string): { code: number; stdout: string } | undefined {
  return stdout
    .split("\n")
    .map(parseVersionFrame)
    .filter((v) => v)
    .pop();
}

/**
 * The journal, whose status the caller has set, written and archived, and the lock released, in one
 * exec; with `probe`, the version read after. The lock is known released only when the script says so;
 * otherwise its handle releases it as before. The version is unread (undefined) when the answer lacks it.
 */
export async function endRun(
  host: RemoteHost,
  stateDir: string,
  resource: string,
  j: Journal,
  lock: HostLock,
  probe?: string,
): Promise<{ version?: { code: number; stdout: string } }> {
  const end = runEndScript(stateDir, resource, j, lock, probe);
  const r = await host.exec(end.script, { sudo: true, stdin: end.stdin });
  // tried again after an answer that was lost: the first try may have ended the run, lock and all
  if (r.code === FENCE_EXIT && refusedBy(r.stderr) === "nobody" && (await endedAlready(host, stateDir, resource, j))) {
    lock.releasedBy(RELEASED_WORD);
    return {};
  }
  end.outcome(host.label, lock.fence.check(r, `writing and archiving the journal ${end.file}`));
  lock.releasedBy(r.stdout);
  const version = probe === undefined ? undefined : versionAtEnd(r.stdout);
  return version ? { version } : {};
}

/** Whether this run's journal is gone from its place and archived as "done": an earlier try's work (read-only; host data, parsed whole). */
async function endedAlready(host: RemoteHost, stateDir: string, resource: string, j: Journal): Promise<boolean> {
  const history = `${stateDir}/history/${resource}.${j.run}.json`;
  const r = await host.exec(`[ ! -e ${q(journalPath(stateDir, resource))} ] && base64 -w0 < ${q(history)}`, { sudo: true }).catch(() => undefined);
  if (r?.code !== 0 || r.stdout.length > 4_000_000 || !/^[A-Za-z0-9+/]*={0,2}\s*$/.test(r.stdout)) return false;
  try {
    const h = parseJournal(Buffer.from(r.stdout.trim(), "base64").toString("utf8"), `${host.label}:${history}`);
    return h.run === j.run && h.status === "done";
  } catch {
    return false;
  }
}
