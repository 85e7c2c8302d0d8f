// A running step's progress as the operator sees it in `pulumi up`: throttled output, elapsed time,
// a quiet step still reported, the end with its duration, and host output made printable.
import * as assert from "assert";
import { elapsedText, oneLine, printable, progressPrefix, quotedBlock, stepProgress, terminalText } from "../../../../providers/engine/running/progress";

function harness(everyMs = 10_000) {
  let t = 0;
  let tick: (() => void) | undefined;
  const lines: string[] = [];
  const p = stepProgress({
    position: "[1->2 3/5]",
    log: (l) => lines.push(l),
    everyMs,
    now: () => t,
    setInterval: (f) => (tick = f),
    clearInterval: () => (tick = undefined),
  });
  return {
    p,
    lines,
    at(ms: number) {
      t = ms;
      tick?.();
    },
    get ticking() {
      return tick !== undefined;
    },
  };
}

describe("step progress in the pulumi up output", () => {
  it("a chatty step reports at most one line per interval: the latest, with the elapsed time", () => {
    const h = harness();
    for (let i = 0; i < 500; i++) {
      h.at(i * 30); // 500 lines over 15 s
      h.p.output(`copying file ${i}\n`);
    }
    // the timer fired at 10.02 s, before line 334 arrived
    assert.deepStrictEqual(h.lines, ["[1->2 3/5] 10s | copying file 333"]);
    h.at(20_010);
    assert.strictEqual(h.lines.length, 1, "not before a whole interval since the last report");
    h.at(20_030);
    assert.deepStrictEqual(h.lines.slice(1), ["[1->2 3/5] 20s | copying file 499"]);
  });

  it("a quiet step says it is still running, once per interval", () => {
    const h = harness();
    h.at(5_000);
    assert.deepStrictEqual(h.lines, []);
    h.at(10_000);
    h.at(15_000);
    h.at(20_500);
    assert.deepStrictEqual(h.lines, ["[1->2 3/5] 10s | still running", "[1->2 3/5] 20s | still running"]);
  });

  it("the end shows the last line not yet shown and how long the step took, and stops the timer", () => {
    const h = harness();
    h.p.output("unpacking\ninstalled 1.2.0.0");
    h.at(75_000);
    h.p.end(true);
    assert.deepStrictEqual(h.lines.slice(-2), ["[1->2 3/5]   installed 1.2.0.0", "[1->2 3/5] done in 1m15s"]);
    assert.strictEqual(h.ticking, false);
    const f = harness();
    f.at(3_000);
    f.p.end(false);
    assert.deepStrictEqual(f.lines, ["[1->2 3/5] failed after 3s"]);
  });

  it("a line split across chunks is one line", () => {
    const h = harness(1_000);
    h.p.output("Progress: 4");
    h.p.output("2%\n");
    h.at(1_000);
    assert.deepStrictEqual(h.lines, ["[1->2 3/5] 1s | Progress: 42%"]);
  });

  it("host output is data: terminal escapes and control characters are dropped, long lines cut", () => {
    assert.strictEqual(printable("\x1b[31mred\x1b[0m\x07 text\r"), "red text");
    // a whole escape sequence goes, its payload with it (issue 19: a title or clipboard write left no text behind)
    assert.strictEqual(printable("\x1b]0;title\x07x"), "x");
    const long = printable("x".repeat(1000));
    assert.strictEqual(long.length, 200);
    assert.ok(long.endsWith("…"));
  });

  it("elapsed times read as people say them", () => {
    assert.deepStrictEqual([0, 42_000, 65_000, 3_725_000].map(elapsedText), ["0s", "42s", "1m05s", "1h02m"]);
  });
});

describe("whose progress a line is", () => {
  const cases: [string, string | undefined, string, string][] = [
    ["a server is named by its resource name in the stack, not its address", "demo-wc1", "10.77.0.203", "upchain demo-wc1: "],
    ["a server whose state predates the name (no resourceName yet) is named by its address", undefined, "10.77.0.203", "upchain 10.77.0.203: "],
    ["a name with control characters is printed without them", "wc\u001b[31m1\n", "10.77.0.203", "upchain wc1: "],
  ];
  for (const [name, resourceName, host, want] of cases) it(name, () => assert.strictEqual(progressPrefix(resourceName, host), want));
});

describe("a host's text on the operator's terminal (issue 19)", () => {
  it("escape sequences go whole: a clipboard write (OSC 52, ended by BEL or ST), a screen clear, a cursor move, a DCS string, a full reset", () => {
    assert.strictEqual(terminalText("a\x1b]52;c;Y3VybCBldmls\x07b\x1b]52;c;ZXZpbA==\x1b\\c\x1b[2J\x1b[1;1Hd\x1bPq#0\x1b\\e\x1bcf"), "abcdef");
  });

  it("control characters go but the line feed: a carriage return cannot rewrite a line, 8-bit controls and invisible or reordering characters go too", () => {
    assert.strictEqual(terminalText("ok\rFAKE\r\nnext\x9b2J\u202eevil\u200b\x00\tend"), "okFAKE\nnext2Jevil end");
  });

  it("Unicode's line separators become spaces, so a quoted block stays quoted", () => {
    assert.strictEqual(terminalText(quotedBlock("one\u2028upchain: forged\ntwo")), "| one upchain: forged\n| two");
  });

  it("a journal's field is one line: its lines joined by a slash", () => {
    assert.strictEqual(oneLine("disk full\r\n\x1b[2J\nrun: rm -rf /\n"), "disk full / run: rm -rf /");
  });

  it("the live output is masked before it is cleaned: a secret with a tab or an escape in it never shows", () => {
    const lines: string[] = [];
    const p = stepProgress({
      position: "[1->2 1/1]",
      log: (l) => lines.push(l),
      everyMs: 0,
      mask: (t) => t.split("pw\tx\x1b[0m9").join("[secret]"),
      setInterval: () => 0,
      clearInterval: () => undefined,
    });
    p.output("login pw\tx\x1b[0m9 ok\n");
    p.end(true);
    assert.ok(
      lines.some((l) => l.endsWith("| login [secret] ok")),
      lines.join("\n"),
    );
    assert.ok(!lines.some((l) => /pw/.test(l)), lines.join("\n"));
  });
});
