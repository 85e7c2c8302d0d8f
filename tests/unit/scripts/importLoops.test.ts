import * as assert from "assert";
import * as path from "path";
import * as fs from "fs";
import { importGraph, importLoops, loopsOf } from "../../../scripts/importLoops";

const root = path.resolve(__dirname, "..", "..", "..", "..");

describe("import loops", () => {
  it("finds a loop of two files and one round a ring of three, and none in a chain", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["a"]],
      ["c", ["d"]],
      ["d", ["e"]],
      ["e", ["c"]],
      ["f", ["g"]],
      ["g", []],
    ]);
    assert.deepStrictEqual(loopsOf(graph), [
      ["a", "b"],
      ["c", "d", "e"],
    ]);
  });

  it("upchain's own files have no import loop", () => {
    assert.deepStrictEqual(importLoops(root, ["providers", "components"]), []);
  });
});

/** The .ts files under `dir` (relative to the project), recursively. */
function sourcesIn(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourcesIn(rel);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path.join(root, rel)] : [];
  });
}

describe("what engine/ may import (issue 21: the engine knows no product and no load balancer)", () => {
  const graph = importGraph(["providers", "components"].flatMap(sourcesIn));
  const engine = [...graph.keys()].filter((f) => path.relative(root, f).startsWith(path.join("providers", "engine") + path.sep));
  /** Every file the given files reach, directly or through others, with the chain that reaches it. */
  const reachedFrom = (files: string[]) => {
    const seen = new Map<string, string>();
    const queue = files.map((f) => [f, path.relative(root, f)] as const);
    while (queue.length) {
      const [file, via] = queue.shift()!;
      for (const next of graph.get(file) ?? [])
        if (!seen.has(next)) {
          seen.set(next, `${via} -> ${path.relative(root, next)}`);
          queue.push([next, seen.get(next)!]);
        }
    }
    return seen;
  };
  const reached = reachedFrom(engine);
  const forbidden = (rel: string) => rel.startsWith("providers/loadBalancer/") || /^providers\/catalogs\/[^/]+\//.test(rel);

  it("finds the engine's files (the check below is not vacuous)", () => {
    assert.ok(engine.length > 20, `${engine.length} files`);
    assert.ok(engine.some((f) => f.endsWith("executor.ts")));
  });

  it("no file of engine/ imports loadBalancer/ or a product's catalogs/<product>/, directly or through another file", () => {
    const bad = [...reached].filter(([file]) => forbidden(path.relative(root, file))).map(([, chain]) => chain);
    assert.deepStrictEqual(bad, []);
  });

  it("finds files in both halves of engine/ (the check below is not vacuous)", () => {
    const under = (folder: string) => engine.filter((f) => path.relative(root, f).startsWith(`providers/engine/${folder}/`));
    assert.ok(
      under("planning").some((f) => f.endsWith("planner.ts")),
      "planning/planner.ts",
    );
    assert.ok(
      under("running").some((f) => f.endsWith("executor.ts")),
      "running/executor.ts",
    );
  });

  it("no file of engine/planning/ imports engine/running/, directly or through another file (preview decides; up runs)", () => {
    const planning = engine.filter((f) => path.relative(root, f).startsWith("providers/engine/planning/"));
    const bad = [...reachedFrom(planning)].filter(([file]) => path.relative(root, file).startsWith("providers/engine/running/")).map(([, chain]) => chain);
    assert.deepStrictEqual(bad, []);
  });
});
