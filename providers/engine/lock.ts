// One run at a time per server and resource. The lock is a directory on the host holding an owner
// line "<run> <heartbeat epoch> <held-until epoch>". Every read-then-write of it (take, take over,
// heartbeat, release) runs under flock(1) on a mutex file beside it, so two runs can never both see a
// stale lock and both take it. The owner line is written to a temp file and renamed, so a reader
// never sees it half written.
//
// The holder beats on a timer for the whole run (uploads, edits, restores and reboot waits included),
// not only while a step is polled. A reboot step first extends "held until" past its deadline, because
// no heartbeat can reach a host that is down. A lock whose last beat (or held-until) is older than
// `staleSeconds` belongs to a run that died and is taken over. A held lock is watched rather than
// refused at once: a run killed seconds ago leaves a lock that goes stale while the next run waits,
// whereas a live holder keeps moving its heartbeat and is refused as soon as it does.
//
// A heartbeat that finds another run's name in the owner line means this run lost the lock: the
// handle remembers it, and the executor stops at once (LOCK_LOST) instead of racing the new owner.
import { UpchainError } from "../errors";
import { quote as q } from "../quote";
import { RemoteHost } from "../transport/remoteHost";

export interface HostLock {
  /** Beat once now; resolves false when the lock is no longer ours. */
  heartbeat(): Promise<boolean>;
  /** Keep the lock ours until `epochSeconds` even without heartbeats (a reboot wait). */
  holdUntil(epochSeconds: number): Promise<void>;
  /** Throws LOCK_LOST when a heartbeat found another owner. */
  assertHeld(): void;
  release(): Promise<void>;
  /** The run whose stale lock this one took over, if any. */
  tookOverFrom?: string;
}

const safeWord = (s: string | undefined) => (s && /^[A-Za-z0-9_.:-]{1,64}$/.test(s) ? s : "unknown");

/** The script fragment run under the mutex: the lock's paths and a shell function to write the owner. */
function underMutex(stateDir: string, resource: string, body: string): string {
  const dir = `${stateDir}/${resource}.lock`;
  return [
    `umask 077; mkdir -p -- ${q(stateDir)} && chmod 700 -- ${q(stateDir)} || exit 3`,
    `command -v flock >/dev/null 2>&1 || { echo "flock (util-linux) is not installed on the host" >&2; exit 4; }`,
    `dir=${q(dir)}; owner=${q(dir + "/owner")}`,
    `own() { printf '%s %s %s\\n' "$1" "$2" "$3" > "$owner.tmp" && mv -f -- "$owner.tmp" "$owner"; }`,
    `{ flock -w 30 9 || { echo "mutex busy" >&2; exit 5; }`,
    body,
    `} 9> ${q(`${stateDir}/${resource}.lock.mutex`)}`,
  ].join("\n");
}

/** Read the owner line into who/beat/until; a missing or torn line counts from the directory's mtime. */
const READ_OWNER = [
  `who=; beat=; until=; read -r who beat until < "$owner" 2>/dev/null || true`,
  `case "$beat" in ''|*[!0-9]*) beat=$(stat -c %Y -- "$dir" 2>/dev/null || echo 0);; esac`,
  `case "$until" in ''|*[!0-9]*) until=0;; esac`,
  `last=$beat; [ "$until" -gt "$last" ] && last=$until`,
].join("\n");

/** Take the lock, or take over a stale one; prints "acquired", "took-over <run>" or "held <run> <age> <beat>". */
export function acquireScript(stateDir: string, resource: string, run: string, staleSeconds: number): string {
  return underMutex(
    stateDir,
    resource,
    [
      `now=$(date +%s)`,
      `if [ -d "$dir" ]; then`,
      READ_OWNER,
      `  if [ $((now - last)) -le ${staleSeconds} ]; then echo "held \${who:-unknown} $((now - last)) $beat"; exit 0; fi`,
      `  own ${q(run)} "$now" 0; echo "took-over \${who:-unknown}"; exit 0`,
      `fi`,
      `mkdir -- "$dir" && own ${q(run)} "$now" 0 && echo acquired`,
    ].join("\n"),
  );
}

export async function acquireLock(
  host: RemoteHost,
  stateDir: string,
  resource: string,
  run: string,
  staleSeconds: number,
  pollMs = 2000,
): Promise<HostLock> {
  const script = acquireScript(stateDir, resource, run, staleSeconds);
  let firstBeat: string | undefined;
  const deadline = Date.now() + (staleSeconds + 5) * 1000;
  for (;;) {
    const r = await host.exec(script, { sudo: true });
    const [word, who, age, beat] = r.stdout.trim().split(/\s+/);
    if (r.code !== 0) {
      throw new UpchainError("LOCKED", `${host.label}: could not take upchain's lock for ${resource}: ${r.stderr.trim().slice(0, 300) || `exit ${r.code}`}`);
    }
    if (word === "acquired" || word === "took-over") {
      return lockHandle(host, stateDir, resource, run, staleSeconds, word === "took-over" ? safeWord(who) : undefined);
    }
    firstBeat ??= beat;
    const alive = word !== "held" || beat !== firstBeat;
    if (alive || Date.now() > deadline) {
      throw new UpchainError(
        "LOCKED",
        `${host.label}: another upchain run (${safeWord(who)}) is working on ${resource}; its last heartbeat was ${/^\d+$/.test(age ?? "") ? age : "?"}s ago. ` +
          `Wait for it to finish; if it died, its lock is taken over ${staleSeconds}s after that heartbeat.`,
      );
    }
    await new Promise((res) => setTimeout(res, pollMs));
  }
}

function lockHandle(host: RemoteHost, stateDir: string, resource: string, run: string, staleSeconds: number, tookOverFrom: string | undefined): HostLock {
  let lostTo: string | undefined;
  let until = 0;
  // Runs `cmd` only while the owner line names this run; prints "mine" or "lost <owner>".
  const whileMine = async (cmd: string): Promise<boolean> => {
    const r = await host.exec(
      underMutex(stateDir, resource, [READ_OWNER, `if [ "$who" = ${q(run)} ]; then ${cmd}; echo mine; else echo "lost \${who:-nobody}"; fi`].join("\n")),
      { sudo: true },
    );
    const [word, who] = r.stdout.trim().split(/\s+/);
    if (r.code === 0 && word === "lost") lostTo ??= safeWord(who);
    return r.code === 0 && word === "mine";
  };
  const beat = () => whileMine(`own ${q(run)} "$(date +%s)" ${until}`);
  // Beat several times per stale period, so one missed beat (a slow exec) never makes the lock stale,
  // and at least every 5 s, so a run watching the lock sees quickly that its holder lives.
  const every = Math.max(1000, Math.min(5000, Math.floor((staleSeconds * 1000) / 4)));
  let beating = false;
  const timer = setInterval(() => {
    if (beating || lostTo) return;
    beating = true;
    beat()
      .catch(() => undefined) // a host that is down (rebooting, link lost) cannot be reached; the next beat tries again
      .finally(() => (beating = false));
  }, every);
  timer.unref();
  return {
    tookOverFrom,
    heartbeat: async () => (await beat()) && !lostTo,
    holdUntil: async (epochSeconds) => {
      until = Math.floor(epochSeconds);
      await beat();
    },
    assertHeld: () => {
      if (lostTo) {
        throw new UpchainError(
          "LOCK_LOST",
          `${host.label}: run ${run} lost its lock on ${resource} to run ${lostTo} (its heartbeat could not reach the host for more than ` +
            `${staleSeconds}s, or the lock was removed). This run stopped at once and ran nothing more; the other run owns the server now. ` +
            `Wait for it, then run pulumi up again.`,
        );
      }
    },
    release: async () => {
      clearInterval(timer);
      if (!lostTo) await whileMine(`rm -rf -- "$dir"`);
    },
  };
}
