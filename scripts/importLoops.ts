// The import loops among upchain's own TypeScript files: each strongly connected group of files that
// import one another, directly or round a ring. `import type` counts too: a loop of types is still
// two files that cannot be read one without the other. Run: node dist/scripts/importLoops.js
import * as fs from "fs";
import * as path from "path";

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^;'"]*?\bfrom\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']|\brequire\(\s*["']([^"']+)["']\s*\)|\bimport\(\s*["']([^"']+)["']\s*\)/g;

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sourcesUnder(full);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** The file a relative specifier names: x.ts or x/index.ts; undefined for a package or a file that is not there. */
function resolved(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f));
}

/** Each file's imports of the other files among `files`. */
export function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    const targets = [...text.matchAll(IMPORT)].map((m) => resolved(file, m[1] ?? m[2] ?? m[3] ?? m[4])).filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** The graph's loops: its strongly connected groups of more than one file, or of a file importing itself (Tarjan). */
export function loopsOf(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const loops: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || (graph.get(v) ?? []).includes(v)) loops.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return loops;
}

/** The loops among the files under `dirs` of the project at `root`, each as paths relative to it. */
export function importLoops(root: string, dirs: string[]): string[][] {
  const files = dirs.flatMap((d) => sourcesUnder(path.join(root, d)));
  return loopsOf(importGraph(files))
    .map((loop) => loop.map((f) => path.relative(root, f)))
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

if (require.main === module) {
  const root = path.resolve(__dirname, "..", "..");
  const loops = importLoops(root, process.argv.length > 2 ? process.argv.slice(2) : ["providers", "components"]);
  for (const loop of loops) console.log(`loop: ${loop.join(" <-> ")}`);
  console.log(`${loops.length} import loop(s)`);
  process.exitCode = loops.length ? 1 : 0;
}
