// The catalogs upchain knows. A user's own product comes from a catalog module of their program
// (own.ts registers it in the provider process); registerCatalog serves code running in one process.
// A built-in catalog is loaded when its product is first asked for: the provider process of a fleet
// of one product holds that product's catalog only (its rendered steps, option schemas and rules),
// not all four.
import { UpchainError } from "../errors";
import type { Catalog } from "../engine/planning/catalog";

const builtIn: readonly (readonly [string, () => Catalog])[] = [
  ["omflow", () => require("./omflow").omflow],
  ["groupmax", () => require("./groupmax").groupmax],
  ["oracle-as", () => require("./oracleAs").oracleAs],
  ["altazion-office", () => require("./altazion").altazion],
];
const loaders = new Map(builtIn);
/** The catalogs loaded so far and those registered (a registered one replaces a built-in of its name). */
const catalogs = new Map<string, Catalog>();

export function builtInProducts(): string[] {
  return builtIn.map(([product]) => product);
}

export function findCatalog(product: string): Catalog | undefined {
  const found = catalogs.get(product);
  if (found) return found;
  const load = loaders.get(product);
  if (!load) return undefined;
  const c = load();
  catalogs.set(product, c);
  return c;
}

export function registerCatalog(catalog: Catalog): void {
  catalogs.set(catalog.product, catalog);
}

export function getCatalog(product: string): Catalog {
  const c = findCatalog(product);
  if (!c) throw new UpchainError("UNKNOWN_PRODUCT", `product: no catalog for "${product}" (known: ${productNames().join(", ")})`, ["product"]);
  return c;
}

/** The built-in products in their order, then those registered. */
export function productNames(): string[] {
  return [...new Set([...builtInProducts(), ...catalogs.keys()])];
}
