// What crosses between the provider and the worker thread a catalog module of one's own runs in
// (ownThread.ts, ownWorker.ts). Only structured-clone data crosses; a function of the module stays in
// the worker and crosses as a marker holding its number there, which the provider turns back into
// a function that calls it through the worker.

/** The key of a marker that stands for a function of the module. */
export const FUNCTION_KEY = "__upchainModuleFunction";

/** Past this many values one answer of a module is not data a plan needs (a cycle is copied once). */
export const MAX_VALUES = 200_000;

/** The provider asks the worker to call function `fn` with `args`; `seq` matches the answer. */
export interface CallRequest {
  seq: number;
  fn: number;
  args: unknown[];
}

/** What the module threw, as data. */
export interface Thrown {
  name: string;
  message: string;
  code?: unknown;
  path?: unknown;
}

/**
 * The worker's answer: the value (functions as markers), what the module threw, an answer that is not
 * data structured clone can copy, or (for the load, seq 0) the module failing to load.
 */
export type Answer = { seq: number } & ({ value: unknown } | { threw: Thrown } | { notData: string } | { loadFailed: string });

/** Shared between the two threads: slot 0 turns 1 when an answer has been posted. */
export const ANSWERED = 0;
