// Backend and server names are HAProxy's name characters or nothing: the runtime API splits on ; and
// newlines, so anything else could become a second command.
import * as assert from "assert";
import fc from "fast-check";
import { isUpchainError } from "../../../providers/errors";
import { checkName, nameProblem } from "../../../providers/loadBalancer/names";

describe("HAProxy name checks", () => {
  it("accepts HAProxy's name characters", () => {
    for (const n of ["traffic", "web-cache_1", "wc1.example.com", "be:invalidation", "A9"]) assert.strictEqual(nameProblem(n), undefined, n);
  });

  it("refuses separators, spaces, escapes and empty names, naming the field and the rule", () => {
    for (const n of ["", "a;shutdown sessions server x/y", "a\nset server b/c state maint", "a b", "a/b", "a\\;b", "wc#1", "ä", "a\0"]) {
      assert.throws(
        () => checkName("server", n),
        (e: unknown) =>
          isUpchainError(e, "INVALID_INPUT") &&
          e.path[0] === "server" &&
          e.message.startsWith(`server ${JSON.stringify(n)} `) &&
          /letters, digits and - _ \. :|non-empty/.test(e.message),
        JSON.stringify(n),
      );
    }
    assert.match(nameProblem("x".repeat(101))!, /at most 100/);
  });

  it("any string outside the name characters is refused (property)", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => /[^A-Za-z0-9_.:-]/.test(s)),
        (s) => nameProblem(s) !== undefined,
      ),
    );
  });
});
