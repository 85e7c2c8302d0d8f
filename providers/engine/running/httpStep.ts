// The "http" step: a request to a web portal that listens only on the host's own loopback (a vendor's
// update service), sent through the SSH connection's tunnel so the portal is never opened to the
// network. The vendor's own retry advice is data on the step: each attempt may wait first and run
// commands around the request (stop an application pool, start it again); the commands after the
// request run whatever happens. The step is done when the portal's page no longer matches a pattern
// (the module has left the list): that is checked before the first attempt too, so a resumed run
// never presses the button twice for nothing.
//
// The install a press starts runs in the vendor's service, not in this request: the portal returns to
// its list while it runs, and an answer lost with the link says nothing about it. So the service's own
// page is the only judge: while it shows an install running (`busy`), the step waits and never presses;
// after a lost answer it reads the page again; and when the page cannot be read, or still shows the
// install at the step's deadline, the step stops with INSTALL_MAY_STILL_RUN, which the executor never
// answers with a restore (restoring the module's folder under a running install mixes two versions).
import * as http from "http";
import { UpchainError } from "../../errors";
import { RemoteHost } from "../../transport/remoteHost";
import { Shell, Step } from "../planning/catalog";
import { HttpAttempt, HttpRequestSpec, HttpStepDetails } from "../planning/httpStepDetails";
import { DetachedResult } from "./detached";
import { runInItsShell } from "../readOnHost";
import { withContact } from "../../transport/contact";

/** The step's details, checked: a catalog bug, not a user error, when they are not there. */
function httpDetails(step: Step): HttpStepDetails {
  const d = step as unknown as Partial<HttpStepDetails>;
  if (typeof d.port !== "number" || !d.request || !d.done || !Array.isArray(d.attempts) || !d.attempts.length || !Array.isArray(d.expectStatus)) {
    throw new Error(`step ${step.id}: an http step needs port, request, expectStatus, done and attempts`);
  }
  if (d.form && d.request.body !== undefined) throw new Error(`step ${step.id}: an http step has a form or a body, not both`);
  return d as HttpStepDetails;
}

/** Pages are data from the host: read at most this much of one. */
const MAX_BODY = 4 * 1024 * 1024;

export interface HttpResponse {
  status: number;
  body: string;
}

/** One request through the host's tunnel to 127.0.0.1:port; the answer's status and (bounded) body. */
async function tunnelledRequest(host: RemoteHost, port: number, req: HttpRequestSpec, timeoutMs: number): Promise<HttpResponse> {
  if (!host.openStream) throw new Error(`${host.label} cannot open a tunnel to the host's loopback (its transport has none)`);
  const stream = await host.openStream({ host: "127.0.0.1", port });
  return new Promise<HttpResponse>((resolve, reject) => {
    const body = req.body ?? "";
    const headers: Record<string, string | number> = { host: `localhost:${port}`, connection: "close", ...(req.headers ?? {}) };
    if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(body);
    // the tunnel's channel is not a socket (no setTimeout): the deadline is a timer of our own
    const timer = setTimeout(() => r.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)}s`)), timeoutMs);
    const r = http.request({ method: req.method, path: req.path, headers, createConnection: () => stream }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
      res.on("end", () => (clearTimeout(timer), resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") })));
      res.on("error", (e) => (clearTimeout(timer), reject(e)));
    });
    r.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`the portal on ${host.label}'s loopback port ${port} did not answer ${req.method} ${req.path}: ${e.message}`));
    });
    r.end(body);
  });
}

export interface HttpStepOptions {
  /** Milliseconds the whole step may take, waiting for a running install included. */
  deadlineMs: number;
  log: (line: string) => void;
  /** Called between attempts and between reads of a running install; throws to stop at once (a lost lock). */
  beforeAttempt?: () => void;
  sleep?: (ms: number) => Promise<void>;
  /** How long to keep trying to read the portal through a dropped link (reconnecting) before the install's state is unknown; default 120 s. */
  contactTimeoutMs?: number;
  /** How often the page is read while it shows an install running; default 2 s. */
  pollMs?: number;
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Printable and short: a page or command output quoted in a message. */
const excerpt = (s: string) =>
  s
    .replace(/[^\x20-\x7e\n]/g, "?")
    .trim()
    .split("\n")
    .slice(0, 3)
    .join(" / ")
    .slice(0, 300);

/** What the portal's page says: whether the module is still listed, whether an install runs; the page, for its tokens. */
export interface PortalState {
  listed: boolean;
  busy: boolean;
  body: string;
}

/** One read of the page; a page that does not answer 2xx (a portal restarting) tells nothing and throws, to be read again. */
async function readPage(host: RemoteHost, d: HttpStepDetails, timeoutMs: number): Promise<PortalState> {
  const page = await tunnelledRequest(host, d.port, { method: "GET", path: d.done.path }, timeoutMs);
  if (page.status < 200 || page.status > 299) throw new Error(`GET ${d.done.path} answered ${page.status}`);
  return { listed: new RegExp(d.done.absent).test(page.body), busy: d.busy ? new RegExp(d.busy.present).test(page.body) : false, body: page.body };
}

/** The hidden inputs of a page, by name (host data: bounded, never printed). */
function hiddenInputs(html: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const tag of html.slice(0, MAX_BODY).match(/<input\b[^>]*>/gi) ?? []) {
    const attrs = new Map<string, string>();
    for (const m of tag.matchAll(/([^\s=/<>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) attrs.set(m[1].toLowerCase(), m[2] ?? m[3] ?? m[4] ?? "");
    const name = attrs.get("name");
    if (attrs.get("type")?.toLowerCase() !== "hidden" || !name || out.has(name)) continue;
    const value = htmlDecode(attrs.get("value") ?? "");
    if (value.length <= 4096) out.set(name, value);
  }
  return out;
}

function htmlDecode(s: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", "#39": "'" };
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,5}|#39);/gi, (all, e: string) => {
    if (named[e.toLowerCase()]) return named[e.toLowerCase()];
    const code = e[1]?.toLowerCase() === "x" ? parseInt(e.slice(2), 16) : e[0] === "#" ? parseInt(e.slice(1), 10) : NaN;
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

/** The press as the portal's form sends it: its fields and the named tokens of the page just read; a problem when a token is missing. */
function pressOf(d: HttpStepDetails, page: PortalState): HttpRequestSpec | { problem: string } {
  if (!d.form) return d.request;
  const hidden = hiddenInputs(page.body);
  const tokens: [string, string][] = [];
  for (const name of d.form.tokensFromPage ?? []) {
    const value = hidden.get(name);
    if (value === undefined) {
      return {
        problem: `the portal's page ${d.done.path} has no hidden input named "${name}" to send with the press (tokensFromPage names it): nothing was pressed; check the portal's form and the site's description of it`,
      };
    }
    tokens.push([name, value]);
  }
  const body = new URLSearchParams([...Object.entries(d.form.fields), ...tokens]).toString();
  return { ...d.request, headers: { "content-type": "application/x-www-form-urlencoded", ...(d.request.headers ?? {}) }, body };
}

async function runAll(host: RemoteHost, shell: Shell, commands: string[], log: (l: string) => void): Promise<string | undefined> {
  for (const c of commands) {
    // in the step's shell, as every other command reaches the host (a Windows one as PowerShell)
    const r = await runInItsShell(host, { shell, command: c });
    const out = excerpt(r.stdout + (r.stderr ? `\n${r.stderr}` : ""));
    log(`  $ ${c}${out ? ` -> ${out}` : ""}`);
    if (r.code !== 0) return `${c} exited ${r.code}${out ? `: ${out}` : ""}`;
  }
  return undefined;
}

/**
 * Carry out an http step: its outcome as a step result (exit status 0 when done), never a throw for the
 * portal's own answers; INSTALL_MAY_STILL_RUN when the portal cannot be read, or still installs at the
 * step's deadline (nothing may be restored then).
 */
export async function runHttpStep(host: RemoteHost, step: Step, o: HttpStepOptions): Promise<DetachedResult> {
  const d = httpDetails(step);
  const sleep = o.sleep ?? sleepReal;
  const until = Date.now() + o.deadlineMs;
  const lines: string[] = [];
  const log = (l: string) => (lines.push(l), o.log(l));
  const left = () => Math.max(1000, until - Date.now());
  const ok = (): DetachedResult => ({ code: 0, stdout: lines.join("\n"), stderr: "" });
  const { settled, mayStillRun } = portalReader(host, step, d, { ...o, beforePoll: o.beforeAttempt, until, log, sleep });
  let last: PortalState = await settled("before pressing");
  const first = last;
  if (!first.listed) {
    log("already done (no longer listed): nothing to send");
    return ok();
  }
  for (const [i, a] of d.attempts.entries()) {
    o.beforeAttempt?.();
    if (a.waitSeconds > 0) {
      if (Date.now() + a.waitSeconds * 1000 > until) break;
      log(`attempt ${i + 1} (${a.note}): waiting ${a.waitSeconds}s first`);
      await sleep(a.waitSeconds * 1000);
      o.beforeAttempt?.();
    } else log(`attempt ${i + 1} (${a.note})`);
    const fresh = a.waitSeconds > 0 || (a.before?.length ?? 0) > 0;
    if (a.before?.length) {
      // never stop what the vendor's install may be using: the page first (settled waits while it shows one running)
      last = await settled("before this attempt's commands");
      if (!last.listed) {
        log("already done (no longer listed): nothing stopped, nothing sent");
        return ok();
      }
    }
    let failure = await runAll(host, step.shell, a.before ?? [], log);
    let lost: string | undefined;
    let doneAlready = false;
    let afterPress: PortalState | undefined;
    try {
      if (!failure) {
        // the page just before the press (read again after a wait or commands): an install may have
        // started meanwhile (never press then), and a portal's tokens may change with every page
        const page = fresh ? await settled("before pressing") : last;
        const press = page.listed ? pressOf(d, page) : undefined;
        if (!press) doneAlready = true;
        else if ("problem" in press) failure = press.problem;
        else {
          try {
            const sent = await tunnelledRequest(host, d.port, press, left());
            log(`  ${press.method} ${press.path} -> ${sent.status}`);
            if (!d.expectStatus.includes(sent.status)) failure = `the portal refused ${press.method} ${press.path} with ${sent.status}: ${excerpt(sent.body)}`;
          } catch (e) {
            // the press may have reached the portal and started the install: only its page can tell
            lost = (e as Error).message;
            log(`  the answer to ${press.method} ${press.path} was lost (${excerpt(lost)}): its outcome is unknown; reading the portal's page`);
          }
          // what `before` stopped starts again only once the install is over (003: « Relancer la mise à
          // jour », then « redémarrez le(s) pool(s) »): the page is read, waiting while it shows one running
          if (!failure) afterPress = await settled("after the press");
        }
      }
    } finally {
      // whatever happened, what `before` stopped is started again, through a dropped link too
      const afterFailure = await runAfter(host, step.shell, a, o.contactTimeoutMs ?? 120_000, log, (last) =>
        mayStillRun(`the commands after the press (${a.note}) could not be run: the host cannot be reached`, last),
      );
      if (afterFailure) failure = failure ? `${failure}; and then ${afterFailure}` : afterFailure;
    }
    if (failure) return { code: 1, stdout: lines.join("\n"), stderr: failure };
    if (doneAlready) {
      log("  no longer listed: nothing to send");
      return ok();
    }
    const now = (last = afterPress ?? (await settled("after the press")));
    log(`  ${now.listed ? `still listed on the portal${lost ? " (the press whose answer was lost did not install it)" : ""}` : "no longer listed"}`);
    if (!now.listed) return ok();
  }
  return { code: 1, stdout: lines.join("\n"), stderr: `${step.title}: still not done after ${d.attempts.length} attempt(s). ${d.giveUp}` };
}

/** The attempt's `after` commands, run again from the start after a dropped link (they start what `before` stopped: idempotent). */
async function runAfter(
  host: RemoteHost,
  shell: Shell,
  a: HttpAttempt,
  contactMs: number,
  log: (l: string) => void,
  lost: (last: Error) => Error,
): Promise<string | undefined> {
  if (!a.after?.length) return undefined;
  const r = await withContact(host, async () => ({ failure: await runAll(host, shell, a.after ?? [], log) }), {
    until: Date.now() + contactMs,
    ownErrors: true,
    lost,
  });
  return r.failure;
}

interface ReaderOptions {
  until: number;
  deadlineMs: number;
  log: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
  beforePoll?: () => void;
  contactTimeoutMs?: number;
  pollMs?: number;
}

/** Reading the portal's page through a dropped link, and waiting while it shows an install running. */
function portalReader(host: RemoteHost, step: Step, d: HttpStepDetails, o: ReaderOptions) {
  const left = () => Math.max(1000, o.until - Date.now());
  const mayStillRun = (why: string, cause?: Error) =>
    new UpchainError(
      "INSTALL_MAY_STILL_RUN",
      `${host.label}: step "${step.title}" (${step.id}): ${why}, so the vendor's install may still run. Nothing was restored: restoring the ` +
        `module's files under a running install would leave a mix of two versions. Once the portal on the host's loopback port ${d.port} answers ` +
        `and no longer shows an install running, run pulumi up again: the journal on the host still names the step it stopped at, and the next run ` +
        `reads the portal before pressing or restoring anything, waits while it installs, and goes on from what it shows.`,
      [],
      { cause },
    );
  // the page, read through a dropped link (reconnecting) for up to the contact timeout
  const look = async (when: string): Promise<PortalState> => {
    // the page's own last failure is told, not a reconnect's: it says what the portal did
    let last = "no answer";
    const read = () =>
      readPage(host, d, Math.min(left(), 30_000)).catch((e: Error) => {
        last = e.message;
        throw e;
      });
    const lost = (cause: Error) => mayStillRun(`the portal's page ${d.done.path} could not be read ${when} (${excerpt(last)})`, cause);
    return withContact(host, read, { until: Date.now() + (o.contactTimeoutMs ?? 120_000), lost });
  };
  // never press, never end the step and never restore while the page shows an install running
  const settled = async (when: string): Promise<PortalState> => {
    let page = await look(when);
    const pollMs = o.pollMs ?? 2000;
    if (page.busy) o.log(`  the portal shows an install running: waiting for it to end (its page read every ${Math.round(pollMs / 100) / 10}s)`);
    const since = Date.now();
    while (page.busy) {
      if (Date.now() >= o.until) {
        throw mayStillRun(
          `the portal still shows the install running after ${Math.round((Date.now() - since) / 1000)}s of waiting, at the step's deadline of ${Math.round(o.deadlineMs / 1000)}s (stepTimeouts."${step.id}" sets it)`,
        );
      }
      await o.sleep(Math.min(pollMs, Math.max(0, o.until - Date.now())));
      o.beforePoll?.();
      page = await look(when);
    }
    return page;
  };
  return { settled, mayStillRun };
}

/**
 * Before a restore or a recovery after a hop whose http step may have pressed: the portal's page,
 * waited for while it shows an install running. INSTALL_MAY_STILL_RUN when it cannot be read or still
 * shows one at the deadline; a step with no `busy` pattern has no install state to read.
 */
export async function portalSettled(
  host: RemoteHost,
  step: Step,
  o: {
    deadlineMs: number;
    log: (line: string) => void;
    beforePoll?: () => void;
    sleep?: (ms: number) => Promise<void>;
    contactTimeoutMs?: number;
    pollMs?: number;
  },
): Promise<void> {
  const d = httpDetails(step);
  if (!d.busy) return;
  await portalReader(host, step, d, { ...o, until: Date.now() + o.deadlineMs, sleep: o.sleep ?? sleepReal }).settled("before restoring");
}
