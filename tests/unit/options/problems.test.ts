import * as assert from "assert";
import { fieldPath, optionsError } from "../../../providers/options/problems";
import { isUpchainError } from "../../../providers/errors";

describe("option problems: field paths and the error that lists them", () => {
  it("writes names with dots, list indexes in brackets and other keys quoted", () => {
    assert.strictEqual(fieldPath(["options", "databasePaths", 1]), "options.databasePaths[1]");
    assert.strictEqual(fieldPath(["options", "uploads", 0, "source"]), "options.uploads[0].source");
    assert.strictEqual(fieldPath(["options", "patches", "1.2.0.0"]), 'options.patches["1.2.0.0"]');
  });

  it("one INVALID_INPUT error lists every problem on its own line, its path the first problem's", () => {
    const e = optionsError([
      { path: "options.installDir", message: "a" },
      { path: "options.databasePaths[1]", message: "b" },
    ]);
    assert.ok(isUpchainError(e, "INVALID_INPUT"));
    assert.strictEqual(e.message, "options.installDir: a\noptions.databasePaths[1]: b");
    assert.deepStrictEqual(e.path, ["options.installDir"]);
  });
});
