// A fencing token for everything a run changes on a host. A controller frozen (SIGSTOP, a suspended
// laptop) or cut off for longer than the lock's timeout loses its lock to the run that takes it over;
// when it wakes, its heartbeat has not yet told it so, and whatever it does next would race the new
// owner: write its old journal back, restore over a finished upgrade, archive over the other's record.
// A check on the controller ("is my lock still mine?") cannot close that window: the answer is stale
// by the time the next command reaches the host. So the check is made ON THE HOST, IN THE SAME SCRIPT
// as the change, under the lock's mutex (the one every take-over holds, lock.ts): the script takes the
// mutex, reads the owner line, and runs its body only while the owner is this run, holding the mutex
// until the body is done, so no take-over can slip in between the check and the change. Otherwise it
// exits FENCE_EXIT and changes nothing; the controller maps that to LOCK_LOST.
//
// The body runs with the mutex's descriptor closed (`9>&-`): a step launched detached, or a daemon a
// command starts, must not hold the mutex for its lifetime. The shell itself keeps it until it exits.
import { createHash, randomBytes } from "crypto";
import { posix } from "path";
import { UpchainError } from "../../errors";
import { quote as q } from "../../quote";
import { ExecOptions, ExecResult, RemoteHost } from "../../transport/remoteHost";
import { tempPathBeside } from "../../transport/atomicWrite";

/** The guard's refusal: another run owns the machine's lock (or none does). */
export const FENCE_EXIT = 86;
/** The mutex stayed busy for 30 s: nothing was changed, and nothing is known about the owner. */
export const FENCE_BUSY_EXIT = 85;

/**
 * The machine's lock: one per machine, whatever the product, the stack or the journal's name
 * (lock.ts). Its folder holds the owner line; the mutex file beside it serialises every read-then-
 * write of the owner line and every fenced change.
 */
export function machineLock(stateDir: string) {
  const dir = `${stateDir}/machine.lock`;
  return { dir, owner: `${dir}/owner`, mutex: `${dir}.mutex` };
}

/**
 * The one guard, a POSIX sh function: take the mutex on fd 9 (kept until the script exits), then go
 * on only if the owner line's first word is the run given. Its variables are prefixed so that no
 * body's own names are touched.
 */
export const GUARD_FUNCTION = [
  `upchain_fence() {`,
  `  command -v flock >/dev/null 2>&1 || { echo "flock (util-linux) is not installed on the host" >&2; exit 4; }`,
  // no state folder: no lock at all, so certainly not this run's (and `exec 9>>` must not fail: dash exits on it)
  `  [ -d "\${1%/*}" ] || { echo "upchain-fence: no lock on this machine" >&2; exit ${FENCE_EXIT}; }`,
  `  exec 9>>"$1"`,
  `  flock -w 30 9 || { echo "upchain-fence: the lock's mutex stayed busy for 30s" >&2; exit ${FENCE_BUSY_EXIT}; }`,
  `  _uf_who=; read -r _uf_who _uf_rest < "$2" 2>/dev/null || true`,
  `  [ "$_uf_who" = "$3" ] && return 0`,
  `  echo "upchain-fence: the lock is held by \${_uf_who:-nobody}" >&2`,
  `  exit ${FENCE_EXIT}`,
  `}`,
].join("\n");

/** `body` as a script that runs only while `run` owns the machine's lock under `stateDir`. */
export function fencedScript(stateDir: string, run: string, body: string): string {
  const { mutex, owner } = machineLock(stateDir);
  return `${GUARD_FUNCTION}\nupchain_fence ${q(mutex)} ${q(owner)} ${q(run)}\n{\n${body}\n} 9>&-`;
}

export interface Fence {
  /** `body` guarded: it runs only while this run owns the machine's lock, checked on the host. */
  script(body: string): string;
  /** `r` as it is, unless it is the guard's refusal: then LOCK_LOST (and the lock handle knows). */
  check<T extends ExecResult>(r: T, what: string): T;
  /** When the host last let a guarded script through (epoch ms), if it has: the lock was this run's then. */
  provedAt?: number;
}

/** The run that owns the lock as the guard's refusal names it (host data: checked before use). */
export function refusedBy(stderr: string): string {
  const who = stderr.match(/upchain-fence: the lock is held by (\S+)/)?.[1];
  return who && /^[A-Za-z0-9_.:-]{1,64}$/.test(who) ? who : "nobody";
}

/** Replace `file` with `content` (small: it rides on stdin, its sha256 on the first line) under the fence. */
export async function fencedWrite(host: RemoteHost, fence: Fence, file: string, content: string, mode: number): Promise<void> {
  const buf = Buffer.from(content, "utf8");
  const sha = createHash("sha256").update(buf).digest("hex");
  const body = [
    `f=${q(file)}; t=${q(tempPathBeside(file, randomBytes(8).toString("hex")))}`,
    `trap 'rm -f -- "$t"' EXIT`,
    // the hash on stdin, not on the command line (a process list shows command lines)
    `read -r want`,
    `(umask 077; set -C; base64 -d > "$t") || exit 1`,
    `got=$(sha256sum -- "$t" | cut -d' ' -f1)`,
    `[ "$got" = "$want" ] || { echo "the copy written on the host does not have the sha256 of what was sent (neither is printed: the file may hold secrets)" >&2; exit 3; }`,
    `chmod ${(mode & 0o7777).toString(8)} -- "$t" && sync -- "$t" && mv -f -T -- "$t" "$f" || exit 1`,
    `sync -- ${q(posix.dirname(file))} 2>/dev/null || :`,
  ].join("\n");
  const r = fence.check(await host.exec(fence.script(body), { sudo: true, stdin: `${sha}\n${buf.toString("base64")}\n` }), `writing ${file}`);
  if (r.code !== 0)
    throw new UpchainError(
      "REMOTE_IO_FAILED",
      `${host.label}: writing ${file} failed (nothing was changed): ${r.stderr.trim().slice(0, 300) || `exit status ${r.code}`}`,
    );
}

/** What stdinWriteBody reads: the sha256, then the content in base64, one line each. */
export function stdinWriteInput(content: string): string {
  const buf = Buffer.from(content, "utf8");
  return `${createHash("sha256").update(buf).digest("hex")}\n${buf.toString("base64")}\n`;
}

/**
 * Shell that replaces `file` with the content stdinWriteInput sent, as fencedWrite does (synced, then
 * renamed, then the folder synced), but reading exactly its two lines of standard input with the
 * `read` built-in, so that the same script goes on reading what follows them (the step a launch
 * starts right after writing the journal: detached.ts). For files without secrets: the content
 * passes through printf, a built-in, never on a command line, but through the shell's memory.
 * Exits non-zero with nothing changed when the copy is not exactly what was sent.
 */
export function stdinWriteBody(file: string, mode: number): string {
  return [
    `f=${q(file)}; t=${q(tempPathBeside(file, randomBytes(8).toString("hex")))}`,
    `trap 'rm -f -- "$t"' EXIT`,
    // the hash on stdin, not on the command line (a process list shows command lines)
    `read -r want; read -r data`,
    `(umask 077; set -C; printf '%s\\n' "$data" | base64 -d > "$t") || exit 1`,
    `got=$(sha256sum -- "$t" | cut -d' ' -f1)`,
    `[ "$got" = "$want" ] || { echo "the copy written on the host does not have the sha256 of what was sent (neither is printed: the file may hold secrets)" >&2; exit 3; }`,
    `chmod ${(mode & 0o7777).toString(8)} -- "$t" && sync -- "$t" && mv -f -T -- "$t" "$f" || exit 1`,
    `sync -- ${q(posix.dirname(file))} 2>/dev/null || :`,
  ].join("\n");
}

/**
 * The host as the executor's own file steps (upload, edit, services-add) see it: every command runs
 * under the fence, and a file is uploaded to a staging name beside its target (the transport's own
 * atomic write, unguarded: it touches nothing but that name), then renamed over the target by a
 * guarded script. The upload itself is not under the mutex: a long transfer must not stop the
 * heartbeats. Reads of files pass through.
 */
export function fencedHost(host: RemoteHost, fence: Fence): RemoteHost {
  return {
    get label() {
      return host.label;
    },
    get lost() {
      return host.lost;
    },
    exec: async (command: string, options?: ExecOptions) => fence.check(await host.exec(fence.script(command), options), "a file step's command"),
    readFile: (file: string) => host.readFile(file),
    writeFile: async (file: string, data: Buffer | string, mode = 0o644) => {
      const stage = stagePath(file, randomBytes(6).toString("hex"));
      await host.writeFile(stage, data, 0o600);
      const body = [
        `f=${q(file)}; s=${q(stage)}`,
        `trap 'rm -f -- "$s"' EXIT`,
        // a replaced file keeps its owner; a new one is root's (the staged copy is already)
        `if [ -e "$f" ]; then chown --reference="$f" -- "$s" || exit 1; fi`,
        `chmod ${(mode & 0o7777).toString(8)} -- "$s" && mv -f -T -- "$s" "$f" || exit 1`,
        `sync -- ${q(posix.dirname(file))} 2>/dev/null || :`,
      ].join("\n");
      const r = await host.exec(fence.script(body), { sudo: true });
      if (r.code !== 0) {
        // refused by the guard, the body's trap never ran: the staged copy (this run's own temp file) goes
        await host.exec(`rm -f -- ${q(stage)}`, { sudo: true }).catch(() => undefined);
      }
      fence.check(r, `writing ${file}`);
      if (r.code !== 0)
        throw new UpchainError(
          "REMOTE_IO_FAILED",
          `${host.label}: writing ${file} failed (nothing was changed): ${r.stderr.trim().slice(0, 300) || `exit status ${r.code}`}`,
        );
    },
    close: () => host.close(),
  };
}

/** `<dir>/<name>.upchain-stage-<random>`, short enough for the filesystem, its upload's temp name beside it included. */
function stagePath(target: string, random: string): string {
  const dir = posix.dirname(target);
  let name = posix.basename(target);
  const suffix = `.upchain-stage-${random}`;
  // the transport adds "." and ".upchain-<16 hex>" around it for the upload's own temp file
  while (Buffer.byteLength(`.${name}${suffix}.upchain-0123456789abcdef`) > 255) name = Array.from(name).slice(0, -1).join("");
  return posix.join(dir, `${name}${suffix}`);
}
