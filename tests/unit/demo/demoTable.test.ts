// The demo's versions table, from the demo stack's outputs (scripts/demoTable.ts).
import * as assert from "assert";
import { versionRows } from "../../../scripts/demoTable";

describe("demo versions table", () => {
  it("one row per server, an Altazion server's modules one per row, then each cluster member", () => {
    const rows = versionRows({
      servers: { "demo-az": "ecommerce=5.2.0.0,database=5.2.0.0", "demo-omf": "1.2.0.1" },
      clusters: { "demo-webcache": { rollout: ["demo-wc1: upgrade", "demo-wc2: upgrade"], installed: { "demo-wc1": "10.1.2.0.2", "demo-wc2": "10.1.2.0.2" } } },
    });
    assert.deepStrictEqual(rows, [
      ["demo-az", "ecommerce 5.2.0.0"],
      ["", "database 5.2.0.0"],
      ["demo-omf", "1.2.0.1"],
      ["demo-webcache / demo-wc1", "10.1.2.0.2"],
      ["demo-webcache / demo-wc2", "10.1.2.0.2"],
    ]);
  });

  it("no outputs, no rows (the script then says the up did not finish)", () => {
    assert.deepStrictEqual(versionRows({}), []);
  });
});
