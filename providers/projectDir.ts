// The Pulumi project's folder as the provider process sees it. Pulumi starts that process in the
// folder of the program's main file (dist/stacks for this repository's own program), so the project
// is the nearest folder up from there that holds Pulumi.yaml; paths a user writes relative to their
// project (a catalog module) and files kept for them (run records) are found from it.
import * as fs from "fs";
import * as path from "path";

/** The nearest folder from `from` upwards that holds one of `names`, or undefined. */
export function nearestFolderWith(from: string, names: readonly string[]): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (names.some((n) => fs.existsSync(path.join(dir, n)))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

export function projectDir(from: string = process.cwd()): string {
  return nearestFolderWith(from, ["Pulumi.yaml", "Pulumi.yml"]) ?? path.resolve(from);
}
