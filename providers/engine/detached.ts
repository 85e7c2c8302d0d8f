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
import { Fence, fencedWrite } from "./fence";

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

/** The start time of a process, field 22 of /proc/PID/stat (the command name may hold spaces and parentheses). */
const START_OF = (pid: string) => `sed 's/.*) //' /proc/${pid}/stat 2>/dev/null | cut -d' ' -f20`;

/**
 * Launch a step, only while this run owns the machine's lock: the guard (fence.ts) and the launch are
 * one script, so a run that lost the lock launches nothing. The launched process does not keep the
 * lock's mutex (the guard closes it for the body).
 */
export async function startDetached(host: RemoteHost, dir: string, script: string, env: StepEnv | undefined, fence: Fence): Promise<void> {
  const hasEnv = env && Object.keys(env).length > 0;
  if (hasEnv) {
    // the secrets' file goes into the private folder before the step is launched
    const prep = fence.check(await host.exec(fence.script(`umask 077; mkdir -p -- ${q(dir)} && chmod 700 -- ${q(dir)}`), { sudo: true }), `preparing ${dir}`);
    if (prep.code !== 0) throw new UpchainError("COMMAND_FAILED", `could not prepare the step's folder ${dir} on ${host.label}: ${prep.stderr.trim().slice(0, 300)}`);
    await fencedWrite(host, fence, `${dir}/env`, envFileText(env), 0o600);
  }
  // The launcher records its start time and start epoch before its pid (so a pid always has them),
  // runs the script, removes the env file, then publishes the exit status with one rename.
  // upchain's own files (out, err, rc, pid) are private; the step's commands run with the login's own
  // umask ($1), because what they create (a Python environment Apache must read) is the product's.
  const launcher =
    `${START_OF("$$")} > start; date +%s > started; echo $$ > pid.tmp; mv -f pid.tmp pid; ` +
    `(umask "$1"; exec sh ./script.sh) > out 2> err; echo $? > rc.tmp; rm -f env; mv -f rc.tmp rc`;
  // One round trip: the folder, the script (on standard input, so it is never on a command line),
  // the launch. It returns once the launcher has published its pid (at most 10 s), so the first poll
  // never mistakes a step that is starting for one that never started; and it gives a short step
  // 200 ms to finish, so that the first poll usually finds it done.
  const r = fence.check(await host.exec(
    fence.script(`u=$(umask); umask 077; { mkdir -p -- ${q(dir)} && chmod 700 -- ${q(dir)} && cd ${q(dir)} && rm -f -- rc pid && cat > script.sh && chmod 700 script.sh; } || exit 97; ` +
      `{ setsid sh -c ${q(launcher)} upchain-step "$u" < /dev/null > /dev/null 2>&1 & } && ` +
      `i=0; while [ ! -f pid ] && [ ! -f rc ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i+1)); done; ` +
      `[ -f pid ] || [ -f rc ] || { echo "the launcher wrote no pid within 10s" >&2; exit 1; }; ` +
      `i=0; while [ ! -f rc ] && [ $i -lt 10 ]; do sleep 0.02; i=$((i+1)); done; exit 0`),
    { sudo: true, stdin: `set -e\n${hasEnv ? ". ./env\n" : ""}${script}\n` },
  ), `launching the step in ${dir}`);
  if (r.code === 97) throw new UpchainError("COMMAND_FAILED", `could not prepare the step's folder ${dir} on ${host.label}: ${r.stderr.trim().slice(0, 300)}`);
  if (r.code !== 0) throw new UpchainError("COMMAND_FAILED", `could not start the step on ${host.label}: ${r.stderr.trim().slice(0, 300)}`);
}

export type StepState =
  | { state: "finished"; code: number }
  | { state: "running"; elapsedSeconds: number }
  | { state: "lost" }
  | { state: "not-started" };

/** The state script prints one line; everything else it could print is "unreadable". */
export function stepStateScript(dir: string): string {
  return [
    `cd ${q(dir)} 2>/dev/null || { echo not-started; exit 0; }`,
    `if [ -f rc ]; then echo "finished $(cat rc)"; exit 0; fi`,
    `if [ ! -f pid ]; then echo not-started; exit 0; fi`,
    `pid=$(cat pid); want=$(cat start 2>/dev/null); started=$(cat started 2>/dev/null)`,
    `case "$pid" in ''|*[!0-9]*) echo "bad pid"; exit 0;; esac`,
    `have=$(${START_OF("$pid")})`,
    `if [ -n "$have" ] && [ "$have" = "$want" ]; then echo "running $started $(date +%s)"; exit 0; fi`,
    // gone, or the pid now belongs to another process: a last look for the exit status it wrote as it ended
    `if [ -f rc ]; then echo "finished $(cat rc)"; else echo gone; fi`,
  ].join("\n");
}

/** The state line parsed; undefined when it is not one the script prints (a poll to retry, not a verdict). */
export function parseStepState(line: string): StepState | undefined {
  const t = line.trim();
  let m: RegExpMatchArray | null;
  if ((m = t.match(/^finished (\d{1,3})$/)) && Number(m[1]) <= 255) return { state: "finished", code: Number(m[1]) };
  if ((m = t.match(/^running (\d{1,12}) (\d{1,12})$/))) return { state: "running", elapsedSeconds: Math.max(0, Number(m[2]) - Number(m[1])) };
  if (t === "gone") return { state: "lost" };
  if (t === "not-started") return { state: "not-started" };
  return undefined;
}

/** One poll: the state, or undefined when the poll itself failed and proves nothing. Throws when the connection is down. */
export async function stepState(host: RemoteHost, dir: string): Promise<StepState | undefined> {
  const r = await host.exec(stepStateScript(dir), { sudo: true });
  return r.code === 0 ? parseStepState(r.stdout) : undefined;
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
  const state = `s=$( (\n${stepStateScript(dir)}\n) )`;
  const out = q(dir + "/out");
  const rc = q(dir + "/rc");
  const rounds = Math.ceil((o.waitSeconds ?? 0) / 0.2);
  // while it runs: every 0.2 s, the bytes added since the last look; then the state, then the rest
  // (read after the state, so a finished step's output is complete)
  const follow = rounds
    ? `case "$s" in running\\ *) pos=${from}; i=0; while [ ! -f ${rc} ] && [ $i -lt ${rounds} ]; do ` +
      `n=$(wc -c < ${out} 2>/dev/null || echo "$pos"); if [ "$n" -gt "$pos" ]; then tail -c +$((pos + 1)) -- ${out} | head -c $((n - pos)); pos=$n; fi; ` +
      `sleep 0.2; i=$((i + 1)); done; ${state}; tail -c +$((pos + 1)) -- ${out} 2>/dev/null;; *) tail -c +${from + 1} -- ${out} 2>/dev/null;; esac`
    : `tail -c +${from + 1} -- ${out} 2>/dev/null`;
  let streamed = false;
  const r = await host.exec(`${state}\n${follow}\nprintf '%s\\n' "$s" >&2\nexit 0`, {
    sudo: true,
    onOutput: (text, stream) => {
      if (stream !== "stdout" || !text) return;
      streamed = true;
      o.onOutput?.(text);
    },
  });
  // a host that does not stream (the unit tests' fake) hands the output over at the end
  if (!streamed && r.stdout) o.onOutput?.(r.stdout);
  if (r.code !== 0) return undefined;
  const lines = r.stderr.trim().split("\n");
  return parseStepState(lines[lines.length - 1] ?? "");
}

/** The whole stdout and stderr of a finished step. */
export async function readResult(host: RemoteHost, dir: string, code: number): Promise<DetachedResult> {
  const all = await host.exec(`cat -- ${q(dir + "/out")}; printf '\\0'; cat -- ${q(dir + "/err")}`, { sudo: true });
  const [stdout, stderr = ""] = all.stdout.split("\0");
  return { code, stdout, stderr };
}

/** Stop a step's whole process group (setsid made the launcher its leader): TERM, then KILL. Fenced like a launch. */
export async function killStep(host: RemoteHost, dir: string, fence: Fence, graceSeconds = 5): Promise<void> {
  const pid = `$(cat ${q(dir + "/pid")})`;
  const r = await host.exec(
    fence.script(`p=${pid}; case "$p" in ''|*[!0-9]*) exit 0;; esac; ` +
      `[ "$(${START_OF("$p")})" = "$(cat ${q(dir + "/start")})" ] || exit 0; ` +
      // dash's kill takes "-s SIG --" (not "-SIG --") before a negative process-group id
      `kill -s TERM -- "-$p" 2>/dev/null; i=0; while [ $i -lt ${graceSeconds} ] && kill -s 0 -- "-$p" 2>/dev/null; do sleep 1; i=$((i+1)); done; ` +
      `kill -s KILL -- "-$p" 2>/dev/null; true`),
    { sudo: true },
  );
  fence.check(r, `stopping the step in ${dir}`);
}
