// The target's own check, needing no host: shared by the Server's check and the stack program's
// check of each server's entry (stacks/serverEntry.ts), which has no business loading the provider.
import type { Catalog } from "../engine/planning/catalog";
import { withArticle } from "../article";
import { CheckFailure, checkFailure } from "../errors";
import { shown } from "../options/paths";

/**
 * A target that is not a version of the product's scheme is a mistake preview names without a host:
 * planning would refuse it only after connecting and probing, and its text would reach a log line.
 */
export function targetProblems(catalog: Catalog, target: string, releases?: readonly string[]): CheckFailure[] {
  if (catalog.scheme.normalize(target) !== undefined) return [];
  const known = (releases ?? catalog.defaultReleases).filter((r) => catalog.scheme.normalize(r) !== undefined);
  const value = shown(target.length > 80 ? target.slice(0, 80) + "..." : target);
  return [
    checkFailure(
      "INVALID_INPUT",
      "target",
      `${value} is not ${withArticle(catalog.title)} version (${catalog.scheme.describe}); the releases known here: ${known.join(", ")}`,
    ),
  ];
}
