// What an "http" step holds: the request to a portal on the host's loopback, how to tell it is done
// or busy, and the vendor's retry advice as data. Its own file because the catalog's Step type and the
// runner (httpStep.ts) both need it, and the runner needs the catalog: here it depends on neither.
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
  /** Method, path and headers of the press; its body is `form`'s when there is one. */
  request: HttpRequestSpec;
  /**
   * The press as the portal's own form sends it: the fields (raw values; the body is URL-encoded here)
   * plus the values of the named hidden inputs of the list page (a GET of `done.path` just before the
   * press: a portal's tokens may change with every page).
   */
  form?: { fields: Record<string, string>; tokensFromPage?: string[] };
  /** Statuses that mean the portal took the request. */
  expectStatus: number[];
  /** Done when a GET of `path` answers 2xx and its body does not match `absent` (a regular expression). */
  done: { path: string; absent: string };
  /** While the page of `done.path` matches `present` (a regular expression), an install runs: wait, never press, never restore. */
  busy?: { present: string };
  attempts: HttpAttempt[];
  /** What to tell the operator when every attempt left the step undone (the vendor's remaining advice). */
  giveUp: string;
}
