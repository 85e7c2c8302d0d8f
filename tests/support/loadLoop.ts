// A bounded load loop from this machine through a load balancer's frontend: a fixed number of
// requests AND a time limit, whichever comes first, so it always stops by itself. Each request is a
// new connection (so the balancer picks a server each time), and each answer is recorded with the
// Server header and body the member put in it, so a test can say which member served what, when,
// and that no request failed while pools were changed.
import * as http from "http";

export interface LoadLoopOptions {
  url: string;
  /** Stop after this many requests have been sent... */
  requests: number;
  /** ...or after this long, whichever comes first. */
  timeLimitMs: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Pause of each worker between its requests. */
  pauseMs?: number;
  /** A request that has no answer after this long is a failure. */
  requestTimeoutMs?: number;
}

export interface LoadSample {
  index: number;
  /** Epoch milliseconds at sending and at the end of the answer (or the failure). */
  start: number;
  end: number;
  status?: number;
  /** The Server header, and the body without its line end. */
  server?: string;
  body?: string;
  /** Set when the request failed: a connection error, a timeout, or a status other than 200. */
  failure?: string;
}

export interface LoadResult {
  samples: LoadSample[];
  failures: LoadSample[];
  stoppedBy: "count" | "time" | "stop";
  /** Answers per member (by Server header). */
  byServer: Record<string, number>;
}

export interface LoadLoop {
  /** Samples so far, in the order they finished. */
  readonly samples: readonly LoadSample[];
  /** Stop sending; requests in flight still finish. */
  stop(): void;
  done: Promise<LoadResult>;
}

function once(url: string, index: number, timeoutMs: number): Promise<LoadSample> {
  const start = Date.now();
  return new Promise((resolve) => {
    const fail = (failure: string, status?: number) => resolve({ index, start, end: Date.now(), status, failure });
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("error", (e) => fail(`answer cut: ${e.message}`, res.statusCode));
      res.on("end", () => {
        const sample: LoadSample = {
          index,
          start,
          end: Date.now(),
          status: res.statusCode,
          server: res.headers.server as string | undefined,
          body: body.replace(/\n$/, ""),
        };
        if (res.statusCode !== 200) sample.failure = `HTTP ${res.statusCode}: ${body.slice(0, 200)}`;
        resolve(sample);
      });
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e) => fail(e.message));
  });
}

export function startLoadLoop(o: LoadLoopOptions): LoadLoop {
  const samples: LoadSample[] = [];
  const deadline = Date.now() + o.timeLimitMs;
  let sent = 0;
  let stopped = false;
  let stoppedBy: LoadResult["stoppedBy"] = "count";
  const worker = async () => {
    for (;;) {
      if (stopped) return;
      if (sent >= o.requests) return;
      if (Date.now() >= deadline) {
        stoppedBy = "time";
        return;
      }
      const index = sent++;
      samples.push(await once(o.url, index, o.requestTimeoutMs ?? 10_000));
      if (o.pauseMs) await new Promise((r) => setTimeout(r, o.pauseMs));
    }
  };
  const done = Promise.all(Array.from({ length: o.concurrency ?? 1 }, worker)).then((): LoadResult => {
    const byServer: Record<string, number> = {};
    for (const s of samples) if (s.server) byServer[s.server] = (byServer[s.server] ?? 0) + 1;
    return { samples, failures: samples.filter((s) => s.failure), stoppedBy, byServer };
  });
  return {
    samples,
    stop: () => {
      if (!stopped && sent < o.requests && Date.now() < deadline) stoppedBy = "stop";
      stopped = true;
    },
    done,
  };
}
