import * as assert from "assert";
import fc from "fast-check";
import { editDistance, nearestKey, unknownKeyMessage } from "../../../stacks/suggest";

const serverKeys = ["name", "host", "port", "user", "hostKey", "product", "platform", "version", "releases", "options", "lockTimeoutSeconds"];

describe("editDistance", () => {
  it("counts one edit for a dropped, an added and a changed letter", () => {
    assert.strictEqual(editDistance("lockTimeoutSecond", "lockTimeoutSeconds"), 1);
    assert.strictEqual(editDistance("instalDir", "installDir"), 1);
    assert.strictEqual(editDistance("verzion", "version"), 1);
    assert.strictEqual(editDistance("kitten", "sitting"), 3);
  });
  it("is zero only for equal strings, symmetric, and at most the longer length", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        assert.strictEqual(d === 0, a === b);
        assert.strictEqual(d, editDistance(b, a));
        assert.ok(d <= Math.max(a.length, b.length));
      }),
    );
  });
});

describe("nearestKey", () => {
  it("finds the key a misspelling within two edits meant", () => {
    assert.strictEqual(nearestKey("lockTimeoutSecond", serverKeys), "lockTimeoutSeconds");
    assert.strictEqual(nearestKey("hots", serverKeys), "host");
  });
  it("finds a key written in another letter case however far apart", () => {
    assert.strictEqual(nearestKey("LOCKTIMEOUTSECONDS", serverKeys), "lockTimeoutSeconds");
    assert.strictEqual(nearestKey("hostkey", serverKeys), "hostKey");
  });
  it("suggests nothing for a key three edits from every legal one", () => {
    assert.strictEqual(nearestKey("databasePath", serverKeys), undefined);
  });
});

describe("unknownKeyMessage", () => {
  it("names the near key when there is one", () => {
    assert.strictEqual(unknownKeyMessage("server", ["hosts", "servers"]), 'unknown key; did you mean "servers"?');
  });
  it("lists every legal key when none is near", () => {
    assert.strictEqual(unknownKeyMessage("zzzz", ["hosts", "servers"]), "unknown key; the keys allowed here are: hosts, servers");
  });
});
