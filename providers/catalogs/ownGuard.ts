// A catalog of one's own is the user's code, run in the provider process: what it returns is taken
// as plain data, copied and checked, never as objects. A command that is an object with its own
// toString() would show as {} in preview, in the plan's digest and in the state, and run something
// else once joined into a script; a getter could answer preview one way and the run another. So each
// hop, stop, step and command the planner and the executor use is a copy made of strings, numbers,
// booleans, arrays and plain objects, taken once; anything else is refused, naming where it is.
import { UpchainError } from "../errors";
import type { Catalog, FileSet, HostCheck, HostOffer, Hop, PlanContext, Rule, Step, VersionProbe } from "../engine/planning/catalog";
import type { FromDocument } from "../engine/planning/provenance";

/** Past this many values one answer of a catalog is not data a plan needs (and a cycle never ends). */
const MAX_VALUES = 200_000;

class NotPlain extends Error {}

/**
 * A deep copy of `value` made only of primitives (strings, finite numbers, booleans, null), arrays
 * and plain objects; throws NotPlain naming the first part that is something else.
 */
export function plainCopy(value: unknown, at: string): unknown {
  let count = 0;
  const seen = new Set<object>();
  const copy = (v: unknown, where: string): unknown => {
    if (++count > MAX_VALUES) throw new NotPlain(`${at} holds more than ${MAX_VALUES} values`);
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (v === undefined) return undefined;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new NotPlain(`${where} is ${v}, not a finite number`);
      return v;
    }
    if (typeof v !== "object") throw new NotPlain(`${where} is a ${typeof v}, not data`);
    if (seen.has(v)) throw new NotPlain(`${where} refers back to itself`);
    seen.add(v);
    try {
      if (Array.isArray(v)) return Array.from({ length: v.length }, (_, i) => copy(v[i], `${where}[${i}]`));
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new NotPlain(`${where} is ${describe(v)}, not a plain object`);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        const x = copy((v as Record<string, unknown>)[key], `${where}.${key}`);
        if (x !== undefined) out[key] = x;
      }
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return copy(value, at);
}

function describe(v: object): string {
  if (Object.getPrototypeOf(v) === Object.prototype) return "an object";
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name ? `a ${name} object` : "an object with a prototype of its own";
}

const SHELLS = ["sh", "powershell"];

/** What a step must hold, beyond being data: its commands strings, its names strings. */
function stepProblem(s: Record<string, unknown>): string | undefined {
  if (typeof s.id !== "string" || typeof s.title !== "string") return "has no string id and title";
  if (!SHELLS.includes(s.shell as string)) return 'has a shell other than "sh" or "powershell"';
  if (!Array.isArray(s.commands) || !s.commands.every((c) => typeof c === "string")) return "has commands that are not a list of strings";
  return undefined;
}

function refused(product: string, what: string, why: string): UpchainError {
  return new UpchainError(
    "INVALID_INPUT",
    `catalogModule: the catalog of ${product} returned from ${what} something that is not plain data: ${why}. A catalog gives commands as strings and ` +
      `steps, hops and rules as plain objects (an object's own toString() could run something other than what preview shows); fix the module`,
    ["catalogModule"],
  );
}

/** A function of the catalog whose answer is used as a plain copy, checked by `check`. */
function asData<A extends unknown[], R>(
  product: string,
  name: string,
  f: (...args: A) => R,
  check: (r: unknown, at: string) => string | undefined = () => undefined,
): (...args: A) => R {
  return (...args: A) => {
    let out: unknown;
    try {
      out = plainCopy(f(...args), `${name}()`);
    } catch (e) {
      if (e instanceof NotPlain) throw refused(product, `${name}()`, e.message);
      throw e;
    }
    const problem = check(out, `${name}()`);
    if (problem) throw refused(product, `${name}()`, problem);
    return out as R;
  };
}

const listOf = (each: (x: Record<string, unknown>, at: string) => string | undefined) => (r: unknown, at: string) => {
  if (!Array.isArray(r)) return `${at} is not a list`;
  for (const [i, x] of r.entries()) {
    const problem = x && typeof x === "object" ? each(x as Record<string, unknown>, `${at}[${i}]`) : `${at}[${i}] is not an object`;
    if (problem) return problem;
  }
  return undefined;
};
const steps = listOf((s, at) => {
  const p = stepProblem(s);
  return p && `${at} ${p}`;
});
const hops = listOf((h, at) => (typeof h.from === "string" && typeof h.to === "string" ? undefined : `${at} has no string from and to`));

/** A command with a function beside it (a probe's read, a check's judge): the command copied as a string, the function kept. */
function commandOf<T extends { shell: unknown; command: unknown }>(product: string, what: string, x: T): T {
  if (!x || typeof x !== "object") throw refused(product, what, `${what} is not an object`);
  // each read once: a getter must not answer the check one way and the run another
  const { shell, command } = x;
  if (!SHELLS.includes(shell as string)) throw refused(product, what, `${what}.shell is not "sh" or "powershell"`);
  if (typeof command !== "string")
    throw refused(product, what, `${what}.command is ${command && typeof command === "object" ? describe(command) : `a ${typeof command}`}, not a string`);
  return { ...x, shell, command };
}

/** `c` as upchain uses it: the parts that make plans and commands answer only with checked plain data. */
export function guardedCatalog(c: Catalog): Catalog {
  const p = c.product;
  const probe = c.probeVersion;
  const checks = c.hostChecks;
  return {
    ...c,
    legalHops: asData(p, "legalHops", (from: string, ctx: PlanContext) => c.legalHops(from, ctx), hops),
    requiredStops: asData(
      p,
      "requiredStops",
      (from: string, to: string, ctx: PlanContext) => c.requiredStops(from, to, ctx),
      listOf((s, at) => (typeof s.version === "string" ? undefined : `${at} has no string version`)),
    ),
    hopSteps: asData(p, "hopSteps", (hop: Hop, ctx: PlanContext, chain?: Parameters<Catalog["hopSteps"]>[2]) => c.hopSteps(hop, ctx, chain), steps) as (
      hop: Hop,
      ctx: PlanContext,
    ) => Step[],
    restoreSteps: asData(p, "restoreSteps", (hop: Hop, ctx: PlanContext) => c.restoreSteps(hop, ctx), steps),
    ...(c.recoverSteps ? { recoverSteps: asData(p, "recoverSteps", (hop: Hop, ctx: PlanContext) => c.recoverSteps!(hop, ctx), steps) } : {}),
    ...(c.describeHop
      ? {
          describeHop: asData(
            p,
            "describeHop",
            (hop: Hop) => c.describeHop!(hop),
            (r, at) => (typeof r === "string" ? undefined : `${at} is not a string`),
          ),
        }
      : {}),
    ...(probe ? { probeVersion: (ctx: PlanContext): VersionProbe => commandOf(p, "probeVersion()", probe.call(c, ctx)) } : {}),
    ...(checks ? { hostChecks: (h: Hop[], ctx: PlanContext): HostCheck[] => checks.call(c, h, ctx).map((x, i) => commandOf(p, `hostChecks()[${i}]`, x)) } : {}),
    ...(c.offers ? { offers: (ctx: PlanContext): HostOffer => commandOf(p, "offers()", c.offers!.call(c, ctx)) } : {}),
    ...(c.fileSets ? { fileSets: Object.fromEntries(Object.entries(c.fileSets).map(([name, set]) => [name, guardedFileSet(p, name, set)])) } : {}),
    ...(c.cluster ? { cluster: guardedCluster(p, c.cluster) } : {}),
    scheme: guardedScheme(p, c.scheme),
  };
}

/** Past this many answers a scheme's memory starts again (a plan uses a few thousand versions). */
const SCHEME_MEMORY = 100_000;

/**
 * A version scheme whose answers are checked (a version is a string, an order a finite number) and
 * taken once per question: a version shown in preview is the one the run uses, and a plan over
 * thousands of releases asks a module's thread (ownThread.ts) each question only once.
 */
function guardedScheme(product: string, scheme: Catalog["scheme"]): Catalog["scheme"] {
  const { normalize, compare } = scheme;
  const normalized = new Map<string, string | undefined>();
  const compared = new Map<string, number>();
  const remember = <V>(m: Map<string, V>, k: string, v: V): V => {
    if (m.size >= SCHEME_MEMORY) m.clear();
    m.set(k, v);
    return v;
  };
  return {
    describe: scheme.describe,
    normalize: (text: string) => {
      if (normalized.has(text)) return normalized.get(text);
      const v: unknown = normalize.call(scheme, text);
      if (v !== undefined && typeof v !== "string")
        throw refused(
          product,
          "scheme.normalize()",
          `scheme.normalize() gave ${v && typeof v === "object" ? describe(v) : `a ${typeof v}`}, not a version string (or undefined)`,
        );
      return remember(normalized, text, v);
    },
    compare: (a: string, b: string) => {
      const key = `${a}\n${b}`;
      const known = compared.get(key);
      if (known !== undefined) return known;
      const n: unknown = compare.call(scheme, a, b);
      if (typeof n !== "number" || !Number.isFinite(n))
        throw refused(product, "scheme.compare()", `scheme.compare() gave ${typeof n === "number" ? n : `a ${typeof n}`}, not a finite number`);
      return remember(compared, key, n);
    },
  };
}

type Cluster = NonNullable<Catalog["cluster"]>;

const strings = (r: unknown) => Array.isArray(r) && r.every((x) => typeof x === "string");
const isRule = (r: unknown) => {
  const x = r as Record<string, unknown> | null;
  return !!x && typeof x === "object" && typeof x.id === "string" && typeof x.text === "string" && typeof x.source === "string";
};

/**
 * A cluster's rule, options and provenance copied once, here (the rollout shows them and the pool
 * steps cite them); its policy's answer copied at each call: pool names are joined into the load
 * balancer's commands, so each must be a string, not an object that prints as one.
 */
function guardedCluster(product: string, cluster: Cluster): Cluster {
  const data = (value: unknown, what: string, check: (r: unknown) => string | undefined = () => undefined): unknown => {
    let out: unknown;
    try {
      out = plainCopy(value, what);
    } catch (e) {
      if (e instanceof NotPlain) throw refused(product, what, e.message);
      throw e;
    }
    const problem = check(out);
    if (problem) throw refused(product, what, problem);
    return out;
  };
  const { policy, oldReleaseStoppedAfter, rule, memberOptions, provenance, oldReleaseOnlyProvenance } = cluster;
  if (typeof policy !== "function") throw refused(product, "cluster.policy", "cluster.policy is not a function");
  const docOrNone = (r: unknown) =>
    r === undefined || (r && typeof r === "object" && (r as { kind?: unknown }).kind === "document") ? undefined : "is not a document's provenance";
  return {
    policy: asData(
      product,
      "cluster.policy",
      (source: string | undefined) => policy.call(cluster, source),
      (r, at) => {
        const x = r as Record<string, unknown> | null;
        if (!x || typeof x !== "object") return `${at} is not an object`;
        if (typeof x.traffic !== "string") return `${at}.traffic is not a string (the name of the pool that serves traffic)`;
        return strings(x.oldReleaseOnly) ? undefined : `${at}.oldReleaseOnly is not a list of pool names`;
      },
    ),
    oldReleaseStoppedAfter: data(oldReleaseStoppedAfter, "cluster.oldReleaseStoppedAfter", (r) =>
      typeof r === "string" ? undefined : "cluster.oldReleaseStoppedAfter is not a step id",
    ) as string,
    rule: data(rule, "cluster.rule", (r) => (isRule(r) ? undefined : "cluster.rule has no string id, text and source")) as Rule,
    memberOptions: data(memberOptions, "cluster.memberOptions", (r) =>
      r && typeof r === "object" && !Array.isArray(r) ? undefined : "cluster.memberOptions is not an object",
    ) as Record<string, unknown>,
    ...(provenance !== undefined
      ? { provenance: data(provenance, "cluster.provenance", (r) => docOrNone(r) && `cluster.provenance ${docOrNone(r)}`) as FromDocument }
      : {}),
    ...(oldReleaseOnlyProvenance !== undefined
      ? {
          oldReleaseOnlyProvenance: data(
            oldReleaseOnlyProvenance,
            "cluster.oldReleaseOnlyProvenance",
            (r) => docOrNone(r) && `cluster.oldReleaseOnlyProvenance ${docOrNone(r)}`,
          ) as FromDocument,
        }
      : {}),
  };
}

/** A file set's folder is a string and its product check a command copied as strings, read once each time. */
function guardedFileSet(product: string, name: string, set: FileSet): FileSet {
  const where = `fileSets.${name}`;
  const text = (v: unknown, what: string): string => {
    if (typeof v !== "string") throw refused(product, what, `${what} is ${v && typeof v === "object" ? describe(v) : `a ${typeof v}`}, not a string`);
    return v;
  };
  const check = set.productCheck;
  return {
    ...set,
    folder: (ctx: PlanContext) => text(set.folder(ctx), `${where}.folder()`),
    ...(check
      ? {
          productCheck: (ctx: PlanContext) => {
            const c = commandOf(product, `${where}.productCheck()`, check.call(set, ctx));
            return { shell: c.shell, command: c.command, problem: text(c.problem, `${where}.productCheck().problem`) };
          },
        }
      : {}),
  };
}
