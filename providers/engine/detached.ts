// Long steps must not die with the SSH connection: each step's script runs detached on the host
// (setsid, output and exit status to files) and is polled. A dropped connection or a killed
// controller leaves it running; the next run finds its exit status in the step's directory.
//
// What the host says is data to check: the exit status must be a number, the pid is trusted only
// together with the process start time recorded beside it (a pid reused after a reboot is another
// process), and a step counts as lost only on positive proof that its process is gone without an
// exit status. A poll that fails (a closed channel, a sudo hiccup, garbage output) proves nothing:
// it is retried, with a bound, by the caller.
import { UpchainError } from "../errors";
import { quote as q } from "../quote";
import { RemoteHost } from "../transport/remoteHost";
import { Fence, fencedWrite, stdinWriteBody, stdinWriteInput } from "./fence";

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
export async function startDetached(host: RemoteHost, dir: string, script: string, env: StepEnv | undefined, fence: Fence, writeFirst?: WriteFirst): Promise<void> {
  if (env) envFileText(env); // every name checked, used or not
  env = envUsedBy(script, env);
  const hasEnv = env && Object.keys(env).length > 0;
  // the file to write before anything else, in the same script as the first change (the journal)
  const first = (w: WriteFirst | undefined) => (w ? { body: `(\n${stdinWriteBody(w.file, w.mode)}\n) || exit ${WRITE_FIRST_FAILED}\n`, stdin: stdinWriteInput(w.content) } : { body: "", stdin: "" });
  const firstFile = writeFirst?.file;
  const failedFirst = (r: { code: number | null; stderr: string }) => {
    if (firstFile && r.code === WRITE_FIRST_FAILED) throw new UpchainError("REMOTE_IO_FAILED", `${host.label}: writing ${firstFile} failed, so the step was not started: ${r.stderr.trim().slice(0, 300) || `exit status ${r.code}`}`);
  };
  if (hasEnv) {
    // the secrets' file goes into the private folder before the step is launched (after the journal, as without secrets)
    const w = first(writeFirst);
    writeFirst = undefined;
    const prep = fence.check(await host.exec(fence.script(`${w.body}umask 077; mkdir -p -- ${q(dir)} && chmod 700 -- ${q(dir)}`), { sudo: true, ...(w.stdin ? { stdin: w.stdin } : {}) }), `preparing ${dir}`);
    failedFirst(prep);
    if (prep.code !== 0) throw new UpchainError("COMMAND_FAILED", `could not prepare the step's folder ${dir} on ${host.label}: ${prep.stderr.trim().slice(0, 300)}`);
    await fencedWrite(host, fence, `${dir}/env`, envFileText(env), 0o600);
  }
  const w = first(writeFirst);
  // The launcher records its start time and its start on the uptime clock before its pid (so a pid
  // always has them; built-ins only, as the poll reads them), runs the script, removes the env file,
  // then publishes the exit status with one rename.
  // upchain's own files (out, err, rc, pid) are private; the step's commands run with the login's own
  // umask ($1), because what they create (a Python environment Apache must read) is the product's.
  const launcher =
    `u=$1; ${READ_STAT("$$")}; echo "$have" > start; read -r up _ < /proc/uptime; echo "\${up%%.*}" > started-up; echo $$ > pid.tmp; mv -f pid.tmp pid; ` +
    `(umask "$u"; exec sh ./script.sh) > out 2> err; echo $? > rc.tmp; rm -f env; mv -f rc.tmp rc`;
  // One round trip: the folder, the script (on standard input, so it is never on a command line),
  // the launch. It returns once the launcher has published its pid (at most 10 s), so the first poll
  // never mistakes a step that is starting for one that never started; and it gives a short step
  // 200 ms to finish, so that the first poll usually finds it done.
  const r = fence.check(await host.exec(
    fence.script(`${w.body}u=$(umask); umask 077; { mkdir -p -- ${q(dir)} && chmod 700 -- ${q(dir)} && cd ${q(dir)} && rm -f -- rc pid && cat > script.sh && chmod 700 script.sh; } || exit 97; ` +
      `{ setsid sh -c ${q(launcher)} upchain-step "$u" < /dev/null > /dev/null 2>&1 & } && ` +
      `i=0; while [ ! -f pid ] && [ ! -f rc ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i+1)); done; ` +
      `[ -f pid ] || [ -f rc ] || { echo "the launcher wrote no pid within 10s" >&2; exit 1; }; ` +
      `i=0; while [ ! -f rc ] && [ $i -lt 10 ]; do sleep 0.02; i=$((i+1)); done; exit 0`),
    // the secrets are read once, at the start, and their file removed at once: a step stopped at its
    // deadline (its whole process group killed) or a reboot cannot leave it behind
    { sudo: true, stdin: `${w.stdin}set -e\n${hasEnv ? ". ./env\nrm -f ./env\n" : ""}${script}\n` },
  ), `launching the step in ${dir}`);
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
  if (r.code !== 0) throw new UpchainError("COMMAND_FAILED", `could not remove old step secrets files under ${stateDir}/runs on ${host.label}: ${r.stderr.trim().slice(0, 300)}`);
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

/**
 * One poll in one round trip: the output the step has written since byte `from` (on stdout, handed
 * to `onOutput` as it arrives), then its state (the last line on stderr). With `waitSeconds`, a
 * running step is waited for on the host, its new output passed on as it grows, until it has written
 * its exit status or the time is up: no exec every half second (each one an SSH channel and a shell
 * on the host), and no round trip between the step's end and our knowing it. The exit status file is
 * what is waited for, not the process: a finished process can linger as a zombie under an init that
 * is slow to reap. The state is undefined when the poll itself failed and proves nothing. Throws
 * when the connection is down.
 */
export async function pollStep(host: RemoteHost, dir: string, from: number, o: { waitSeconds?: number; onOutput?: (text: string) => void } = {}): Promise<StepState | undefined> {
  // the state is told as soon as it is known, before the output is followed: following it starts
  // processes (wc, tail, sleep), and a host that cannot fork still says how the step stands
  const state = `${stateInto(dir)}\nprintf '%s\\n' "$s" >&2`;
  const out = q(dir + "/out");
  const rc = q(dir + "/rc");
  const rounds = Math.ceil((o.waitSeconds ?? 0) / 0.2);
  // while it runs: every 0.2 s, the bytes added since the last look; then the state, then the rest
  // (read after the state, so a finished step's output is complete)
  const follow = rounds
    ? `case "$s" in running\\ *) pos=${from}; i=0; while [ ! -f ${rc} ] && [ $i -lt ${rounds} ]; do ` +
      `n=$(wc -c < ${out} 2>/dev/null || echo "$pos"); if [ "$n" -gt "$pos" ]; then tail -c +$((pos + 1)) -- ${out} | head -c $((n - pos)); pos=$n; fi; ` +
      `sleep 0.2; i=$((i + 1)); done\n${state}\ntail -c +$((pos + 1)) -- ${out} 2>/dev/null;; *) tail -c +${from + 1} -- ${out} 2>/dev/null;; esac`
    : `tail -c +${from + 1} -- ${out} 2>/dev/null`;
  let streamed = false;
  const r = await host.exec(`${state}\n${follow}\nexit 0`, {
    sudo: true,
    onOutput: (text, stream) => {
      if (stream !== "stdout" || !text) return;
      streamed = true;
      o.onOutput?.(text);
    },
  });
  // a host that does not stream (the unit tests' fake) hands the output over at the end
  if (!streamed && r.stdout) o.onOutput?.(r.stdout);
  // the last state told; a poll cut short after it (a fork that failed while following the output)
  // still counts, one that never told a state proves nothing
  const states = r.stderr.split("\n").map(parseStepState).filter((x): x is StepState => x !== undefined);
  return states[states.length - 1];
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
    fence.script(`cd ${q(dir)} || exit 0; p=; want=; { read -r p < pid; read -r want < start; } 2>/dev/null; case "$p" in ''|*[!0-9]*) exit 0;; esac; ` +
      `${READ_STAT("$p")}; [ -n "$have" ] && [ "$have" = "$want" ] || exit 0; ` +
      // dash's kill takes "-s SIG --" (not "-SIG --") before a negative process-group id
      `kill -s TERM -- "-$p" 2>/dev/null; i=0; while [ $i -lt ${graceSeconds} ] && kill -s 0 -- "-$p" 2>/dev/null; do sleep 1; i=$((i+1)); done; ` +
      `kill -s KILL -- "-$p" 2>/dev/null; true`),
    { sudo: true },
  );
  fence.check(r, `stopping the step in ${dir}`);
}
