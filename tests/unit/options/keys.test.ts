// Unknown option keys: the near legal key is suggested (case or up to two edits), else the legal keys are listed.
import * as assert from "assert";
import { editDistance, suggestKey, unknownKeyMessage } from "../../../providers/options/keys";

const legal = ["installDir", "apacheSiteConf", "backupDir", "databasePaths", "journalDir"];

describe("option keys: edit distance and suggestions", () => {
  it("edit distance counts insertions, deletions and substitutions", () => {
    assert.strictEqual(editDistance("installDir", "installDir"), 0);
    assert.strictEqual(editDistance("instalDir", "installDir"), 1);
    assert.strictEqual(editDistance("databasePath", "databasePaths"), 1);
    assert.strictEqual(editDistance("backupDor", "backupDir"), 1);
    assert.strictEqual(editDistance("", "abc"), 3);
    assert.strictEqual(editDistance("kitten", "sitting"), 3);
  });

  it("a misspelling within two edits suggests the legal key", () => {
    assert.strictEqual(suggestKey("instalDir", legal), "installDir");
    assert.strictEqual(suggestKey("databasePath", legal), "databasePaths");
    assert.strictEqual(suggestKey("jornalDr", legal), "journalDir");
  });

  it("another case of a legal key suggests it, however far the edit distance", () => {
    assert.strictEqual(suggestKey("INSTALLDIR", legal), "installDir");
  });

  it("a key three edits away suggests nothing, and the message lists every legal key", () => {
    assert.strictEqual(suggestKey("installPath", legal), undefined);
    const m = unknownKeyMessage("installPath", legal);
    for (const k of legal) assert.ok(m.includes(`\`${k}\``), m);
    assert.ok(!m.includes("did you mean"), m);
  });

  it("the message asks `did you mean` with the near key", () => {
    assert.strictEqual(unknownKeyMessage("instalDir", legal), "is not an option; did you mean `installDir`?");
  });
});
