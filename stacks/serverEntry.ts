// The checks of a server's entry that need its product's catalog but no host: its version and its
// options. They run with the stack's own checks, so that a misspelt server key and a misspelt
// option are both reported by the first preview, each named as the stack file has it.
import { builtInProducts, findCatalog } from "../providers/catalogs";
import type { Catalog } from "../providers/engine/planning/catalog";
import { currentProblems } from "../providers/engine/planning/installedVersion";
import { planInputProblems } from "../providers/engine/planning/planner";
import { isUpchainError } from "../providers/errors";
import { userField } from "../providers/server/fields";
import { targetProblems } from "../providers/server/target";
import { ConfigIssue, configField } from "./issues";
import { nearestKey } from "./suggest";

type Entry = Record<string, unknown>;

/**
 * The product the entry most likely means, also under a misspelt key ("prodcut: omflow") or
 * misspelt itself ("omflwo"): the schema refuses those, and the options are still worth checking.
 */
function productOf(entry: Entry): string | undefined {
  const misspeltKey = Object.keys(entry).find((k) => k !== "product" && nearestKey(k, ["product"]) === "product");
  const named = typeof entry.product === "string" ? entry.product : misspeltKey && entry[misspeltKey];
  return typeof named === "string" ? (findCatalog(named) ? named : nearestKey(named, builtInProducts())) : undefined;
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined);
const isEntry = (v: unknown): v is Entry => typeof v === "object" && v !== null && !Array.isArray(v);

/** An Altazion Office server's modules as its component hands them to the catalog (components/altazionServer.ts). */
function altazionModules(entry: Entry): Entry[] | undefined {
  if (!Array.isArray(entry.modules) || !entry.modules.every(isEntry)) return undefined;
  return entry.modules.map((m) => ({ name: m.name, target: m.version, folder: m.folder, ...(m.pools ? { pools: m.pools } : {}) }));
}

/**
 * versionCommand and current are for a product whose documents name no version source; one that
 * names it is read as its document says, so the keys would be ignored. (No catalog names one today:
 * 003's status.xml holds only what the service detected, 004 names no version file.)
 */
function versionSourceIssues(catalog: Catalog, entry: Entry, i: number): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of ["versionCommand", "current"] as const) {
    if (entry[key] !== undefined && catalog.probeVersion) {
      issues.push({
        path: ["servers", i, key],
        message: `${catalog.title} reads its installed version as its document says; ${key} is only for a product whose documents name no way to read it (omflow, groupmax, oracle-as, altazion-office): remove it`,
      });
    }
  }
  if (!catalog.probeVersion && typeof entry.current === "string") {
    for (const p of currentProblems(catalog, entry.current)) issues.push({ path: ["servers", i, "current"], message: p.message });
  }
  return issues;
}

/**
 * The problems of server `i`'s version and options (none when its product is unknown: the schema
 * says so); `serversFile`: the entry is in that file (upchain:serversFile), its options named there.
 */
export function serverEntryProblems(entry: unknown, i: number, serversFile?: string): ConfigIssue[] {
  if (!isEntry(entry)) return [];
  const product = productOf(entry);
  const catalog = product === undefined ? undefined : findCatalog(product);
  if (!catalog) return [];
  const at = ["servers", i] as const;
  const names = {
    options: configField([...at, "options"], serversFile),
    "options.modules": configField([...at, "modules"], serversFile),
    target: configField([...at, "version"], serversFile),
  };
  const releases = strings(entry.releases);
  const issues: ConfigIssue[] = [];
  const altazion = product === "altazion-office";
  if (!altazion && typeof entry.version === "string" && entry.version) {
    for (const p of targetProblems(catalog, entry.version, releases))
      issues.push({ path: [...at, "version"], message: p.reason.replace(/^INVALID_INPUT: /, "") });
  }
  issues.push(...versionSourceIssues(catalog, entry, i));
  const own = entry.options === undefined ? {} : isEntry(entry.options) ? entry.options : undefined;
  const modules = altazion ? altazionModules(entry) : undefined;
  // options that are not a mapping, or modules of the wrong shape, are the schema's to refuse
  if (!own || (altazion && !modules)) return issues;
  try {
    const options = altazion ? { ...own, modules } : own;
    const platform = entry.platform === "windows" ? "windows" : "linux";
    for (const p of planInputProblems(catalog, [], { platform, releases, options })) {
      issues.push({ path: [...at, "options"], field: userField(p.path, names), message: p.message });
    }
  } catch (e) {
    // a release list the catalog cannot read: the schema or the provider names it
    if (!isUpchainError(e)) throw e;
  }
  return issues;
}
