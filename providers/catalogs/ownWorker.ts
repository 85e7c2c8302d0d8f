// The worker thread a catalog module of one's own runs in (started by ownThread.ts). Its code runs
// only here: a loop in it stops this thread, which the provider ends at its time limit, never the
// provider's own thread (which plans the whole fleet and beats the runs' locks). The module's answers
// go back as structured-clone data, its functions as numbered markers kept in `functions`.
import { MessagePort, workerData } from "worker_threads";
import { ANSWERED, Answer, CallRequest, FUNCTION_KEY, MAX_VALUES, Thrown } from "./ownWire";

const { file, flag, port } = workerData as { file: string; flag: Int32Array; port: MessagePort };

/** Each function of the module that crossed, with the object it was found on (its `this`). */
const functions: { f: (...args: unknown[]) => unknown; self: unknown }[] = [];

class TooLarge extends Error {}

/**
 * `value` with each function replaced by a marker: arrays and objects are copied (own enumerable
 * keys, each read once), but for those structured clone keeps as they are (keptByClone). With
 * `inherited`, an object's methods from its class are taken too (a catalog written as a class).
 */
function wire(value: unknown, inherited = false): unknown {
  let count = 0;
  const copies = new Map<object, unknown>();
  const go = (v: unknown, self: unknown, deep: boolean): unknown => {
    if (++count > MAX_VALUES) throw new TooLarge(`the answer holds more than ${MAX_VALUES} values`);
    if (typeof v === "function") {
      functions.push({ f: v as (...args: unknown[]) => unknown, self });
      return { [FUNCTION_KEY]: functions.length - 1 };
    }
    if (v === null || typeof v !== "object") return v;
    if (copies.has(v)) return copies.get(v);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      copies.set(v, out);
      for (let i = 0; i < v.length; i++) out.push(go(v[i], v, false));
      return out;
    }
    if (!deep && keptByClone(v)) return v;
    const out: Record<string, unknown> = {};
    copies.set(v, out);
    for (const key of deep ? keysWithClass(v) : Object.keys(v)) out[key] = go((v as Record<string, unknown>)[key], v, false);
    return out;
  };
  return go(value, undefined, inherited);
}

/**
 * What structured clone copies as the same kind of object: left to it (a String object stays one,
 * for the provider's check to name). Any other object is copied here by its own keys, as a plain
 * object: its data crosses, its class does not.
 */
function keptByClone(v: object): boolean {
  return (
    v instanceof String ||
    v instanceof Number ||
    v instanceof Boolean ||
    v instanceof Date ||
    v instanceof RegExp ||
    v instanceof Map ||
    v instanceof Set ||
    v instanceof Error ||
    v instanceof ArrayBuffer ||
    ArrayBuffer.isView(v)
  );
}

/** An object's own keys and its class's methods (not Object's). */
function keysWithClass(v: object): string[] {
  const keys = new Set(Object.keys(v));
  for (let p = Object.getPrototypeOf(v); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) if (k !== "constructor" && typeof (v as Record<string, unknown>)[k] === "function") keys.add(k);
  }
  return [...keys];
}

function thrown(e: unknown): Thrown {
  if (e instanceof Error) {
    const { code, path } = e as Error & { code?: unknown; path?: unknown };
    return {
      name: String(e.name),
      message: String(e.message),
      code: typeof code === "string" ? code : undefined,
      path: Array.isArray(path) ? path.filter((p) => typeof p === "string" || typeof p === "number") : undefined,
    };
  }
  return { name: "Error", message: String(e) };
}

function answer(a: Answer): void {
  try {
    port.postMessage(a);
  } catch (e) {
    port.postMessage({ seq: a.seq, notData: e instanceof Error ? e.message : String(e) });
  }
  Atomics.store(flag, ANSWERED, 1);
  Atomics.notify(flag, ANSWERED);
}

function valueOf(seq: number, produce: () => unknown, inherited = false): Answer {
  let out: unknown;
  try {
    out = produce();
  } catch (e) {
    return { seq, threw: thrown(e) };
  }
  try {
    return { seq, value: wire(out, inherited) };
  } catch (e) {
    return { seq, notData: e instanceof Error ? e.message : String(e) };
  }
}

port.on("message", (m: CallRequest) => {
  const entry = functions[m.fn];
  if (!entry) return answer({ seq: m.seq, threw: { name: "Error", message: `no function ${m.fn} in the module's thread` } });
  answer(valueOf(m.seq, () => entry.f.apply(entry.self, m.args)));
});

// the load is the first answer (seq 0): the module's `catalog` export, with its class's methods if it is one
function load(): Answer {
  let exported: { catalog?: unknown; default?: unknown } | undefined;
  try {
    exported = require(file);
  } catch (e) {
    return { seq: 0, loadFailed: (e instanceof Error ? e.message : String(e)).split("\n")[0] };
  }
  return valueOf(0, () => exported?.catalog ?? exported?.default, true);
}
answer(load());
