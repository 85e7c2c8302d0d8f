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
  | "RESTORED_NOT_IN_SERVICE" // a step failed, the old release is back, but restarting it failed: start it by hand; the next run retries the hop
  | "JOURNAL_INVALID" // the journal on the host is corrupt, hostile, or belongs to another plan: nothing was run
  | "LOCK_LOST" // another run took this run's lock over: this run stopped at once
  | "STOPPED" // the operator asked the run to stop (Ctrl-C): it stopped between two hops, the server at the last one's version
  | "OUTCOME_UNKNOWN" // contact with the host was lost while a step ran; the next run finds out how it ended
  | "INSTALL_MAY_STILL_RUN" // a vendor's own install (started through its portal) may still run: nothing was restored; the next run reads the portal first
  | "SUDO_REQUIRED" // the login user cannot become root without a password
  | "HOST_NOT_READY" // a read-only check at preview found the host not ready for the plan (nothing was changed)
  | "LB_STATE_MISMATCH" // the load balancer, read back, is not in the state upchain set or waited for
  | "WAVE_FAILED" // a rollout wave's failures went over its budget (later waves not started), or servers were left behind
  | "TOO_MANY_OPEN_FILES" // the controller's open-file limit is below what the fleet's connections need: raise it, or split the fleet
  | "NOT_PROMOTED" // the environment this one is promoted from does not yet run the target successfully
  | "PLAN_CHANGED"; // what preview resolved and checked is no longer what the host would run (its offer moved on): nothing was run

export class UpchainError extends Error {
  readonly code: UpchainErrorCode;
  /** Where in the input the problem is, e.g. ["hosts", 0, "connection", "hostKey"]. */
  readonly path: (string | number)[];

  /**
   * `cause`: the error this one wraps (ES2022 Error.cause), kept for callers and debuggers. Pulumi's
   * program host prints an uncaught error with util.inspect, cause included: a cause that may hold a
   * secret (a host's output, a command line) is given masked (maskedError) or not at all.
   */
  constructor(code: UpchainErrorCode, message: string, path: (string | number)[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UpchainError";
    this.code = code;
    this.path = path;
  }
}

/** A Pulumi check failure (pulumi.dynamic.CheckFailure) in upchain's words. */
export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * The one way a check failure is written: the field as the user wrote it (a path is joined with
 * dots), and the reason prefixed with its code, as an UpchainError is shown.
 */
export function checkFailure(code: UpchainErrorCode, path: string | readonly (string | number)[], message: string): CheckFailure {
  return { property: typeof path === "string" ? path : path.join("."), reason: `${code}: ${message}` };
}

/**
 * A copy of `e` fit to be kept as a cause when its text may hold a secret: its message and stack
 * masked as the wrapping error's message is, its name and `code` (ECONNRESET, ...) kept, nothing else
 * (a library's error may carry the command line or the host's output in other fields).
 */
export function maskedError(e: unknown, mask: (text: string) => string): Error {
  const original = e instanceof Error ? e : new Error(String(e));
  const copy = new Error(mask(original.message));
  copy.name = original.name;
  copy.stack = original.stack === undefined ? undefined : mask(original.stack);
  const code = (original as NodeJS.ErrnoException).code;
  if (typeof code === "string" || typeof code === "number") Object.assign(copy, { code });
  return copy;
}

export function isUpchainError(e: unknown, code?: UpchainErrorCode): e is UpchainError {
  return e instanceof UpchainError && (code === undefined || e.code === code);
}

/** Output is searched for each secret to mask it: a shorter one would mangle ordinary output, so it is refused as a secret. */
export const SHORTEST_SECRET = 4;
export const SHORT_SECRET_RULE = `a secret must have at least ${SHORTEST_SECRET} characters: a shorter secret cannot be masked in output (it would show in clear); give the real, longer value`;

/** The strings to hide for a set of secrets: each whole secret, and each substantial line of it. */
function patternsOf(secrets: readonly (string | undefined)[]): string[] {
  const out = new Set<string>();
  for (const s of secrets) {
    if (!s || s.length < SHORTEST_SECRET) continue; // refused where a secret is given; masking tiny strings would mangle ordinary output
    out.add(s);
    // a PEM key may be echoed line by line; mask each substantial line as well
    for (const line of s.split(/\r?\n/)) if (line.length >= 16) out.add(line);
  }
  return [...out];
}

interface Span {
  start: number;
  end: number;
}

/**
 * Where the patterns occur in `text`, scanning left to right and taking the longest pattern at the
 * leftmost position, without overlaps; only occurrences starting before `before` are returned.
 */
function occurrences(text: string, patterns: readonly string[], before = Infinity): Span[] {
  const next = patterns.map((p) => text.indexOf(p));
  const spans: Span[] = [];
  let pos = 0;
  for (;;) {
    let start = -1;
    let length = 0;
    patterns.forEach((p, i) => {
      if (next[i] !== -1 && next[i] < pos) next[i] = text.indexOf(p, pos);
      if (next[i] === -1) return;
      if (start === -1 || next[i] < start || (next[i] === start && p.length > length)) {
        start = next[i];
        length = p.length;
      }
    });
    if (start === -1 || start >= before) return spans;
    spans.push({ start, end: start + length });
    pos = start + length;
  }
}

function replaceSpans(text: string, spans: readonly Span[], end = text.length): string {
  let out = "";
  let pos = 0;
  for (const s of spans) {
    out += text.slice(pos, s.start) + "[secret]";
    pos = s.end;
  }
  return out + text.slice(pos, end);
}

/** Replace every secret value in `text` by a mask, so output and errors can be shown safely. */
export function maskSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  const patterns = patternsOf(secrets);
  return replaceSpans(text, occurrences(text, patterns));
}

/**
 * Masks a stream of output chunks. A secret may arrive split across two chunks, so masking each
 * chunk alone would let it through: this holds back the end of what it has seen (at most the longest
 * secret's length minus one characters) until it knows no secret starts there. For any split of a
 * text, the pieces it returns join up to exactly maskSecrets(text).
 */
export class SecretMasker {
  private readonly patterns: string[];
  private readonly holdBack: number;
  private pending = "";

  constructor(secrets: readonly (string | undefined)[]) {
    this.patterns = patternsOf(secrets);
    this.holdBack = Math.max(0, ...this.patterns.map((p) => p.length - 1));
  }

  /** Take a chunk; return the text that is now safe to show (possibly empty). */
  push(chunk: string): string {
    this.pending += chunk;
    // a secret starting before `cut` lies wholly inside what has arrived, so it can be decided now
    let cut = this.pending.length - this.holdBack;
    if (cut <= 0) return "";
    const spans = occurrences(this.pending, this.patterns, cut);
    if (spans.length > 0) cut = Math.max(cut, spans[spans.length - 1].end);
    const safe = replaceSpans(this.pending, spans, cut);
    this.pending = this.pending.slice(cut);
    return safe;
  }

  /** The end of the stream: return everything still held back, masked. */
  flush(): string {
    const rest = replaceSpans(this.pending, occurrences(this.pending, this.patterns));
    this.pending = "";
    return rest;
  }
}
