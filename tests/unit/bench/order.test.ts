// A bench run's layout: its options (--quick for a short check), one repetition per contender by
// default so every rotation of the order runs, and the page cache dropped before each contender.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { defaultReps, dropCaches, parseArgs, rotation } from "../../../bench/order";
import { tempDir } from "../../support/localHost";

describe("bench run layout", () => {
  it("by default measures N = 1, 5, 20, previews 20, 100 and 500, the own product's up at 500, and leaves the repetitions to the contenders' count", () => {
    assert.deepStrictEqual(parseArgs([]), {
      sizes: [1, 5, 20],
      previewSizes: [20, 100, 500],
      upchainOnly: [100],
      upOwn: [500],
      reps: undefined,
      out: undefined,
      quick: false,
      warmCache: false,
    });
  });

  it("--quick is sizes 1,5, one repetition, preview 20, no upchain-only size, the own product's up at 5; an explicit option still wins", () => {
    assert.deepStrictEqual(parseArgs(["--quick"]), {
      sizes: [1, 5],
      previewSizes: [20],
      upchainOnly: [],
      upOwn: [5],
      reps: 1,
      out: undefined,
      quick: true,
      warmCache: false,
    });
    assert.deepStrictEqual(parseArgs(["--quick", "--sizes", "2", "--preview", "none"]).sizes, [2]);
    assert.deepStrictEqual(parseArgs(["--quick", "--preview", "none"]).previewSizes, []);
    assert.deepStrictEqual(parseArgs(["--quick", "--upchain-only", "30"]).upchainOnly, [30]);
    assert.deepStrictEqual(parseArgs(["--upchain-only", "none"]).upchainOnly, []);
    assert.deepStrictEqual(parseArgs(["--up-own", "none"]).upOwn, []);
  });

  it("drops the page cache unless --warm-cache is given", () => {
    assert.strictEqual(parseArgs(["--sizes", "1"]).warmCache, false);
    assert.strictEqual(parseArgs(["--warm-cache", "--sizes", "1"]).warmCache, true);
  });

  it("refuses a repetition count that is not a whole number of 1 or more", () => {
    assert.throws(() => parseArgs(["--reps", "0"]), /--reps 0: give a whole number/);
    assert.throws(() => parseArgs(["--reps", "2.5"]), /whole number/);
  });

  it("runs one repetition per contender, at least 3", () => {
    assert.strictEqual(defaultReps(5), 5);
    assert.strictEqual(defaultReps(2), 3);
  });

  it("rotates the order so that over as many repetitions as contenders each runs once in each position", () => {
    const c = ["upchain", "ansible", "ansibleTuned", "floor", "floorResumable"];
    const orders = c.map((_, rep) => rotation(c, rep));
    assert.deepStrictEqual(orders[0], c);
    assert.deepStrictEqual(orders[1], ["ansible", "ansibleTuned", "floor", "floorResumable", "upchain"]);
    for (let pos = 0; pos < c.length; pos++) assert.deepStrictEqual(new Set(orders.map((o) => o[pos])), new Set(c));
    assert.strictEqual(new Set(orders.map((o) => o.join())).size, c.length);
    assert.deepStrictEqual(rotation(c, c.length), c);
  });

  it("syncs and writes 3 to drop_caches, and says why when it cannot", () => {
    const file = path.join(tempDir("drop-"), "drop_caches");
    assert.strictEqual(dropCaches(file), undefined);
    assert.strictEqual(fs.readFileSync(file, "utf8"), "3\n");
    assert.match(dropCaches(path.join(file, "nowhere", "x")) ?? "", /could not drop the page cache .*warm cache/);
  });
});
