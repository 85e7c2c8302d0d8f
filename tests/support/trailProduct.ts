// The product the executor's unit tests run: versions 1 to `last`, one legal hop from each to the
// next, no stops. Each test file gives its own steps; what a Catalog needs besides them is this,
// written once.
import type { Catalog } from "../../providers/engine/planning/catalog";
import { dottedNumbers } from "../../providers/engine/planning/version";

export const TRAIL_HOP_RULE = { id: "r", text: "r", source: "s" };

/** `product` names it (its journal and lock names follow), its title the same capitalised. */
export function trailProduct(
  last = 2,
  product = "trail",
): Pick<Catalog, "product" | "title" | "scheme" | "platforms" | "defaultReleases" | "legalHops" | "requiredStops"> {
  const releases = Array.from({ length: last }, (_, i) => String(i + 1));
  return {
    product,
    title: product[0].toUpperCase() + product.slice(1),
    scheme: dottedNumbers(1, "2"),
    platforms: ["linux"],
    defaultReleases: releases,
    legalHops: (from) => (releases.indexOf(from) >= 0 && from !== releases[last - 1] ? [{ from, to: String(Number(from) + 1), rule: TRAIL_HOP_RULE }] : []),
    requiredStops: () => [],
  };
}
