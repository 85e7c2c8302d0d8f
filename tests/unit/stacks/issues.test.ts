import * as assert from "assert";
import { configField } from "../../../stacks/issues";

describe("configField", () => {
  it("writes a path as the operator writes the key", () => {
    assert.strictEqual(configField(["servers", 0, "options", "installDir"]), "upchain:servers[0].options.installDir");
  });
  it("brackets a key that is not a plain name, so a version key stays one segment", () => {
    assert.strictEqual(configField(["servers", 1, "options", "patches", "1.2.0.0"]), 'upchain:servers[1].options.patches["1.2.0.0"]');
  });
  it("names a top-level key alone", () => {
    assert.strictEqual(configField(["privateKeyPassphrase"]), "upchain:privateKeyPassphrase");
  });
});
