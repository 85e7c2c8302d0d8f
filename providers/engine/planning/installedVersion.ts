// Where a server's installed version comes from, in order: the vendor's documented source (the
// catalog's probeVersion), else the site's read-only versionCommand, else the version the resource's
// state tracks (after a run: the version it reached), else the version the stack declares the server
// runs today (`current`, trusted on first adoption). No source at all is refused at preview. Pure:
// the reading on the host is in providers/server/installed.ts.
import { Catalog, PlanContext, VersionProbe, platformShell } from "./catalog";
import { withArticle } from "../../article";
import type { Plan } from "./planner";

/** The server-level stack fields that say what the document does not, and what the state remembers. */
export interface VersionSources {
  /** The site's read-only command that prints the installed version, run as root in the platform's shell. */
  versionCommand?: string;
  /** The version the stack declares the server runs today. */
  current?: string;
  /** The version the resource's state holds from its last run or refresh. */
  tracked?: string;
}

export type VersionSource =
  | { kind: "document"; probe: VersionProbe }
  | { kind: "site"; probe: VersionProbe }
  | { kind: "tracked"; version: string }
  | { kind: "declared"; version: string };

/** The first source in the order that this server has; undefined when it has none. */
export function versionSource(catalog: Catalog, ctx: PlanContext, sources: VersionSources): VersionSource | undefined {
  if (catalog.probeVersion) return { kind: "document", probe: catalog.probeVersion(ctx) };
  if (sources.versionCommand) return { kind: "site", probe: { shell: platformShell(ctx.platform), command: sources.versionCommand } };
  const tracked = sources.tracked === undefined ? undefined : catalog.scheme.normalize(sources.tracked);
  if (tracked) return { kind: "tracked", version: tracked };
  const current = sources.current === undefined ? undefined : catalog.scheme.normalize(sources.current);
  if (current) return { kind: "declared", version: current };
  return undefined;
}

/** True when the version is read on the host (a documented source or the site's command), not taken from the stack or the state. */
export const readsTheHost = (source: VersionSource | undefined): source is Extract<VersionSource, { probe: VersionProbe }> =>
  source?.kind === "document" || source?.kind === "site";

/** Why a server cannot say what it runs: both fields named, and what each is. */
export function noVersionSourceProblem(catalog: Catalog): { path: string; message: string } {
  return {
    path: "versionCommand",
    message:
      `no documented way to read the installed ${catalog.title} version: give versionCommand (the site's read-only command that prints it, ` +
      `run as root in the platform's shell) or current (the version the server runs today, trusted on first adoption and then tracked in the state)`,
  };
}

/** A declared `current` that is not a version of the product's scheme. */
export function currentProblems(catalog: Catalog, current: string | undefined): { path: string; message: string }[] {
  if (current === undefined || catalog.scheme.normalize(current) !== undefined) return [];
  const shown = current.length > 40 || /[^\x20-\x7e]/.test(current) ? "the value given" : JSON.stringify(current);
  return [{ path: "current", message: `${shown} is not ${withArticle(catalog.title)} version (${catalog.scheme.describe})` }];
}

// a version is short; anything longer is not one, whatever it says
const MAX_VERSION_OUTPUT = 64;

/**
 * The version in what the site's command printed, or why it is not one. The output is data: the
 * reasons describe it (empty, too long, several lines, not printable, not a version) and never quote it.
 */
export function readSiteVersion(catalog: Catalog, printed: string): { version: string } | { problem: string } {
  const text = printed.trim();
  const want = `print the installed version alone, as ${withArticle(catalog.title)} version (${catalog.scheme.describe})`;
  if (!text) return { problem: `printed nothing; it must ${want}` };
  if (text.length > MAX_VERSION_OUTPUT) return { problem: `printed ${text.length} characters, more than a version has; it must ${want}` };
  if (/[\r\n]/.test(text)) return { problem: `printed several lines; it must ${want}` };
  if (/[^\x20-\x7e]/.test(text)) return { problem: `printed characters that are not printable text; it must ${want}` };
  const version = catalog.scheme.normalize(text);
  if (!version) return { problem: `printed text that is not ${withArticle(catalog.title)} version (not shown: the output is data); it must ${want}` };
  return { version };
}

/** Preview's plain word that the version is the stack's or the state's, not read; and a `current` the state overrules. */
export function trustingNote(host: string, source: VersionSource, current?: string): string | undefined {
  if (source.kind === "declared") return `trusting the stack: ${host} runs ${source.version} (no documented way to read it; give versionCommand to read it)`;
  if (source.kind !== "tracked") return undefined;
  const note = `from the state: ${host} runs ${source.version}, the version upchain's last run reached (no documented way to read it; give versionCommand to read it)`;
  return current !== undefined && current.trim() !== source.version
    ? `${note}; current (${current.trim()}) is trusted on first adoption only: if the server was changed by hand since, give versionCommand`
    : note;
}

/**
 * The version a run left the server at, from its journal: the plan's target when it finished, else
 * the end of the last hop all of whose steps ran (a failed hop is restored to its start), else where
 * the plan started. The journal is given by its two fields (a Journal's, running/journal.ts) so that
 * planning reads nothing of the running half.
 */
export function versionReached(plan: Pick<Plan, "from" | "to" | "hops" | "steps">, journal: { status: string; next: number } | undefined): string {
  if (!journal) return plan.from;
  if (journal.status === "done") return plan.to;
  let reached = plan.from;
  for (const hop of plan.hops) {
    const key = `${hop.from}->${hop.to}`;
    const last = plan.steps.map((s) => s.hop).lastIndexOf(key);
    if (last < 0 || last >= journal.next) break;
    reached = hop.to;
  }
  return reached;
}
