// One error type for everything upchain reports, with a union of codes, so callers (the CLI, the
// provider, tests) can branch on `code` and every message says what to fix.

export type UpchainErrorCode =
  | "INVALID_INPUT" // a field failed validation; `path` names it
  | "HOST_KEY_UNKNOWN" // no key pinned for a host we must connect to
  | "HOST_KEY_MISMATCH" // the host offered a key other than the pinned one
  | "CONNECTION_FAILED" // could not reach or authenticate to a host
  | "COMMAND_FAILED" // a remote command exited non-zero
  | "REMOTE_IO_FAILED" // reading or writing a remote file failed
  | "UNKNOWN_PRODUCT" // no catalog for the product named
  | "UNKNOWN_VERSION" // a version the product's catalog does not know
  | "DOWNGRADE" // the target is older than what is installed
  | "NO_LEGAL_PATH" // no chain of legal hops reaches the target
  | "UNSUPPORTED_PLATFORM" // the catalog has no recipe for this platform
  | "LOCKED" // another run holds the host's upchain lock
  | "SERVICES_CONFLICT" // an entry to add to a services file clashes with one already there
  | "HOST_DID_NOT_RETURN" // a host rebooted by a step did not come back before the deadline
  | "STEP_FAILED" // a step of a hop failed; the hop's restore point was brought back
  | "RESTORE_FAILED" // a step failed and so did bringing the restore point back: act by hand, then clear the run
  | "JOURNAL_INVALID" // the journal on the host is corrupt, hostile, or belongs to another plan: nothing was run
  | "LOCK_LOST" // another run took this run's lock over: this run stopped at once
  | "OUTCOME_UNKNOWN" // contact with the host was lost while a step ran; the next run finds out how it ended
  | "SUDO_REQUIRED"; // the login user cannot become root without a password

export class UpchainError extends Error {
  readonly code: UpchainErrorCode;
  /** Where in the input the problem is, e.g. ["hosts", 0, "connection", "hostKey"]. */
  readonly path: (string | number)[];

  constructor(code: UpchainErrorCode, message: string, path: (string | number)[] = []) {
    super(message);
    this.name = "UpchainError";
    this.code = code;
    this.path = path;
  }
}

export function isUpchainError(e: unknown, code?: UpchainErrorCode): e is UpchainError {
  return e instanceof UpchainError && (code === undefined || e.code === code);
}

/** Replace every secret value in `text` by a mask, so output and errors can be shown safely. */
export function maskSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue; // masking tiny strings would mangle ordinary output
    out = out.split(s).join("[secret]");
    // a PEM key may be echoed line by line; mask each substantial line as well
    for (const line of s.split(/\r?\n/)) if (line.length >= 16) out = out.split(line).join("[secret]");
  }
  return out;
}
