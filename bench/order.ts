// How a bench run is laid out: its options (with --quick, a short check), how many repetitions, the
// order of the contenders in each, and a cold page cache before each contender.
import { execFileSync } from "child_process";
import * as fs from "fs";

export interface BenchOptions {
  sizes: number[];
  previewSizes: number[];
  /** sizes where upchain alone runs `up`, once (a fleet too large to run every contender at, repeatedly, in one bench) */
  upchainOnly: number[];
  /** sizes where the bench's own one-hop product runs up (bench/ownProduct.ts): its memory at a size the OMFLOW hosts cannot reach */
  upOwn: number[];
  /** undefined: one per contender, so every rotation of the order runs once (at least 3) */
  reps?: number;
  out?: string;
  quick: boolean;
  /** --warm-cache: keep the page cache between contenders (to see what the cold start costs each) */
  warmCache: boolean;
}

const list = (s: string) =>
  s === "none"
    ? []
    : s
        .split(",")
        .map(Number)
        .filter((n) => n > 0);

/**
 * `--sizes 1,5,20 --reps R --preview 20,100,500|none --upchain-only 100|none --out DIR`; `--quick`
 * changes the defaults to sizes 1,5, one repetition, preview 20, no upchain-only size (a check that
 * the whole bench works, in a few minutes; its figures prove nothing). An explicit option wins over
 * --quick's default.
 */
export function parseArgs(argv: string[]): BenchOptions {
  const quick = argv.includes("--quick");
  const arg = (name: string, dflt: string | undefined) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] && !argv[i + 1].startsWith("--") ? argv[i + 1] : dflt;
  };
  const reps = arg("reps", quick ? "1" : undefined);
  if (reps !== undefined && !(Number(reps) >= 1 && Number.isInteger(Number(reps))))
    throw new Error(`--reps ${reps}: give a whole number of repetitions, 1 or more`);
  return {
    sizes: list(arg("sizes", quick ? "1,5" : "1,5,20")!),
    previewSizes: list(arg("preview", quick ? "20" : "20,100,500")!),
    upchainOnly: list(arg("upchain-only", quick ? "none" : "100")!),
    upOwn: list(arg("up-own", quick ? "5" : "500")!),
    reps: reps === undefined ? undefined : Number(reps),
    out: arg("out", undefined),
    quick,
    warmCache: argv.includes("--warm-cache"),
  };
}

/** One repetition per contender, at least 3: then each contender runs once in each position. */
export const defaultReps = (contenders: number) => Math.max(3, contenders);

/**
 * The order in repetition rep: the list rotated by rep, so over as many repetitions as contenders each
 * runs once in each position (first on a fresh machine, last after all the others). A contender still
 * follows the same one within a repetition; the host reset and the cold cache between them are what
 * keep one from warming the next.
 */
export function rotation<T>(list: readonly T[], rep: number): T[] {
  const k = ((rep % list.length) + list.length) % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/**
 * Write dirty pages out and drop the page cache, so each contender starts cold (its binaries, the
 * patch archives and the hosts' files are read from disk by each one alike). Says why not, if it cannot.
 */
export function dropCaches(file = "/proc/sys/vm/drop_caches"): string | undefined {
  try {
    execFileSync("sync");
    fs.writeFileSync(file, "3\n");
    return undefined;
  } catch (e) {
    return `could not drop the page cache (${(e as Error).message.split("\n")[0]}): contenders may start with a warm cache`;
  }
}
