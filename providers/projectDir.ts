// The Pulumi project's folder as the provider process sees it. Pulumi starts that process in the
// folder of the program's main file (dist/stacks for this repository's own program), so the project
// is the nearest folder up from there that holds Pulumi.yaml; paths a user writes relative to their
// project (a catalog module) and files kept for them (run records) are found from it.
import * as fs from "fs";
import * as path from "path";

export function projectDir(from: string = process.cwd()): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "Pulumi.yaml")) || fs.existsSync(path.join(dir, "Pulumi.yml"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from);
  }
}
