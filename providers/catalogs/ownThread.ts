// A catalog module of one's own, run in a worker thread of its own and called synchronously with a
// time limit. The engine calls a catalog's functions synchronously (the planner, preview's checks),
// and one `while (true)` in the provider's thread would freeze preview for the whole fleet and, at
// up, the heartbeats of every run's lock. So the module is loaded in a worker; each call is posted to
// it and waited for with Atomics.wait up to the limit; past it the worker is ended and the call (and
// every later one to that module) refused. What comes back is structured-clone data; the module's
// functions (its catalog's, and those it returns beside a command: a probe's read, a check's judge)
// come back as markers and are called through the worker in turn. ownGuard.ts then checks the data.
import * as path from "path";
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from "worker_threads";
import { UpchainError, UpchainErrorCode } from "../errors";
import { ANSWERED, Answer, FUNCTION_KEY, Thrown } from "./ownWire";

/** How long one call into a catalog module may take: its answers are computed, never waited for. */
export const CALL_SECONDS = 5;

const WORKER_FILE = path.join(__dirname, "ownWorker.js");

/** The module's catalog export as it crossed (functions turned into calls), or why it could not load. */
export type Loaded = { exported: unknown } | { problem: string };

export class ModuleThread {
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private seq = 0;
  /** The function that did not answer in time, once the module's thread was stopped for it. */
  private stopped: { fn: string } | undefined;
  /** How the module's thread ended by itself, once it has. */
  private ended: string | undefined;

  /** `spec` is the module as the stack names it, for messages; `file` what it resolved to. */
  constructor(
    private readonly spec: string,
    private readonly product: string,
    file: string,
    private readonly callSeconds = CALL_SECONDS,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_FILE, { workerData: { file, flag: this.flag, port: port2 }, transferList: [port2] });
    // a module that throws later (from a timer) or exits ends its thread only: an 'error' event with
    // no listener would end this process. Known between two calls, then each call is refused at once.
    this.worker.on("error", (e) => (this.ended ??= `it threw outside any call (${firstLine(e)})`));
    this.worker.on("exit", (code) => (this.ended ??= `its thread ended (exit code ${code})`));
    // a CLI that planned with it exits when it is done
    this.worker.unref();
    this.port.unref();
  }

  /** Waits up to `loadSeconds` for the module to load, and returns its catalog export. */
  load(loadSeconds: number): Loaded {
    const a = this.await(0, loadSeconds);
    if (!a) {
      this.stop();
      return {
        problem: `${JSON.stringify(this.spec)} did not finish loading within ${loadSeconds} s (a loop, or a wait, when the module loads?), so nothing of it was used: a catalog module only defines its catalog when it loads`,
      };
    }
    if ("loadFailed" in a) return this.unloaded({ problem: `${JSON.stringify(this.spec)} could not be loaded: ${a.loadFailed}` });
    if ("threw" in a) return this.unloaded({ problem: `${JSON.stringify(this.spec)} could not be loaded: ${a.threw.message.split("\n")[0]}` });
    if ("notData" in a) return this.unloaded({ problem: `${JSON.stringify(this.spec)}: its catalog could not be copied as data (${a.notData})` });
    return { exported: this.revive(a.value, "catalog") };
  }

  /** Calls the module's function `fn` (`name` in messages) in its thread, within the time limit. */
  call(fn: number, name: string, args: unknown[]): unknown {
    if (this.stopped)
      throw this.refusal(`was stopped earlier in this run, when ${this.stopped.fn}() did not answer within ${this.callSeconds} s`, this.stopped.fn);
    if (this.ended) {
      throw new UpchainError(
        "INVALID_INPUT",
        `catalogModule: the catalog module ${JSON.stringify(this.spec)} of ${this.product} can no longer answer ${name}(): ${this.ended}. A catalog module must not throw from a timer or end its process; fix the module, then run preview again`,
        ["catalogModule"],
      );
    }
    const seq = ++this.seq;
    Atomics.store(this.flag, ANSWERED, 0);
    this.port.postMessage({ seq, fn, args });
    const a = this.await(seq, this.callSeconds);
    if (!a) {
      this.stopped = { fn: name };
      this.stop();
      throw this.refusal(
        `did not answer ${name}() within ${this.callSeconds} s (a loop, or a wait?), so its thread was stopped and nothing more of it is used in this run`,
        name,
      );
    }
    if ("threw" in a) throw rethrown(a.threw);
    if ("notData" in a) throw this.notData(name, a.notData);
    if ("loadFailed" in a) throw this.notData(name, a.loadFailed);
    return this.revive(a.value, `${name}()`);
  }

  /** The answer `seq`, or undefined when none came within `seconds` (a stale one is skipped). */
  private await(seq: number, seconds: number): Answer | undefined {
    const until = Date.now() + seconds * 1000;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) return undefined;
      Atomics.wait(this.flag, ANSWERED, 0, left);
      // the worker posts its answer before it sets the flag: once set, the answer is there to take
      const m = receiveMessageOnPort(this.port);
      if (m && (m.message as Answer).seq === seq) return m.message as Answer;
    }
  }

  /** `v` with each marker turned into a function that calls the module's (`at` names where, for messages). */
  private revive(v: unknown, at: string): unknown {
    const seen = new Set<object>();
    const go = (x: unknown, where: string): unknown => {
      if (x === null || typeof x !== "object" || seen.has(x)) return x;
      seen.add(x);
      const fn = (x as Record<string, unknown>)[FUNCTION_KEY];
      if (Object.getPrototypeOf(x) === Object.prototype && typeof fn === "number") {
        return (...args: unknown[]) => this.call(fn, where, args);
      }
      if (Array.isArray(x)) x.forEach((e, i) => (x[i] = go(e, `${where}[${i}]`)));
      else if (Object.getPrototypeOf(x) === Object.prototype)
        for (const k of Object.keys(x)) (x as Record<string, unknown>)[k] = go((x as Record<string, unknown>)[k], `${where}.${k}`);
      return x;
    };
    return go(v, at);
  }

  private unloaded(l: Loaded): Loaded {
    this.stop();
    return l;
  }

  private stop(): void {
    this.ended ??= "its thread was ended";
    void this.worker.terminate();
  }

  private refusal(what: string, name: string): UpchainError {
    return new UpchainError(
      "INVALID_INPUT",
      `catalogModule: the catalog module ${JSON.stringify(this.spec)} of ${this.product} ${what}. A catalog's functions must answer at once, from their arguments: ` +
        `fix ${name} in the module so that it returns (no endless loop, no waiting on anything), then run preview again`,
      ["catalogModule"],
    );
  }

  private notData(name: string, why: string): UpchainError {
    return new UpchainError(
      "INVALID_INPUT",
      `catalogModule: the catalog of ${this.product} returned from ${name}() something that is not plain data (${why}). A catalog gives commands as strings and steps, hops and rules as plain objects; fix the module`,
      ["catalogModule"],
    );
  }
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0].slice(0, 300);

/** What the module threw, thrown again here: an UpchainError it made (with upchain's own package) stays one. */
function rethrown(t: Thrown): Error {
  // checked again here: the worker's own checks ran in the module's realm, which the module can change
  const message = typeof t.message === "string" ? t.message : "the catalog module threw something that is not an Error";
  if (t.name === "UpchainError" && typeof t.code === "string" && /^[A-Z_]{1,40}$/.test(t.code)) {
    const at = Array.isArray(t.path) ? t.path.filter((p): p is string | number => typeof p === "string" || typeof p === "number") : [];
    return new UpchainError(t.code as UpchainErrorCode, message, at);
  }
  return new Error(message);
}
