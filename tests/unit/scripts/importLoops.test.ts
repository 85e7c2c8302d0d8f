import * as assert from "assert";
import * as path from "path";
import { importLoops, loopsOf } from "../../../scripts/importLoops";

const root = path.resolve(__dirname, "..", "..", "..", "..");

describe("import loops", () => {
  it("finds a loop of two files and one round a ring of three, and none in a chain", () => {
    const graph = new Map([["a", ["b"]], ["b", ["a"]], ["c", ["d"]], ["d", ["e"]], ["e", ["c"]], ["f", ["g"]], ["g", []]]);
    assert.deepStrictEqual(loopsOf(graph), [["a", "b"], ["c", "d", "e"]]);
  });

  it("upchain's own files have no import loop but the two inside engine/ left for its regrouping (issue 21 item 8)", () => {
    assert.deepStrictEqual(importLoops(root, ["providers", "components"]), [
      ["providers/engine/catalog.ts", "providers/engine/httpStep.ts", "providers/engine/readOnHost.ts"],
      ["providers/engine/installedVersion.ts", "providers/engine/journal.ts", "providers/engine/planner.ts"],
    ]);
  });
});
