// The catalogs upchain knows. A user adds their own product with registerCatalog.
import { UpchainError } from "../errors";
import { Catalog } from "../engine/catalog";
import { altazion } from "./altazion";
import { groupmax } from "./groupmax";
import { omflow } from "./omflow";
import { oracleAs } from "./oracleAs";

const catalogs = new Map<string, Catalog>([omflow, groupmax, oracleAs, altazion].map((c) => [c.product, c]));

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
