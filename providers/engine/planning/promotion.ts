// Environments promoted in order: a server may go to a version only once the environment it is
// promoted from (its previous stack: prod from staging) runs that version successfully for the same
// product. Pure policy: what the previous stack runs comes in as data (read by the program with
// Pulumi's StackReference from that stack's `proven` output), and the verdict is a message or nothing.
import type { VersionScheme } from "./version";

/** What a server's stack knows of the environment it is promoted from. */
export interface PromotionGate {
  /** The stack the versions are promoted from, as the configuration names it. */
  from: string;
  /** The versions of this product that stack runs successfully (each on at least one server). */
  proven: string[];
  /** An emergency override: the reason the target goes without that proof. Shown in preview and kept in the state. */
  override?: string;
  /** The server's (or cluster's) name, as an override names it. */
  server?: string;
}

/**
 * Whether a reason says anything: a letter, a digit, a punctuation mark or a symbol. Spaces, tabs and
 * invisible characters (U+200B, a no-break space) are not a reason, though trim() keeps some of them.
 */
export function hasVisibleText(text: string): boolean {
  return /[\p{L}\p{N}\p{P}\p{S}]/u.test(text);
}

/** The rule an override's reason is held to, for the refusals. */
export const VISIBLE_REASON = "in visible text (letters or digits: spaces, tabs and invisible characters are no reason)";

/** What each stack publishes for the next environment: per product, per version, the servers that run it successfully. */
export type Proven = Record<string, Record<string, string[]>>;

type ModuleScheme = VersionScheme & { parse(v: string): [string, string][] };
const isModuleSet = (s: VersionScheme): s is ModuleScheme => typeof (s as Partial<ModuleScheme>).parse === "function";

/** A version as comparable parts: the whole version, or each module=version of a module set. */
function parts(scheme: VersionScheme, version: string): string[] {
  const n = scheme.normalize(version) ?? version;
  return isModuleSet(scheme) ? scheme.parse(n).map(([m, v]) => `${m}=${v}`) : [n];
}

/**
 * Why `target` may not go to this server yet, or undefined when the previous environment runs it (for
 * a module set: each of its modules at its version, on any of that environment's servers). An
 * override lets it through; the caller shows the override instead.
 */
export function promotionProblem(scheme: VersionScheme, product: string, target: string, gate: PromotionGate): string | undefined {
  if (gate.override && hasVisibleText(gate.override)) return undefined;
  const proven = new Set(gate.proven.flatMap((v) => parts(scheme, v)));
  const missing = parts(scheme, target).filter((p) => !proven.has(p));
  if (!missing.length) return undefined;
  const runs = gate.proven.length ? `it runs ${gate.proven.map((v) => scheme.normalize(v) ?? v).join(", ")}` : `it runs no ${product} server successfully`;
  return (
    `${missing.join(", ")} is not yet run successfully by the stack it is promoted from (${gate.from}) for ${product}: ${runs}. ` +
    `Promote it there first, or, in an emergency, let it go first with the reason: ${overrideAdvice(gate.server)}`
  );
}

/**
 * How to set an override, as a command that works as written: the stack's key is
 * upchain:promotion.overrides, a mapping of server names to reasons (a program of one's own gives
 * Promotion's `overrides` instead). A name with a dot is quoted, or --path would read it as two keys.
 */
function overrideAdvice(server: string | undefined): string {
  const name = server ?? "<server>";
  const at = /^[A-Za-z0-9_-]+$/.test(name) ? `.${name}` : `["${name}"]`;
  return `pulumi config set --path 'upchain:promotion.overrides${at}' '<why it cannot wait>' (in a program of your own: Promotion's overrides)`;
}

/** Adds a server's successful run to what its stack publishes as `proven`. */
export function addProven(into: Proven, product: string, installedVersion: string | undefined, server: string, ok: boolean): Proven {
  if (!ok || !installedVersion) return into;
  const versions = (into[product] ??= {});
  (versions[installedVersion] ??= []).push(server);
  return into;
}
