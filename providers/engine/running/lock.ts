// One run at a time per machine: whatever the product, the stack or the journal's name, every run that
// changes a server takes the machine's one lock (fence.ts's machineLock: a fixed path under the state
// folder). A lock per journal name let two stacks naming one installation differently install at the
// same time, and let one product's reboot step restart the machine under another product's running
// step; a lock per machine makes both impossible, at the price of runs on one machine never
// overlapping (two servers of one stack on one machine: one dependsOn the other). The lock is a
// directory on the host holding an owner line "<run> <heartbeat epoch> <held-until epoch> <pid@host>
// <journal name>". Every read-then-write of it (take, take over, heartbeat, release) runs under
// flock(1) on a mutex file beside it, so two runs can never both see a stale lock and both take it.
// The owner line is written to a temp file and renamed, so a reader never sees it half written.
//
// The holder beats for the whole run (uploads, edits, restores and reboot waits included): on a timer,
// except while a wait for a step is on the host, whose own script beats (the same owner-line write,
// under the same mutex and the same check that the line names this run: RidingBeat), so a run waiting
// on a long step sends no exec of its own every few seconds. A reboot step first extends "held until" past its deadline, because
// no heartbeat can reach a host that is down. A lock whose last beat (or held-until) is older than
// `staleSeconds` belongs to a run that died and is taken over. A held lock is watched rather than
// refused at once: a run killed seconds ago leaves a lock that goes stale while the next run waits,
// whereas a live holder keeps moving its heartbeat and is refused as soon as it does.
//
// A heartbeat that finds another run's name in the owner line means this run lost the lock: the
// handle remembers it, and the executor stops (LOCK_LOST). The heartbeat alone cannot keep a run that
// was frozen past the timeout from acting when it wakes: every change the run makes on the host is
// fenced (fence.ts), checked against the owner line under the same mutex in the script that makes it.
import { UpchainError } from "../../errors";
import { quote as q } from "../../quote";
import { hostname } from "os";
import { RemoteHost } from "../../transport/remoteHost";
import { FENCE_EXIT, Fence, fencedScript, machineLock, refusedBy } from "./fence";

export interface HostLock {
  /** Beat once now; resolves false when the lock is no longer ours. */
  heartbeat(): Promise<boolean>;
  /** Keep the lock ours until `epochSeconds` even without heartbeats (a reboot wait). */
  holdUntil(epochSeconds: number): Promise<void>;
  /** Throws LOCK_LOST when a heartbeat found another owner. */
  assertHeld(): void;
  release(): Promise<void>;
  /**
   * The release as the body of a fenced script (fence.ts) that ends the run: the guard has proved the
   * lock this run's under the mutex it still holds, so removing the lock here removes only ours.
   * Prints RELEASED_WORD when it did; `releasedBy(stdout)` then tells the handle, and `release` sends nothing.
   */
  releaseBody(): string;
  releasedBy(stdout: string): boolean;
  /** The run whose stale lock this one took over, if any. */
  tookOverFrom?: string;
  /** Guards every change this run makes on the host (fence.ts). */
  fence: Fence;
  /** The heartbeat as a wait's own script beats it, in the wait's exec (stepWait.ts). */
  ridingBeat?: RidingBeat;
}

/**
 * The heartbeat carried by a wait's exec (detached.ts pollStep): while one is on the host the timer's
 * separate beat stays away, and the wait's script beats instead, on the same schedule.
 */
export interface RidingBeat {
  /**
   * Shell that sets beat_first and beat_every (centiseconds on the host's uptime clock, from the
   * moment the script reads it: when the first beat is due, then how often; beat_first is -1 when
   * this run must not beat: its lock is lost, or its heartbeats were stopped) and defines
   * upchain_beat, which beats under the mutex only while the owner line names this run, sets
   * beat_said ("mine", or "lost <run>") and beat_at (from $now), and returns 1 when the lock is lost
   * or nobody reads the wait's output any more (its controller is gone: the wait must stop beating).
   * A controller frozen in the middle of a wait (SIGSTOP, its connection still open) is beaten for at
   * most the rest of that wait (10 s). The script then ends by printing `upchain-beat <beat_said> <centiseconds since the beat>` on
   * stderr (BEAT_REPORT).
   */
  script(): string;
  /** A wait's exec starts; the function returned says it ended (however it ended). */
  begin(): () => void;
  /** What the wait's exec reported (its stderr): a beat on the host, or the lock lost. */
  record(stderr: string): void;
}

/** The riding beat's report, printed last by the wait's script ($now: the uptime in centiseconds). */
export const BEAT_REPORT = `[ -z "$beat_said" ] || echo "upchain-beat $beat_said $((now - beat_at))" >&2`;

const safeWord = (s: string | undefined) => (s && /^[A-Za-z0-9_.:-]{1,64}$/.test(s) ? s : "unknown");
const safeHolder = (s: string | undefined) => (s && /^\d{1,10}@[A-Za-z0-9_.-]{1,64}$/.test(s) ? s : "unknown");

// Every heartbeat of this process (its timer and its rides on waits), so that a provider whose engine
// is gone can stop them all (providerProcess.ts): a dead run's lock must go stale for the next run to take it over.
const heartbeats = new Set<() => void>();

/**
 * Stop every heartbeat of this process without releasing any lock: a step may still be running on
 * the host, and the run that takes the lock over finds out from the journal how it ended.
 */
export function stopHeartbeats(): void {
  for (const stop of heartbeats) stop();
  heartbeats.clear();
}

/** `own <run> <beat> <until> <pid@host>`: write the owner line ($owner, $res) to a temp file and rename it. */
const OWN_FUNCTION = `own() { printf '%s %s %s %s %s\\n' "$1" "$2" "$3" "$4" "$res" > "$owner.tmp" && mv -f -- "$owner.tmp" "$owner"; }`;

/** The script fragment run under the mutex: the lock's paths and a shell function to write the owner. */
function underMutex(stateDir: string, resource: string, body: string): string {
  const lock = machineLock(stateDir);
  return [
    `umask 077; mkdir -p -- ${q(stateDir)} && chmod 700 -- ${q(stateDir)} || exit 3`,
    `command -v flock >/dev/null 2>&1 || { echo "flock (util-linux) is not installed on the host" >&2; exit 4; }`,
    `dir=${q(lock.dir)}; owner=${q(lock.owner)}; res=${q(safeWord(resource))}`,
    OWN_FUNCTION,
    `{ flock -w 30 9 || { echo "mutex busy" >&2; exit 5; }`,
    body,
    `} 9>> ${q(lock.mutex)}`,
  ].join("\n");
}

/** Read the owner line into who/beat/until/by/held; a missing or torn line counts from the directory's mtime. */
const READ_OWNER = [
  `who=; beat=; until=; by=; held=; read -r who beat until by held < "$owner" 2>/dev/null || true`,
  `case "$beat" in ''|*[!0-9]*) beat=$(stat -c %Y -- "$dir" 2>/dev/null || echo 0);; esac`,
  `case "$until" in ''|*[!0-9]*) until=0;; esac`,
  `last=$beat; [ "$until" -gt "$last" ] && last=$until`,
].join("\n");

/** "held <run> <age> <beat> <until> <now> <pid@host> <journal>": the holder as the waiting run sees it (after READ_OWNER). */
const SAY_HELD = `echo "held \${who:-unknown} $((now - last)) $beat $until $now \${by:-unknown} \${held:-unknown}"`;

/** Take the lock, or take over a stale one; prints "acquired", "took-over <run>" or the SAY_HELD line. */
export function acquireScript(stateDir: string, resource: string, run: string, staleSeconds: number, holder = thisController()): string {
  return underMutex(
    stateDir,
    resource,
    [
      `now=$(date +%s)`,
      `if [ -d "$dir" ]; then`,
      READ_OWNER,
      `  if [ $((now - last)) -le ${staleSeconds} ]; then ${SAY_HELD}; exit 0; fi`,
      `  own ${q(run)} "$now" 0 ${q(holder)}; echo "took-over \${who:-unknown}"; exit 0`,
      `fi`,
      `mkdir -- "$dir" && own ${q(run)} "$now" 0 ${q(holder)} && echo acquired`,
    ].join("\n"),
  );
}

/** This process as a lock's owner line names it: "<pid>@<controller host name>". */
export function thisController(): string {
  const name =
    hostname()
      .replace(/[^A-Za-z0-9_.-]/g, "")
      .slice(0, 64) || "unknown";
  return `${process.pid}@${name}`;
}

/** A lock another run holds, as read on the host (ages in the host's seconds). */
export interface LockHolder {
  run: string;
  /** "<pid>@<controller host>", or "unknown" for a lock written before owner lines named it. */
  by: string;
  /** Seconds since its last heartbeat (or since its held-until, when that is later). */
  ageSeconds: number;
  /** Seconds since its last heartbeat proper. */
  beatAgeSeconds: number;
  /** The host's epoch of its last heartbeat. */
  beatEpoch: number;
  /** The journal name the holder works on ("unknown" for an owner line that does not say). */
  resource: string;
}

function parseHeld(fields: string[]): LockHolder | undefined {
  const [word, who, age, beat, , now, by, resource] = fields;
  const n = [age, beat, now].map(Number);
  if (word !== "held" || n.some((x) => !Number.isFinite(x))) return undefined;
  return { run: safeWord(who), by: safeHolder(by), ageSeconds: n[0], beatAgeSeconds: n[2] - n[1], beatEpoch: n[1], resource: safeWord(resource) };
}

/** How often a holder beats: several times per stale period, and at least every 5 s. */
export const beatEveryMs = (staleSeconds: number) => Math.max(1000, Math.min(5000, Math.floor((staleSeconds * 1000) / 4)));

/** Whether the holder has missed a beat: its heartbeat stopped, unless it is merely slow this once. */
export const heartbeatStopped = (h: LockHolder, staleSeconds: number) => h.beatAgeSeconds * 1000 > beatEveryMs(staleSeconds) + 2000;

/** " (pid P on H)" for a holder whose owner line names its process, else nothing. */
const processOf = (h: LockHolder) => {
  const [pid, host] = h.by.split("@");
  return host ? ` (pid ${pid} on ${host})` : "";
};
/** " for <journal>" when the holder works on another journal than this run's (`ours`): the machine's lock is shared. */
const journalOf = (h: LockHolder, ours?: string) => (h.resource !== "unknown" && h.resource !== ours ? ` for ${h.resource}` : "");
const whoIs = (h: LockHolder, ours?: string) => `run ${h.run}${journalOf(h, ours)}${processOf(h)}`;
const utcTime = (epoch: number) => new Date(epoch * 1000).toISOString().slice(11, 19) + " UTC";
/** Seconds until a run waiting now may take the lock over (it must be older than the stale period). */
const untilTakeover = (h: LockHolder, staleSeconds: number) => Math.max(0, staleSeconds - h.ageSeconds + 1);

/** What a run waiting for a lock whose heartbeat has stopped says at once, instead of waiting in silence. */
export function lockWaitMessage(resource: string, h: LockHolder, staleSeconds: number): string {
  const held = h.ageSeconds < h.beatAgeSeconds ? `; it holds the lock through a reboot wait for ${Math.max(0, -h.ageSeconds)}s more` : "";
  return (
    `waiting for the lock on ${resource}, held by ${whoIs(h, resource)}: its heartbeat stopped ${h.beatAgeSeconds}s ago, at ${utcTime(h.beatEpoch)}${held}. ` +
    `Unless it beats again, this run takes the lock over in ${untilTakeover(h, staleSeconds)}s (lockTimeoutSeconds: ${staleSeconds}) and carries on from the host's journal; ` +
    `if it beats again, that run is alive and this one stops with LOCKED.`
  );
}

/** What preview says about a lock another run holds: whether up will wait for it, and how long at most. */
export function lockPreviewNote(h: LockHolder, staleSeconds: number, resource?: string): string {
  // one look cannot tell a run between two beats from one that just died: both outcomes are said
  if (!heartbeatStopped(h, staleSeconds)) {
    return (
      `${whoIs(h, resource)} holds this server's lock (last heartbeat ${Math.max(0, h.beatAgeSeconds)}s ago): if that run is still working, up stops with LOCKED; ` +
      `if it died, up may wait up to ${untilTakeover(h, staleSeconds)}s to take it over (lockTimeoutSeconds: ${staleSeconds})`
    );
  }
  return (
    `${whoIs(h, resource)} still holds this server's lock, but its heartbeat stopped ${h.beatAgeSeconds}s ago (at ${utcTime(h.beatEpoch)}): ` +
    `up may wait up to ${untilTakeover(h, staleSeconds)}s to take it over (lockTimeoutSeconds: ${staleSeconds})`
  );
}

/** The machine lock's holder as it stands, read without taking the mutex (preview); undefined when the lock is free. */
export async function readLockHolder(host: RemoteHost, stateDir: string): Promise<LockHolder | undefined> {
  const lock = machineLock(stateDir);
  const r = await host.exec([`dir=${q(lock.dir)}; owner=${q(lock.owner)}; now=$(date +%s)`, `[ -d "$dir" ] || exit 0`, READ_OWNER, SAY_HELD].join("\n"), {
    sudo: true,
  });
  return r.code === 0 ? parseHeld(r.stdout.trim().split(/\s+/)) : undefined;
}

export async function acquireLock(
  host: RemoteHost,
  stateDir: string,
  resource: string,
  run: string,
  staleSeconds: number,
  pollMs = 2000,
  /** Told once, at once, when the lock's holder has stopped beating and this run waits to take it over. */
  onWait?: (message: string) => void,
): Promise<HostLock> {
  const holder = thisController();
  const script = acquireScript(stateDir, resource, run, staleSeconds, holder);
  let firstBeat: number | undefined;
  let said = false;
  const deadline = Date.now() + (staleSeconds + 5) * 1000;
  for (;;) {
    const r = await host.exec(script, { sudo: true });
    const fields = r.stdout.trim().split(/\s+/);
    if (r.code !== 0) {
      throw new UpchainError("LOCKED", `${host.label}: could not take upchain's lock for ${resource}: ${r.stderr.trim().slice(0, 300) || `exit ${r.code}`}`);
    }
    if (fields[0] === "acquired" || fields[0] === "took-over") {
      return lockHandle(host, stateDir, resource, run, staleSeconds, holder, fields[0] === "took-over" ? safeWord(fields[1]) : undefined);
    }
    const held = parseHeld(fields);
    firstBeat ??= held?.beatEpoch;
    const alive = !held || held.beatEpoch !== firstBeat;
    if (alive || Date.now() > deadline) {
      const other = held && held.resource !== resource && held.resource !== "unknown";
      throw new UpchainError(
        "LOCKED",
        `${host.label}: another upchain run (${safeWord(fields[1])}) is working on ${other ? held.resource : resource}${held ? processOf(held) : ""}; its last heartbeat was ${held ? Math.max(0, held.beatAgeSeconds) : "?"}s ago. ` +
          (other
            ? `upchain runs one run at a time per machine, whatever the product, stack or journal name (this run's is ${resource}): wait for it to finish ` +
              `(two servers of one stack on one machine: make one dependsOn the other); if it died, its lock is taken over ${staleSeconds}s after that heartbeat.`
            : `Wait for it to finish; if it died, its lock is taken over ${staleSeconds}s after that heartbeat.`),
      );
    }
    if (!said && heartbeatStopped(held, staleSeconds)) {
      said = true;
      onWait?.(lockWaitMessage(resource, held, staleSeconds));
    }
    await new Promise((res) => setTimeout(res, pollMs));
  }
}

/** What a fenced script that released the lock prints (HostLock.releaseBody). */
export const RELEASED_WORD = "upchain-lock-released";

function lockHandle(
  host: RemoteHost,
  stateDir: string,
  resource: string,
  run: string,
  staleSeconds: number,
  holder: string,
  tookOverFrom: string | undefined,
): HostLock {
  let lostTo: string | undefined;
  // released by the run's end script (runEnd.ts): nothing is left to remove
  let released = false;
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
  // when this run last beat or tried to (epoch ms): its own beats and those its waits report
  let lastBeatAt = Date.now();
  const beat = () => {
    lastBeatAt = Date.now();
    return whileMine(`own ${q(run)} "$(date +%s)" ${until} ${q(holder)}`);
  };
  // Beat several times per stale period, so one missed beat (a slow exec) never makes the lock stale,
  // and at least every 5 s, so a run watching the lock sees quickly that its holder lives. The timer
  // looks four times per period (beating once the last beat is about a period old, give or take an
  // eighth), so a beat a wait made on the host moves the next one along.
  const every = beatEveryMs(staleSeconds);
  const tick = Math.max(250, Math.floor(every / 4));
  let beating = false;
  let riding = 0; // waits whose exec is on the host, beating there
  let stopped = false;
  const timer = setInterval(() => {
    if (beating || lostTo || riding > 0 || Date.now() - lastBeatAt < every - tick / 2) return;
    beating = true;
    beat()
      .catch(() => undefined) // a host that is down (rebooting, link lost) cannot be reached; the next beat tries again
      .finally(() => (beating = false));
  }, tick);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  heartbeats.add(stop);
  const ridingBeat: RidingBeat = {
    script: () => {
      const due = Math.max(0, every - (Date.now() - lastBeatAt));
      const { dir, owner, mutex } = machineLock(stateDir);
      return [
        stopped || lostTo ? `beat_first=-1; beat_every=0` : `beat_first=${Math.ceil(due / 10)}; beat_every=${Math.ceil(every / 10)}`,
        `beat_said=; beat_at=0`,
        `upchain_beat() {`,
        // a wait whose controller is gone must not keep its lock alive: once its connection is closed
        // (a killed controller, a dropped link sshd has noticed) this write fails or kills the
        // script (SIGPIPE), and no beat is written
        `  printf 'upchain-beat due\\n' >&2 || return 1`,
        // no state folder: no lock at all (and a redirection to a missing folder would end the script)
        `  [ -d ${q(stateDir)} ] || { beat_said="lost nobody"; return 1; }`,
        `  dir=${q(dir)}; owner=${q(owner)}; res=${q(safeWord(resource))}; umask 077`,
        `  ${OWN_FUNCTION}`,
        // a busy mutex: this beat is skipped, and the next turn of the wait tries again
        `  { flock -w 5 9 || return 0`,
        READ_OWNER,
        `  if [ "$who" != ${q(run)} ]; then beat_said="lost \${who:-nobody}"; return 1; fi`,
        `  own ${q(run)} "$(date +%s)" ${until} ${q(holder)} && beat_said=mine && beat_at=$now`,
        `  } 9>> ${q(mutex)}`,
        `  return 0`,
        `}`,
      ].join("\n");
    },
    begin: () => {
      riding++;
      let ended = false;
      return () => {
        if (!ended) riding--;
        ended = true;
      };
    },
    record: (stderr) => {
      const said = stderr
        .split("\n")
        .filter((l) => l.startsWith("upchain-beat "))
        .pop();
      const m = said?.match(/^upchain-beat (?:mine (\d{1,9})|lost (\S+) -?\d{1,12})$/);
      if (m?.[1] !== undefined) lastBeatAt = Math.max(lastBeatAt, Date.now() - Number(m[1]) * 10);
      else if (m?.[2] !== undefined) lostTo ??= safeWord(m[2]);
    },
  };
  const lost = (to: string, how: string) =>
    new UpchainError(
      "LOCK_LOST",
      `${host.label}: run ${run} lost this machine's lock (taken for ${resource}) to run ${to} (${how}). ` +
        `This run stopped and changed nothing more on the server; the other run owns it now. Wait for it, then run pulumi up again.`,
    );
  const fence: Fence = {
    script: (body) => fencedScript(stateDir, run, body),
    check: (r, what) => {
      if (r.code !== FENCE_EXIT) {
        fence.provedAt = Date.now();
        return r;
      }
      lostTo ??= refusedBy(r.stderr);
      throw lost(lostTo, `the host refused ${what}: the lock's owner line names the other run`);
    },
  };
  return {
    tookOverFrom,
    fence,
    ridingBeat,
    heartbeat: async () => (await beat()) && !lostTo,
    holdUntil: async (epochSeconds) => {
      until = Math.floor(epochSeconds);
      await beat();
    },
    assertHeld: () => {
      if (lostTo) {
        throw lost(lostTo, `its heartbeat could not reach the host for more than ${staleSeconds}s, or the lock was removed`);
      }
    },
    release: async () => {
      stop();
      heartbeats.delete(stop);
      if (!lostTo && !released) await whileMine(`rm -rf -- "$dir"`);
    },
    releaseBody: () => `rm -rf -- ${q(machineLock(stateDir).dir)} && echo ${RELEASED_WORD}`,
    releasedBy: (stdout) => {
      if (
        stdout
          .split("\n")
          .map((l) => l.trim())
          .includes(RELEASED_WORD)
      ) {
        released = true;
        stop();
        heartbeats.delete(stop);
      }
      return released;
    },
  };
}
