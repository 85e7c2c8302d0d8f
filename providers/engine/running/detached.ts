// Long steps must not die with the SSH connection: each step's script runs detached on the host
// (setsid, output and exit status to files) and is polled. A dropped connection or a killed
// controller leaves it running; the next run finds its exit status in the step's directory.
//
// What the host says is data to check: the exit status must be a number, the pid is trusted only
// together with the process start time recorded beside it (a pid reused after a reboot is another
// process), and a step counts as lost only on positive proof that its process is gone without an
// exit status. A poll that fails (a closed channel, a sudo hiccup, garbage output) proves nothing:
// it is retried, with a bound, by the caller.
import { UpchainError } from "../../errors";
import { quote as q } from "../../quote";
import { RemoteHost } from "../../transport/remoteHost";
import { Fence, fencedWrite, stdinWriteBody, stdinWriteInput } from "./fence";
import { BEAT_REPORT, RidingBeat } from "./lock";

export interface DetachedResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment values a step needs but that must never be on a command line (secrets): a root-only file the script sources. */
export type StepEnv = Record<string, string>;

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** The env file's text: one `export NAME='value'` per line, each value quoted for sh. */
export function envFileText(env: StepEnv): string {
  return Object.entries(env)
    .map(([k, v]) => {
      if (!ENV_NAME.test(k)) throw new Error(`bad environment variable name ${k}`);
      return `export ${k}=${q(v)}\n`;
    })
    .join("");
}

/**
 * Shell that sets $have to a process's start time (field 22 of /proc/PID/stat, in clock ticks since
 * boot) and $pstate to its state letter (field 3), with shell built-ins only (read, parameter
 * expansion, set): no process is started, so a host that cannot fork (a pids cgroup at its limit,
 * RLIMIT_NPROC, memory pressure) still answers. The command name, field 2, may hold spaces and
 * parentheses: everything up to the last ") " is dropped. Both stay empty when the file cannot be read.
 */
const READ_STAT = (pid: string) =>
  `have=; pstate=; st=; { read -r st < /proc/${pid}/stat; } 2>/dev/null; ` +
  `case "$st" in *") "*) set -- \${st##*") "}; if [ $# -ge 20 ]; then pstate=$1; shift 19; have=$1; fi;; esac`;

/**
 * The state of the step in `dir` as one word and its numbers, in $s, with shell built-ins only (see
 * READ_STAT). "gone" is said only on proof: /proc answers (it shows this shell) and either has no
 * entry for the pid, or shows another process under it (a pid reused after a reboot), or shows the
 * step's process as a zombie (it has ended) — and still no exit status was written. Anything that
 * cannot be read (the pid, the recorded start time, the process's stat file) is "unknown": a poll
 * that proves nothing, never a verdict the restore could act on.
 */
function stateInto(dir: string): string {
  return [
    `s=unknown`,
    `if [ ! -e ${q(dir)} ]; then s=not-started`,
    `elif cd ${q(dir)} 2>/dev/null; then`,
    `  if [ -f rc ]; then code=; { read -r code < rc; } 2>/dev/null; s="finished $code"`,
    `  elif [ ! -f pid ]; then s=not-started`,
    `  else`,
    `    pid=; want=; t0=; now=; { read -r pid < pid; read -r want < start; } 2>/dev/null`,
    `    case "$pid" in`,
    `    ''|*[!0-9]*) [ -z "$pid" ] || s="bad pid";;`,
    `    *)`,
    `      ${READ_STAT("$pid")}`,
    `      if [ -n "$have" ] && [ -n "$want" ] && [ "$have" = "$want" ] && [ "$pstate" != Z ]; then`,
    // the elapsed time, on the clock the launcher recorded its start with: the uptime (built-ins);
    // a step launched by an earlier upchain recorded the epoch, read with date
    `        if { read -r t0 < started-up; } 2>/dev/null; then { read -r now _ < /proc/uptime; } 2>/dev/null; now=\${now%%.*}`,
    `        else { read -r t0 < started; } 2>/dev/null; now=$(date +%s 2>/dev/null) || now=; fi`,
    `        if [ -n "$t0" ] && [ -n "$now" ]; then s="running $t0 $now"; fi`,
    `      elif { [ -n "$have" ] && [ -n "$want" ]; } || { [ ! -e /proc/$pid ] && [ -e /proc/self/stat ]; }; then`,
    // ended, or the pid belongs to another process: a last look for the exit status it wrote as it ended
    `        if [ -f rc ]; then code=; { read -r code < rc; } 2>/dev/null; s="finished $code"; else s=gone; fi`,
    `      fi;;`,
    `    esac`,
    `  fi`,
    `fi`,
  ].join("\n");
}

/** The file the launcher holds an exclusive flock on for the step's whole life: the wait blocks on it. */
const ALIVE_LOCK = "running.lock";

/**
 * The launcher, run by `sh -c` in the step's folder. It takes an exclusive flock on ALIVE_LOCK (the
 * kernel drops it with the launcher, however it ends: its exit after the exit status is published, a
 * kill of its process group, a reboot), records its start time and its start on the uptime clock
 * before its pid (so a pid always has them; built-ins only, as the poll reads them), runs the script,
 * removes the env file, then publishes the exit status with one rename. The script does not inherit
 * the lock's descriptor (8>&-): a daemon the step starts must not keep the step "running". Without
 * flock the lock is simply not held, and the wait finds that out and looks the old way.
 * upchain's own files (out, err, rc, pid) are private; the step's commands run with the login's own
 * umask ($1), because what they create (a Python environment Apache must read) is the product's.
 */
const STEP_LAUNCHER =
  `u=$1; exec 8>> ${ALIVE_LOCK}; flock 8 2>/dev/null; ${READ_STAT("$$")}; echo "$have" > start; read -r up _ < /proc/uptime; echo "\${up%%.*}" > started-up; echo $$ > pid.tmp; mv -f pid.tmp pid; ` +
  `(umask "$u"; exec sh ./script.sh) 8>&- > out 2> err; echo $? > rc.tmp; rm -f env; mv -f rc.tmp rc`;

/**
 * The part of `env` the script uses: a step that names none of its variables gets no secrets file
 * at all (a file that is never written cannot be left behind).
 */
export function envUsedBy(script: string, env: StepEnv = {}): StepEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => new RegExp(`(^|[^A-Za-z0-9_])${k}($|[^A-Za-z0-9_])`).test(script)));
}

/** A small file (no secrets) a launch writes, synced, before it starts anything: the run's journal naming the step. */
export interface WriteFirst {
  file: string;
  content: string;
  mode: number;
}

/** The launch script's exit status when the file to write first could not be written: nothing was started. */
const WRITE_FIRST_FAILED = 96;

/**
 * Launch a step, only while this run owns the machine's lock: the guard (fence.ts) and the launch are
 * one script, so a run that lost the lock launches nothing. The launched process does not keep the
 * lock's mutex (the guard closes it for the body). With `writeFirst` (the journal naming this step),
 * the same script first writes and syncs that file and starts nothing when it cannot: one round trip
 * where there were two, and the journal still names the step before the step exists.
 */
export async function startDetached(
  host: RemoteHost,
  dir: string,
  script: string,
  env: StepEnv | undefined,
  fence: Fence,
  writeFirst?: WriteFirst,
): Promise<void> {
  if (env) envFileText(env); // every name checked, used or not
  env = envUsedBy(script, env);
  const hasEnv = env && Object.keys(env).length > 0;
  // the file to write before anything else, in the same script as the first change (the journal)
  const first = (w: WriteFirst | undefined) =>
    w ? { body: `(\n${stdinWriteBody(w.file, w.mode)}\n) || exit ${WRITE_FIRST_FAILED}\n`, stdin: stdinWriteInput(w.content) } : { body: "", stdin: "" };
  const firstFile = writeFirst?.file;
  const failedFirst = (r: { code: number | null; stderr: string }) => {
    if (firstFile && r.code === WRITE_FIRST_FAILED)
      throw new UpchainError(
        "REMOTE_IO_FAILED",
        `${host.label}: writing ${firstFile} failed, so the step was not started: ${r.stderr.trim().slice(0, 300) || `exit status ${r.code}`}`,
      );
  };
  if (hasEnv) {
    // the secrets' file goes into the private folder before the step is launched (after the journal, as without secrets)
    const w = first(writeFirst);
    writeFirst = undefined;
    const prep = fence.check(
      await host.exec(fence.script(`${w.body}umask 077; mkdir -p -- ${q(dir)} && chmod 700 -- ${q(dir)}`), {
        sudo: true,
        ...(w.stdin ? { stdin: w.stdin } : {}),
      }),
      `preparing ${dir}`,
    );
    failedFirst(prep);
    if (prep.code !== 0)
      throw new UpchainError("COMMAND_FAILED", `could not prepare the step's folder ${dir} on ${host.label}: ${prep.stderr.trim().slice(0, 300)}`);
    await fencedWrite(host, fence, `${dir}/env`, envFileText(env), 0o600);
  }
  const w = first(writeFirst);
  const launcher = STEP_LAUNCHER;
  // One round trip: the folder, the script (on standard input, so it is never on a command line),
  // the launch. It returns once the launcher has published its pid (at most 10 s), so the first poll
  // never mistakes a step that is starting for one that never started; and it gives a short step
  // 200 ms to finish, so that the first poll usually finds it done: blocked on the launcher's lock
  // (free the moment the launcher ends), not in 20 ms sleeps, which only a host without flock keeps.
  const r = fence.check(
    await host.exec(
      fence.script(
        `${w.body}u=$(umask); umask 077; { mkdir -p -- ${q(dir)} && chmod 700 -- ${q(dir)} && cd ${q(dir)} && rm -f -- rc pid && cat > script.sh && chmod 700 script.sh; } || exit 97; ` +
          `{ setsid sh -c ${q(launcher)} upchain-step "$u" < /dev/null > /dev/null 2>&1 & } && ` +
          `i=0; while [ ! -f pid ] && [ ! -f rc ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i+1)); done; ` +
          `[ -f pid ] || [ -f rc ] || { echo "the launcher wrote no pid within 10s" >&2; exit 1; }; ` +
          `if [ -f ${ALIVE_LOCK} ] && command -v flock >/dev/null 2>&1; then flock -s -w 0.2 ${ALIVE_LOCK} true 2>/dev/null; ` +
          `else i=0; while [ ! -f rc ] && [ $i -lt 10 ]; do sleep 0.02; i=$((i+1)); done; fi; exit 0`,
      ),
      // the secrets are read once, at the start, and their file removed at once: a step stopped at its
      // deadline (its whole process group killed) or a reboot cannot leave it behind
      { sudo: true, stdin: `${w.stdin}set -e\n${hasEnv ? ". ./env\nrm -f ./env\n" : ""}${script}\n` },
    ),
    `launching the step in ${dir}`,
  );
  failedFirst(r);
  if (r.code === 97) throw new UpchainError("COMMAND_FAILED", `could not prepare the step's folder ${dir} on ${host.label}: ${r.stderr.trim().slice(0, 300)}`);
  if (r.code !== 0) throw new UpchainError("COMMAND_FAILED", `could not start the step on ${host.label}: ${r.stderr.trim().slice(0, 300)}`);
}

/**
 * Remove a step's secrets file, from the controller's side, once the step has ended however it ended
 * (best effort: the sweep at the next run's start catches what this misses).
 */
export async function removeStepEnv(host: RemoteHost, dir: string): Promise<void> {
  await host.exec(`rm -f -- ${q(dir + "/env")}`, { sudo: true });
}

/**
 * Remove secrets files that outlived their step (a step killed before it read them, a host that lost
 * power, a controller that never came back): every step reads its file within moments of its launch,
 * so one older than a minute is nobody's. Run under the lock, before any step of the run starts.
 */
export function sweepStepEnvScript(stateDir: string): string {
  return `[ ! -d ${q(stateDir + "/runs")} ] || find ${q(stateDir + "/runs")} -mindepth 3 -maxdepth 3 -type f -name env -mmin +1 -delete`;
}

export async function sweepStepEnv(host: RemoteHost, stateDir: string): Promise<void> {
  const r = await host.exec(sweepStepEnvScript(stateDir), { sudo: true });
  if (r.code !== 0)
    throw new UpchainError(
      "COMMAND_FAILED",
      `could not remove old step secrets files under ${stateDir}/runs on ${host.label}: ${r.stderr.trim().slice(0, 300)}`,
    );
}

export type StepState =
  | { state: "finished"; code: number }
  | { state: "running"; elapsedSeconds: number }
  | { state: "lost" }
  | { state: "not-started" }
  /** The poll could not read what it needed (the host could not fork, a file it could not open): no verdict. */
  | { state: "unknown" };

/** The state script prints one line; everything else it could print is "unreadable". */
export function stepStateScript(dir: string): string {
  return `${stateInto(dir)}\nprintf '%s\\n' "$s"`;
}

/** The state line parsed; undefined when it is not one the script prints (a poll to retry, not a verdict). */
export function parseStepState(line: string): StepState | undefined {
  const t = line.trim();
  let m: RegExpMatchArray | null;
  if ((m = t.match(/^finished (\d{1,3})$/)) && Number(m[1]) <= 255) return { state: "finished", code: Number(m[1]) };
  if ((m = t.match(/^running (\d{1,12}) (\d{1,12})$/))) return { state: "running", elapsedSeconds: Math.max(0, Number(m[2]) - Number(m[1])) };
  if (t === "gone") return { state: "lost" };
  if (t === "not-started") return { state: "not-started" };
  if (t === "unknown") return { state: "unknown" };
  return undefined;
}

/** One poll: the state, "unknown" included, or undefined when the poll itself failed. Throws when the connection is down. */
export async function readStepState(host: RemoteHost, dir: string): Promise<StepState | undefined> {
  const r = await host.exec(stepStateScript(dir), { sudo: true });
  return r.code === 0 ? parseStepState(r.stdout) : undefined;
}

/**
 * One poll: the state, or undefined when the poll itself failed or could not read the step's process
 * ("unknown"): either proves nothing, and the caller retries. Throws when the connection is down.
 */
export async function stepState(host: RemoteHost, dir: string): Promise<StepState | undefined> {
  const s = await readStepState(host, dir);
  return s?.state === "unknown" ? undefined : s;
}

/** A poll's answer: the state, and for a finished step its whole output when the poll could bring it. */
export type PolledState = Exclude<StepState, { state: "finished" }> | { state: "finished"; code: number; result?: DetachedResult };

export interface PollOptions {
  /** Wait on the host for a running step to end, at most this long. */
  waitSeconds?: number;
  /** Gets the output written since `from`; without it the output is not followed at all. */
  onOutput?: (text: string) => void;
  /** While waiting, pass the output on this often (the display's interval); by default only as the wait ends. */
  outputEverySeconds?: number;
  /** The lock's heartbeat, beaten by the waiting script itself (lock.ts). */
  beat?: RidingBeat;
}

/** What separates the state lines from the finished step's output on the poll's stderr, and ends it. */
const RESULT_END = "upchain-result-end";

/**
 * The wait on the host, in the step's folder, for a running step ($s says so): until its exit status
 * is written or `waitSeconds` pass. It blocks on the launcher's lock (flock -w), so it wakes the
 * moment the launcher ends, however it ends, and starts no process in between; it wakes on its own
 * only when the lock's heartbeat is due (the riding beat) or the output is to be passed on. A step
 * with no lock to block on (launched by an earlier upchain, or a host where flock failed) and a lock
 * that is free while the step still reads as running are looked at every 0.2 s, as before. Time is
 * read from /proc/uptime (built-ins, in centiseconds); a host where it cannot be read, or where
 * nothing can be started (flock and sleep fail at once), ends the wait early, within a bounded number
 * of turns: the caller then polls again after a pause.
 */
function waitOnHost(dir: string, waitSeconds: number, follow: boolean, outputEverySeconds: number | undefined, beat: RidingBeat | undefined): string {
  const f = (name: string) => q(`${dir}/${name}`);
  const out = f("out");
  const outEvery = follow && outputEverySeconds !== undefined && outputEverySeconds < waitSeconds ? Math.max(20, Math.round(outputEverySeconds * 100)) : -1;
  return [
    beat ? beat.script() : `beat_first=-1; beat_every=0; beat_said=; beat_at=0`,
    `upchain_now() { t=; { read -r t _ < /proc/uptime; } 2>/dev/null; case "$t" in *.[0-9][0-9]) now=$(( \${t%.*} * 100 + 1\${t#*.} - 100 ));; *) return 1;; esac; }`,
    `now=0; upchain_now; end=$((now + ${Math.round(waitSeconds * 100)})); nb=-1; no=-1`,
    `[ "$beat_first" -lt 0 ] || nb=$((now + beat_first)); [ ${outEvery} -lt 0 ] || no=$((now + ${outEvery}))`,
    `lk=0; [ -f ${f(ALIVE_LOCK)} ] && command -v flock >/dev/null 2>&1 && lk=1`,
    `i=0; while [ ! -f ${f("rc")} ] && [ $i -lt ${Math.ceil(waitSeconds * 5) + 10} ] && upchain_now && [ $now -lt $end ]; do`,
    `  i=$((i + 1)); t=$end; [ $nb -lt 0 ] || [ $nb -ge $t ] || t=$nb; [ $no -lt 0 ] || [ $no -ge $t ] || t=$no; t=$((t - now)); [ $t -ge 5 ] || t=5`,
    `  if [ $lk = 1 ]; then`,
    `    flock -s -E 75 -w $((t / 100)).$((t / 10 % 10))$((t % 10)) ${f(ALIVE_LOCK)} true 2>/dev/null; w=$?`,
    // free: the launcher has ended, so the exit status is there, or the step is gone; a free lock
    // while the step still reads as running proves nothing, and the wait looks the old way from then
    `    if [ $w = 0 ]; then [ -f ${f("rc")} ] && break`,
    stateInto(dir),
    `      case "$s" in running\\ *) lk=0;; *) break;; esac`,
    `    elif [ $w != 75 ]; then lk=0; fi`,
    `  else sleep 0.2; fi`,
    `  upchain_now || break`,
    `  if [ $nb -ge 0 ] && [ $now -ge $nb ]; then upchain_beat || break; nb=$((now + beat_every)); fi`,
    `  if [ $no -ge 0 ] && [ $now -ge $no ]; then n=$(wc -c < ${out} 2>/dev/null || echo "$pos"); if [ "$n" -gt "$pos" ]; then tail -c +$((pos + 1)) -- ${out} | head -c $((n - pos)); pos=$n; fi; no=$((now + ${outEvery})); fi`,
    `done`,
  ].join("\n");
}

/**
 * One poll in one round trip: the output the step has written since byte `from` (on stdout, handed
 * to `onOutput` as it arrives), then its state (on stderr). With `waitSeconds`, a running step is
 * waited for on the host (waitOnHost) until it has written its exit status or the time is up: no exec
 * every half second (each one an SSH channel and a shell on the host), no process every 0.2 s, and no
 * round trip between the step's end and our knowing it. The exit status file is what ends the wait,
 * not the process: a finished process can linger as a zombie under an init that is slow to reap. A
 * finished step's whole stdout and stderr come back in the same exec (after a NUL on stderr), and a
 * step that has ended has its secrets file removed by it: no exec after the step. The state is
 * undefined when the poll itself failed and proves nothing. Throws when the connection is down.
 */
export async function pollStep(host: RemoteHost, dir: string, from: number, o: PollOptions = {}): Promise<PolledState | undefined> {
  // the state is told as soon as it is known, before the output is followed: following it starts
  // processes (wc, tail, flock), and a host that cannot fork still says how the step stands
  const state = `${stateInto(dir)}\nprintf '%s\\n' "$s" >&2`;
  const out = q(dir + "/out");
  const follow = o.onOutput !== undefined;
  const rest = (at: string) => (follow ? `tail -c +${at} -- ${out} 2>/dev/null` : `:`);
  const waiting = (o.waitSeconds ?? 0) > 0;
  const body = waiting
    ? `case "$s" in running\\ *) pos=${from}\n${waitOnHost(dir, o.waitSeconds!, follow, o.outputEverySeconds, o.beat)}\n${state}\n${rest("$((pos + 1))")};; *) ${rest(String(from + 1))};; esac`
    : rest(String(from + 1));
  // the end: a finished step's output (whole, NUL-separated, closed by RESULT_END only when both
  // files were read), the secrets file of a step that has ended removed, the riding beat's report
  const end = [
    `case "$s" in finished\\ *|gone|not-started) rm -f -- ${q(dir + "/env")} 2>/dev/null;; esac`,
    waiting && o.beat ? BEAT_REPORT : ``,
    `case "$s" in finished\\ *) { printf '\\0'; cat -- ${out} && printf '\\0' && cat -- ${q(dir + "/err")} && printf '\\0${RESULT_END}'; } >&2;; esac`,
  ].join("\n");
  let streamed = false;
  const done = waiting ? o.beat?.begin() : undefined;
  const r = await host
    .exec(`${state}\n${body}\n${end}\nexit 0`, {
      sudo: true,
      onOutput: (text, stream) => {
        if (stream !== "stdout" || !text) return;
        streamed = true;
        o.onOutput?.(text);
      },
    })
    .finally(() => done?.());
  // a host that does not stream (the unit tests' fake) hands the output over at the end
  if (!streamed && r.stdout) o.onOutput?.(r.stdout);
  const [lines, stdout, stderr, closed, ...more] = r.stderr.split("\0");
  if (waiting) o.beat?.record(lines);
  // the last state told; a poll cut short after it (a fork that failed while following the output)
  // still counts, one that never told a state proves nothing
  const states = lines
    .split("\n")
    .map(parseStepState)
    .filter((x): x is StepState => x !== undefined);
  const last = states[states.length - 1];
  if (last?.state !== "finished") return last;
  // the output counts only whole: both files read, and no NUL inside them to make the split ambiguous
  return closed === RESULT_END && more.length === 0 ? { ...last, result: { code: last.code, stdout, stderr } } : last;
}

/** The whole stdout and stderr of a finished step. */
export async function readResult(host: RemoteHost, dir: string, code: number): Promise<DetachedResult> {
  const all = await host.exec(`cat -- ${q(dir + "/out")}; printf '\\0'; cat -- ${q(dir + "/err")}`, { sudo: true });
  const [stdout, stderr = ""] = all.stdout.split("\0");
  return { code, stdout, stderr };
}

/**
 * Stop a step's whole process group (setsid made the launcher its leader): TERM, then KILL. Fenced like
 * a launch. The process is named by its pid and start time, read with built-ins (READ_STAT); what cannot
 * be read is not killed (the pid may be another process's), and the caller's next poll says what is left.
 */
export async function killStep(host: RemoteHost, dir: string, fence: Fence, graceSeconds = 5): Promise<void> {
  const r = await host.exec(
    fence.script(
      `cd ${q(dir)} || exit 0; p=; want=; { read -r p < pid; read -r want < start; } 2>/dev/null; case "$p" in ''|*[!0-9]*) exit 0;; esac; ` +
        `${READ_STAT("$p")}; [ -n "$have" ] && [ "$have" = "$want" ] || exit 0; ` +
        // dash's kill takes "-s SIG --" (not "-SIG --") before a negative process-group id
        `kill -s TERM -- "-$p" 2>/dev/null; i=0; while [ $i -lt ${graceSeconds} ] && kill -s 0 -- "-$p" 2>/dev/null; do sleep 1; i=$((i+1)); done; ` +
        `kill -s KILL -- "-$p" 2>/dev/null; true`,
    ),
    { sudo: true },
  );
  fence.check(r, `stopping the step in ${dir}`);
}
