// The "http" step: a request to a web portal that listens only on the host's own loopback (a vendor's
// update service), sent through the SSH connection's tunnel so the portal is never opened to the
// network. The vendor's own retry advice is data on the step: each attempt may wait first and run
// commands around the request (stop an application pool, start it again); the commands after the
// request run whatever happens. The step is done when the portal's page no longer matches a pattern
// (the module has left the list): that is checked before the first attempt too, so a resumed run
// never presses the button twice for nothing.
import * as http from "http";
import { RemoteHost } from "../transport/remoteHost";
import { Shell, Step } from "./catalog";
import { DetachedResult } from "./detached";
import { runInItsShell } from "./readOnHost";

export interface HttpRequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpAttempt {
  /** Seconds to wait before this attempt (the document's "patienter deux à trois minutes"). */
  waitSeconds: number;
  /** Shell commands before the request; one failing ends the step (after `after` ran). */
  before?: string[];
  /** Shell commands after the request, run whatever happened (start again what `before` stopped). */
  after?: string[];
  /** What this attempt is, for the log ("again after 150 s", "with the pools stopped"). */
  note: string;
}

export interface HttpStepDetails {
  /** The port on the host's loopback. */
  port: number;
  request: HttpRequestSpec;
  /** Statuses that mean the portal took the request. */
  expectStatus: number[];
  /** Done when a GET of `path` answers 2xx and its body does not match `absent` (a regular expression). */
  done: { path: string; absent: string };
  attempts: HttpAttempt[];
  /** What to tell the operator when every attempt left the step undone (the vendor's remaining advice). */
  giveUp: string;
}

/** The step's details, checked: a catalog bug, not a user error, when they are not there. */
export function httpDetails(step: Step): HttpStepDetails {
  const d = step as unknown as Partial<HttpStepDetails>;
  if (typeof d.port !== "number" || !d.request || !d.done || !Array.isArray(d.attempts) || !d.attempts.length || !Array.isArray(d.expectStatus)) {
    throw new Error(`step ${step.id}: an http step needs port, request, expectStatus, done and attempts`);
  }
  return d as HttpStepDetails;
}

/** Pages are data from the host: read at most this much of one. */
const MAX_BODY = 4 * 1024 * 1024;

export interface HttpResponse {
  status: number;
  body: string;
}

/** One request through the host's tunnel to 127.0.0.1:port; the answer's status and (bounded) body. */
export async function tunnelledRequest(host: RemoteHost, port: number, req: HttpRequestSpec, timeoutMs: number): Promise<HttpResponse> {
  if (!host.openStream) throw new Error(`${host.label} cannot open a tunnel to the host's loopback (its transport has none)`);
  const stream = await host.openStream({ host: "127.0.0.1", port });
  return new Promise<HttpResponse>((resolve, reject) => {
    const body = req.body ?? "";
    const headers: Record<string, string | number> = { host: `localhost:${port}`, connection: "close", ...(req.headers ?? {}) };
    if (req.body !== undefined) headers["content-length"] = Buffer.byteLength(body);
    // the tunnel's channel is not a socket (no setTimeout): the deadline is a timer of our own
    const timer = setTimeout(() => r.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)}s`)), timeoutMs);
    const r = http.request({ method: req.method, path: req.path, headers, createConnection: () => stream as any }, (res) => {
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
  /** Milliseconds the whole step may take. */
  deadlineMs: number;
  log: (line: string) => void;
  /** Called between attempts; throws to stop at once (a lost lock). */
  beforeAttempt?: () => void;
  sleep?: (ms: number) => Promise<void>;
}

const sleepReal = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Printable and short: a page or command output quoted in a message. */
const excerpt = (s: string) => s.replace(/[^\x20-\x7e\n]/g, "?").trim().split("\n").slice(0, 3).join(" / ").slice(0, 300);

async function isDone(host: RemoteHost, d: HttpStepDetails, timeoutMs: number): Promise<{ done: boolean; why: string }> {
  const page = await tunnelledRequest(host, d.port, { method: "GET", path: d.done.path }, timeoutMs);
  if (page.status < 200 || page.status > 299) return { done: false, why: `GET ${d.done.path} answered ${page.status}` };
  const still = new RegExp(d.done.absent).test(page.body);
  return { done: !still, why: still ? "still listed on the portal" : "no longer listed" };
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

/** Carry out an http step: its outcome as a step result (exit status 0 when done), never a throw for the portal's own answers. */
export async function runHttpStep(host: RemoteHost, step: Step, o: HttpStepOptions): Promise<DetachedResult> {
  const d = httpDetails(step);
  const sleep = o.sleep ?? sleepReal;
  const until = Date.now() + o.deadlineMs;
  const lines: string[] = [];
  const log = (l: string) => (lines.push(l), o.log(l));
  const left = () => Math.max(1000, until - Date.now());
  const first = await isDone(host, d, left());
  if (first.done) {
    log(`already done (${first.why}): nothing to send`);
    return { code: 0, stdout: lines.join("\n"), stderr: "" };
  }
  for (const [i, a] of d.attempts.entries()) {
    o.beforeAttempt?.();
    if (a.waitSeconds > 0) {
      if (Date.now() + a.waitSeconds * 1000 > until) break;
      log(`attempt ${i + 1} (${a.note}): waiting ${a.waitSeconds}s first`);
      await sleep(a.waitSeconds * 1000);
      o.beforeAttempt?.();
    } else log(`attempt ${i + 1} (${a.note})`);
    let failure = await runAll(host, step.shell, a.before ?? [], log);
    let sent: HttpResponse | undefined;
    try {
      if (!failure) {
        sent = await tunnelledRequest(host, d.port, d.request, left());
        log(`  ${d.request.method} ${d.request.path} -> ${sent.status}`);
        if (!d.expectStatus.includes(sent.status)) failure = `the portal refused ${d.request.method} ${d.request.path} with ${sent.status}: ${excerpt(sent.body)}`;
      }
    } finally {
      // whatever happened, what `before` stopped is started again
      const afterFailure = await runAll(host, step.shell, a.after ?? [], log);
      if (afterFailure) failure = failure ? `${failure}; and then ${afterFailure}` : afterFailure;
    }
    if (failure) return { code: 1, stdout: lines.join("\n"), stderr: failure };
    const now = await isDone(host, d, left());
    log(`  ${now.why}`);
    if (now.done) return { code: 0, stdout: lines.join("\n"), stderr: "" };
  }
  return { code: 1, stdout: lines.join("\n"), stderr: `${step.title}: still not done after ${d.attempts.length} attempt(s). ${d.giveUp}` };
}
