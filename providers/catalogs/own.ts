// A product of the user's own: a catalog module of their Pulumi program (`catalogModule`), loaded in
// a worker thread of the provider process (ownThread.ts). That process is not the program's: a catalog registered in the program
// (registerCatalog) is not there. A path relative to the project's folder (projectDir.ts) finds the
// module, and keeps finding it when the folder moves; an absolute path would tie the state to one
// place, so it is refused.
import * as path from "path";
import type { Catalog } from "../engine/planning/catalog";
import { isUpchainError } from "../errors";
import { projectDir } from "../projectDir";
import { builtInProducts, registerCatalog } from "./index";
import { guardedCatalog } from "./ownGuard";
import { CALL_SECONDS, Loaded, ModuleThread } from "./ownThread";

export const CATALOG_MODULE_RULE =
  "give a JavaScript module of your Pulumi program, relative to its project folder (where Pulumi.yaml is; like ./catalogs/myProduct), or an installed package's name; it exports `catalog` (upchain's Catalog)";

/** How long a catalog module may take to load: preview plans every server at once, and must not hang on one. */
export const LOAD_SECONDS = 10;

/** The time limits of a catalog module: its load, and each call into it. */
export interface ModuleLimits {
  loadSeconds: number;
  callSeconds: number;
}

/** The module file each product of one's own was registered from: one product, one module. */
const registeredFrom = new Map<string, string>();
/** Each module file's catalog export as loaded in its thread (or why it did not load): each is loaded once. */
const loaded = new Map<string, Loaded>();

const FUNCTIONS = ["legalHops", "requiredStops", "hopSteps", "restoreSteps"] as const;

/** What is wrong with a module's export as a catalog for `product`, all at once. */
export function catalogShapeProblems(exported: unknown, product: string): string[] {
  if (typeof exported !== "object" || exported === null) return ["exports no `catalog` object"];
  // read field by field below: each is checked before it is trusted
  const c = exported as Record<string, unknown>;
  const scheme = c.scheme as Record<string, unknown> | null | undefined;
  const problems: string[] = [];
  if (c.product !== product) problems.push(`its catalog is for product ${JSON.stringify(c.product)}, not ${JSON.stringify(product)}`);
  if (typeof c.title !== "string") problems.push("catalog.title is not a string");
  for (const f of FUNCTIONS) if (typeof c[f] !== "function") problems.push(`catalog.${f} is not a function`);
  // optional: a product whose documents name no version source has none (versionCommand or current says it)
  if (c.probeVersion !== undefined && typeof c.probeVersion !== "function") problems.push("catalog.probeVersion is given but is not a function");
  for (const f of ["normalize", "compare"]) if (typeof scheme?.[f] !== "function") problems.push(`catalog.scheme.${f} is not a function`);
  // shown in every message about a version: text, not an object that prints as text
  if (typeof scheme?.describe !== "string") problems.push("catalog.scheme.describe is not a string");
  if (!Array.isArray(c.platforms) || !c.platforms.every((p: unknown) => p === "linux" || p === "windows"))
    problems.push('catalog.platforms is not a list of "linux" and "windows"');
  if (!Array.isArray(c.defaultReleases) || !c.defaultReleases.every((r: unknown) => typeof r === "string"))
    problems.push("catalog.defaultReleases is not a list of versions");
  return problems;
}

/**
 * Load and register the catalog `spec` names for `product`, from the project folder `from`.
 * Returns the problem (field catalogModule) when it cannot; a built-in product cannot be replaced.
 */
export function loadCatalogModule(
  spec: unknown,
  product: string,
  from = projectDir(),
  limits: ModuleLimits = { loadSeconds: LOAD_SECONDS, callSeconds: CALL_SECONDS },
): string | undefined {
  if (typeof spec !== "string" || spec.trim() === "" || /[\0\r\n]/.test(spec)) return CATALOG_MODULE_RULE;
  if (path.isAbsolute(spec)) return `${JSON.stringify(spec)} is an absolute path, which ties the state to this directory: ${CATALOG_MODULE_RULE}`;
  if (builtInProducts().includes(product))
    return `${product} is one of upchain's own products; a catalog module is for a product of your own, under another name`;
  let file: string;
  try {
    file = require.resolve(spec, { paths: [from] });
  } catch {
    return `${JSON.stringify(spec)} is not found from the project folder ${from}: ${CATALOG_MODULE_RULE}`;
  }
  // loaded in a thread of its own, never in this one: a loop in the module (at load, or in any of
  // its functions later) then stops at its time limit instead of freezing preview (ownThread.ts)
  let l = loaded.get(file);
  if (!l) {
    l = new ModuleThread(spec, product, file, limits.callSeconds).load(limits.loadSeconds);
    loaded.set(file, l);
  }
  if ("problem" in l) return l.problem;
  const catalog = l.exported;
  const problems = catalogShapeProblems(catalog, product);
  if (problems.length) return `${JSON.stringify(spec)}: ${problems.join("; ")}`;
  const earlier = registeredFrom.get(product);
  if (earlier !== undefined && earlier !== file) {
    return `${JSON.stringify(spec)} (${file}) gives product ${product}, which the catalog module ${earlier} already gives: two modules cannot be one product (the last loaded would win). Give each product its own name, or point every server of ${product} to one module`;
  }
  if (earlier === undefined) {
    // its functions called through its thread, their answers copied and checked (ownGuard.ts)
    let guarded: Catalog;
    try {
      guarded = guardedCatalog(catalog as Catalog);
    } catch (e) {
      // data the catalog holds (its cluster's rule) is checked here, once: the message is the caller's to place under catalogModule
      if (isUpchainError(e, "INVALID_INPUT")) return `${JSON.stringify(spec)}: ${e.message.replace(/^catalogModule: /, "")}`;
      throw e;
    }
    registerCatalog(guarded);
    registeredFrom.set(product, file);
  }
  return undefined;
}
