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
  /** Timers, replaceable in tests. */
  setInterval?: (f: () => void, ms: number) => unknown;
  clearInterval?: (t: unknown) => void;
}

const MAX_LINE = 200;

/** Host output made safe to print: no control characters but tab, at most MAX_LINE characters. */
export function printable(line: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = line.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, "").replace(/\t/g, " ").trim();
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
  const started = now();
  let lastReport = started;
  let partial = "";
  let latest: string | undefined; // the newest complete line not reported yet
  const report = (line: string) => {
    lastReport = now();
    o.log(`${o.position} ${elapsedText(lastReport - started)} | ${line}`);
  };
  const timer = (o.setInterval ?? setInterval)(() => {
    if (now() - lastReport < every) return;
    if (latest !== undefined) {
      report(latest);
      latest = undefined;
    } else report("still running");
  }, Math.max(250, Math.floor(every / 4)));
  (timer as { unref?: () => void }).unref?.();
  return {
    output(text) {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) {
        const p = printable(l);
        if (p) latest = p;
      }
      if (latest !== undefined && now() - lastReport >= every) {
        report(latest);
        latest = undefined;
      }
    },
    end(ok) {
      (o.clearInterval ?? ((t) => clearInterval(t as NodeJS.Timeout)))(timer);
      const rest = printable(partial);
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
