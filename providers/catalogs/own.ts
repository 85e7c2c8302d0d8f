// A product of the user's own: a catalog module of their Pulumi program (`catalogModule`), loaded in
// the provider process. That process is not the program's: a catalog registered in the program
// (registerCatalog) is not there. A path relative to the project's folder (projectDir.ts) finds the
// module, and keeps finding it when the folder moves; an absolute path would tie the state to one
// place, so it is refused.
import * as path from "path";
import type { Catalog } from "../engine/catalog";
import { projectDir } from "../projectDir";
import { builtInProducts, findCatalog, registerCatalog } from "./index";

export const CATALOG_MODULE_RULE =
  "give a JavaScript module of your Pulumi program, relative to its project folder (where Pulumi.yaml is; like ./catalogs/myProduct), or an installed package's name; it exports `catalog` (upchain's Catalog)";

const FUNCTIONS = ["legalHops", "requiredStops", "hopSteps", "restoreSteps"] as const;

/** What is wrong with a module's export as a catalog for `product`, all at once. */
export function catalogShapeProblems(c: any, product: string): string[] {
  if (typeof c !== "object" || c === null) return ["exports no `catalog` object"];
  const problems: string[] = [];
  if (c.product !== product) problems.push(`its catalog is for product ${JSON.stringify(c.product)}, not ${JSON.stringify(product)}`);
  if (typeof c.title !== "string") problems.push("catalog.title is not a string");
  for (const f of FUNCTIONS) if (typeof c[f] !== "function") problems.push(`catalog.${f} is not a function`);
  // optional: a product whose documents name no version source has none (versionCommand or current says it)
  if (c.probeVersion !== undefined && typeof c.probeVersion !== "function") problems.push("catalog.probeVersion is given but is not a function");
  for (const f of ["normalize", "compare"]) if (typeof c.scheme?.[f] !== "function") problems.push(`catalog.scheme.${f} is not a function`);
  if (!Array.isArray(c.platforms) || !c.platforms.every((p: unknown) => p === "linux" || p === "windows")) problems.push('catalog.platforms is not a list of "linux" and "windows"');
  if (!Array.isArray(c.defaultReleases) || !c.defaultReleases.every((r: unknown) => typeof r === "string")) problems.push("catalog.defaultReleases is not a list of versions");
  return problems;
}

/**
 * Load and register the catalog `spec` names for `product`, from the project folder `from`.
 * Returns the problem (field catalogModule) when it cannot; a built-in product cannot be replaced.
 */
export function loadCatalogModule(spec: unknown, product: string, from = projectDir()): string | undefined {
  if (typeof spec !== "string" || spec.trim() === "" || /[\0\r\n]/.test(spec)) return CATALOG_MODULE_RULE;
  if (path.isAbsolute(spec)) return `${JSON.stringify(spec)} is an absolute path, which ties the state to this directory: ${CATALOG_MODULE_RULE}`;
  if (builtInProducts().includes(product)) return `${product} is one of upchain's own products; a catalog module is for a product of your own, under another name`;
  let file: string;
  try {
    file = require.resolve(spec, { paths: [from] });
  } catch {
    return `${JSON.stringify(spec)} is not found from the project folder ${from}: ${CATALOG_MODULE_RULE}`;
  }
  let exported: any;
  try {
    exported = require(file);
  } catch (e) {
    return `${JSON.stringify(spec)} could not be loaded: ${(e as Error).message.split("\n")[0]}`;
  }
  const catalog = exported?.catalog ?? exported?.default;
  const problems = catalogShapeProblems(catalog, product);
  if (problems.length) return `${JSON.stringify(spec)}: ${problems.join("; ")}`;
  if (findCatalog(product) !== catalog) registerCatalog(catalog as Catalog);
  return undefined;
}
