// How a file is replaced on a host: the new content ends as a temp file in the target's own
// directory, checked against its sha256, given the target's owner and the wanted mode, synced to disk,
// then renamed over the target in one step. A rename within one filesystem is atomic, so a reader (or
// a crash) sees the old file or the new one, never a half-written or empty one; a move from /tmp may
// cross filesystems and is a copy. Whatever fails, the temp file and the staging copy go.
// The expected sha256 comes on the script's standard input, never on its command line: the host's
// process list is readable by every local user, and the hash of a file whose format is known (a
// step's `export UPCHAIN_SECRET_X='...'` file) lets them test guesses at the secret offline.
import { posix } from "path";
import { UpchainError } from "../errors";
import { quote } from "../quote";

/** The longest file name most Linux filesystems take, in bytes. */
const nameMax = 255;

/** `<dir>/.<name>.upchain-<random>`: hidden, beside the target, and recognisably ours. */
export function tempPathBeside(target: string, random: string): string {
  const dir = posix.dirname(target);
  let name = posix.basename(target);
  if (!name || name === "." || name === ".." || target.endsWith("/")) {
    throw new UpchainError("INVALID_INPUT", `cannot write ${JSON.stringify(target)}: it does not name a file`);
  }
  const suffix = `.upchain-${random}`;
  // a target whose name is near the limit still gets a temp name the filesystem accepts
  while (Buffer.byteLength(`.${name}${suffix}`) > nameMax) name = Array.from(name).slice(0, -1).join("");
  return posix.join(dir, `.${name}${suffix}`);
}

export interface AtomicReplace {
  target: string;
  /** The temp file beside the target (tempPathBeside). */
  tmp: string;
  /** Where the login user uploaded the content when it cannot write the target's directory itself. */
  stage?: string;
  mode: number;
  /** The content comes base64-encoded on the script's standard input, after the hash's line (small files: one round trip, no SFTP). */
  fromStdin?: boolean;
}

/** What the script reads on its standard input: the expected sha256 on the first line, then the content (base64) when it comes that way. */
export function atomicReplaceInput(sha256: string, content?: Buffer): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error("a sha256 is 64 lowercase hex digits");
  return `${sha256}\n${content === undefined ? "" : content.toString("base64")}`;
}

/** The sh script (run as root) that finishes a write; exits 3 when the content does not match the sha256 on its standard input (atomicReplaceInput). */
export function atomicReplaceScript(w: AtomicReplace): string {
  const toRemove = w.stage === undefined ? `"$t"` : `"$t" "$s"`;
  return [
    "set -e",
    `f=${quote(w.target)}; t=${quote(w.tmp)}` + (w.stage === undefined ? "" : `; s=${quote(w.stage)}`),
    // on every exit: after the rename "$t" no longer exists, after a failure nothing is left behind
    `trap 'rm -f -- ${toRemove}' EXIT`,
    // the first line (read byte by byte by the shell's read, so what follows is left for base64)
    `IFS= read -r want || :`,
    `case "$want" in *[!0-9a-f]*|'') echo "no sha256 to check the content against came with the write" >&2; exit 3;; esac`,
    ...(w.stage === undefined ? [] : [`(umask 077; cp -- "$s" "$t")`]),
    // private until it is in place, and never through a file or link someone put there first (set -C)
    ...(w.fromStdin ? [`(umask 077; set -C; base64 -d > "$t")`] : []),
    `got=$(sha256sum -- "$t" | cut -d' ' -f1)`,
    // the hashes stay out of the message too: it reaches the operator's terminal and logs
    `if [ "$got" != "$want" ]; then echo "the content that arrived is not the content sent (its sha256 differs)" >&2; exit 3; fi`,
    // a replaced file keeps its owner; a new one belongs to root, not to the login user
    `if [ -e "$f" ]; then chown --reference="$f" -- "$t"; else chown 0:0 -- "$t"; fi`,
    `chmod ${(w.mode & 0o7777).toString(8)} -- "$t"`,
    `sync -- "$t"`,
    // -T: a directory at the target is an error, not a place to move the file into
    `mv -f -T -- "$t" "$f"`,
    // the rename is done; syncing the directory makes it survive a crash, and a filesystem that
    // cannot sync a directory must not turn a finished write into a failure
    `sync -- ${quote(posix.dirname(w.target))} 2>/dev/null || :`,
  ].join("\n");
}
