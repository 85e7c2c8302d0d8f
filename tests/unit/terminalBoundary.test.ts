// What the ClusterRollout, ManagedFiles and HostFacts providers hand Pulumi to print is cleaned like
// every line of a run (issue 19: text from the host never reaches the terminal raw): a thrown
// failure's message, a check's reasons, and a host's facts.
import * as assert from "assert";
import { parseFacts } from "../../providers/hostFacts/facts";
import { UpchainError } from "../../providers/errors";
import { forTerminal, printable, printableCheck } from "../../providers/terminalBoundary";

// an OSC 52 clipboard write, a screen clear, a carriage return that rewrites the line, a bidi override
const HOSTILE = "ok\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\rFORGED\u202e";
const raw = (s: string) => /[\x00-\x08\x0b-\x1f\x7f\u202e]/.test(s);

describe("a provider's output reaches the terminal cleaned", () => {
  it("a failure a provider throws keeps its code in front and loses every escape sequence and control", async () => {
    await assert.rejects(
      printable(async () => {
        throw new UpchainError("COMMAND_FAILED", `members: wc1 does not report its release: ${HOSTILE}`);
      }),
      (e: Error) => !raw(e.message) && e.message.startsWith("COMMAND_FAILED: members: wc1") && !e.message.includes("52;c;"),
    );
    assert.ok(!raw(forTerminal(new Error(HOSTILE)).message));
  });

  it("a check's reasons are cleaned and its properties kept", () => {
    const r = printableCheck({ failures: [{ property: "members", reason: `INVALID_INPUT: ${HOSTILE}` }] });
    assert.strictEqual(r.failures![0].property, "members");
    assert.ok(!raw(r.failures![0].reason), JSON.stringify(r.failures![0].reason));
    const fine = { inputs: { a: 1 } };
    assert.strictEqual(printableCheck(fine), fine, "a check without failures is passed on as it is");
  });

  it("a host's facts (outputs Pulumi prints) are one printable line each, cut at 256 characters", () => {
    const f = parseFacts(`hostname=web1${HOSTILE}\nosId=debian\nosPrettyName=${"D".repeat(5000)}\n`);
    assert.ok(!raw(f.hostname), JSON.stringify(f.hostname));
    assert.ok(f.hostname.startsWith("web1ok"));
    assert.strictEqual(f.osPrettyName.length, 256);
  });
});
