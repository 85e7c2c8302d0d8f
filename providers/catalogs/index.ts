// The catalogs upchain knows. A user's own product comes from a catalog module of their program
// (own.ts registers it in the provider process); registerCatalog serves code running in one process.
import { UpchainError } from "../errors";
import { Catalog } from "../engine/catalog";
import { altazion } from "./altazion";
import { groupmax } from "./groupmax";
import { omflow } from "./omflow";
import { oracleAs } from "./oracleAs";

const builtIn = [omflow, groupmax, oracleAs, altazion];
const catalogs = new Map<string, Catalog>(builtIn.map((c) => [c.product, c]));

export function builtInProducts(): string[] {
  return builtIn.map((c) => c.product);
}

export function findCatalog(product: string): Catalog | undefined {
  return catalogs.get(product);
}

export function registerCatalog(catalog: Catalog): void {
  catalogs.set(catalog.product, catalog);
}

export function getCatalog(product: string): Catalog {
  const c = catalogs.get(product);
  if (!c) throw new UpchainError("UNKNOWN_PRODUCT", `product: no catalog for "${product}" (known: ${[...catalogs.keys()].join(", ")})`, ["product"]);
  return c;
}

export function productNames(): string[] {
  return [...catalogs.keys()];
}
