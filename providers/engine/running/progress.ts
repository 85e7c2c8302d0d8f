// What an operator sees while a step runs: a 20-minute install must not be a silent spinner, and a
// chatty one must not flood the `pulumi up` output. The step's own output is passed on throttled (at
// most one line per interval: the latest), a quiet step says it is still running, and its end says
// how long it took. The output is the host's: control characters (terminal escapes) are dropped
// and lines are cut short before they reach the log.

export interface StepProgressOptions {
  /** "[1.1.6.1->1.2.0.0 3/9]": which hop, which step. */
  position: string;
  log: (line: string) => void;
  /** At most one output line per this many milliseconds; a quiet step is reported as often (default 10 s). */
  everyMs?: number;
  now?: () => number;
  /**
   * Hides secrets in the step's output: applied to each whole line before it is made printable, since
   * cleaning first (a tab made a space, an escape dropped, the line cut short) changes a secret so
   * that it no longer matches, and it would show in clear.
   */
  mask?: (text: string) => string;
  /** Timers, replaceable in tests. */
  setInterval?: (f: () => void, ms: number) => unknown;
  clearInterval?: (t: unknown) => void;
}

const MAX_LINE = 200;

/** Whole escape sequences, so none of their payload is left behind as text. */
const ESCAPES = [
  /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g, // OSC: a window title, a clipboard write (OSC 52), a hyperlink; ended by BEL or ST
  /\x1b[PX^_][^\x1b]*(?:\x1b\\)?/g, // DCS, SOS, PM, APC strings, ended by ST
  /\x1b\[[0-?]*[ -/]*[@-~]/g, // CSI: colours, cursor moves, screen and line clears
  /\x1b[ -/]*[0-~]?/g, // any other escape (a charset switch, a full reset)
];
/** C0 controls but the line feed (a carriage return rewrites the line shown), DEL, C1 controls (0x9b is an 8-bit CSI). */
const CONTROLS = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/g;
/** Zero-width and bidirectional controls: they hide or reorder what a line appears to say. */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/**
 * Text that came from a host (a step's output, a journal's fields, a balancer's answer) made safe for
 * the operator's terminal, its lines kept: no escape sequence (nothing can move the cursor, clear the
 * screen, set the title or write the clipboard), no control character but the line feed, a tab as a
 * space, no invisible or reordering character, Unicode's own line separators as spaces (a line feed
 * only where the text had one, so a quoted block stays quoted). Every
 * message and line the Server provider hands to Pulumi passes through it (engineLog.ts, server/impl.ts).
 */
export function terminalText(text: string): string {
  let out = text;
  for (const e of ESCAPES) out = out.replace(e, "");
  return out
    .replace(/\r\n/g, "\n")
    .replace(/\t/g, " ")
    .replace(CONTROLS, "")
    .replace(INVISIBLE, "")
    .replace(/[\u2028\u2029]/g, " ");
}

/** Host text for one line of a message (a journal's field): terminalText, its lines joined by " / ". */
export function oneLine(text: string): string {
  return terminalText(text)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" / ");
}

/**
 * A block of a host's output inside a message, each line behind "| ": what the host printed cannot
 * pass for a line of upchain's own (advice to follow, a verdict).
 */
export function quotedBlock(text: string): string {
  // not cleaned here: the message is masked first, then cleaned where it leaves the provider
  return text
    .split("\n")
    .map((l) => `| ${l}`)
    .join("\n");
}

/** Host output made safe to print on one line: terminalText, trimmed, at most MAX_LINE characters. */
export function printable(line: string): string {
  const clean = terminalText(line).replace(/\n/g, " ").trim();
  return clean.length > MAX_LINE ? `${clean.slice(0, MAX_LINE - 1)}…` : clean;
}

/** "42s", "3m05s", "1h02m". */
export function elapsedText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export interface StepProgress {
  /** A chunk of the step's output, as it arrives (lines may be split across chunks). */
  output(text: string): void;
  /** The step ended: "done in 42s" or "failed after 42s". Stops the timer. */
  end(ok: boolean): void;
}

export function stepProgress(o: StepProgressOptions): StepProgress {
  const now = o.now ?? Date.now;
  const every = o.everyMs ?? 10_000;
  const mask = o.mask ?? ((text: string) => text);
  const started = now();
  let lastReport = started;
  let partial = "";
  let latest: string | undefined; // the newest complete line not reported yet
  const report = (line: string) => {
    lastReport = now();
    o.log(`${o.position} ${elapsedText(lastReport - started)} | ${line}`);
  };
  const timer = (o.setInterval ?? setInterval)(
    () => {
      if (now() - lastReport < every) return;
      if (latest !== undefined) {
        report(latest);
        latest = undefined;
      } else report("still running");
    },
    Math.max(250, Math.floor(every / 4)),
  );
  (timer as { unref?: () => void }).unref?.();
  return {
    output(text) {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) {
        const p = printable(mask(l));
        if (p) latest = p;
      }
      if (latest !== undefined && now() - lastReport >= every) {
        report(latest);
        latest = undefined;
      }
    },
    end(ok) {
      (o.clearInterval ?? ((t) => clearInterval(t as NodeJS.Timeout)))(timer);
      const rest = printable(mask(partial));
      if (rest) latest = rest;
      if (latest !== undefined) o.log(`${o.position}   ${latest}`);
      o.log(`${o.position} ${ok ? "done in" : "failed after"} ${elapsedText(now() - started)}`);
    },
  };
}

/**
 * The start of a server's progress lines: its resource name in the stack (what the operator wrote and
 * what Pulumi's own lines show), or its address for a state written before the provider was told it.
 */
export function progressPrefix(resourceName: string | undefined, host: string): string {
  const name = resourceName === undefined ? "" : printable(resourceName);
  return `upchain ${name || host}: `;
}
