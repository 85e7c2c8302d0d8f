// Windows service names: one service exactly, as Windows allows it. -Name of Get-Service,
// Start-Service and Stop-Service takes wildcards, so "Groupmax*" would match every Groupmax service.
import * as assert from "assert";
import { windowsServiceName, windowsServiceNameProblem } from "../../../providers/options/names";

describe("Windows service names", () => {
  for (const ok of ["OMFLOW Server", "Groupmax Address Server", "it's $(x) `y` %z% ;&|", "\u2019quoted\u2019", "a".repeat(256)]) {
    it(`${JSON.stringify(ok.slice(0, 40))} is accepted as given, never trimmed or changed`, () => {
      assert.strictEqual(windowsServiceNameProblem(ok, "OMFLOW Server"), undefined);
      const r = windowsServiceName("OMFLOW Server").safeParse(ok);
      assert.ok(r.success);
      assert.strictEqual(r.data, ok);
    });
  }

  const refused: [string, RegExp][] = [
    ["", /^is empty: a Windows service name is 1 to 256 characters/],
    ["a".repeat(257), /is 257 characters long/],
    ["Groupmax*", /holds "\*" \(at position 9\), which PowerShell reads as a wildcard, matching other services too/],
    ["OMFLOW Serve?", /holds "\?".*wildcard/],
    ["[OG]MFLOW", /holds "\[".*wildcard/],
    ["OMFLOW\\Server", /holds "\\" .*which Windows does not allow in a service name/],
    ["a/b", /holds "\/" .*which Windows does not allow/],
    ["OMFLOW\0", /"OMFLOW\\0" holds a control character \("\\0" at position 7\)/],
    ["OMFLOW\nServer", /holds a control character \("\\n" at position 7\)/],
    [" OMFLOW Server", /has a space at one end/],
    ["OMFLOW Server ", /has a space at one end/],
  ];
  for (const [bad, why] of refused) {
    it(`${JSON.stringify(bad.slice(0, 40))} is refused, saying the rule and the legal form`, () => {
      const problem = windowsServiceNameProblem(bad, "OMFLOW Server") ?? "(accepted)";
      assert.match(problem, why);
      assert.match(problem, /none of them a control character, \/ \\ \* \? \[ or \], with no space at either end; like "OMFLOW Server"$/);
      assert.doesNotMatch(problem, /[\0\n]/, "the refusal shows control characters as escapes");
      assert.ok(!windowsServiceName("OMFLOW Server").safeParse(bad).success);
    });
  }

  it("a value that is not text says what was expected", () => {
    const r = windowsServiceName("OMFLOW Server").safeParse(5);
    assert.ok(!r.success);
    assert.strictEqual(r.error.issues[0].message, 'expected a Windows service name, like "OMFLOW Server", got a number');
  });
});
