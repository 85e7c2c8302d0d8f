// The run picture drawn from records whose times are known: one row per server, one bar per step
// at the right place and width, restores and failures in their colours, waves marked.
import * as assert from "assert";
import { RunRecord, RunRecordStep } from "../../../providers/engine/running/runRecord";
import { COLOURS, layout, renderTimeline, timeTicks } from "../../../providers/report/timeline";

const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 10, 0, 0) + s * 1000).toISOString();
const step = (id: string, from: number, to: number, extra: Partial<RunRecordStep> = {}): RunRecordStep => ({
  kind: "step",
  hop: "1.1.6.1->1.1.6.2",
  id,
  title: `do ${id}`,
  action: "run",
  start: at(from),
  end: at(to),
  outcome: "ok",
  ...extra,
});
const record = (steps: RunRecordStep[]): RunRecord => ({
  version: 1,
  server: "root@h:22",
  resource: "omflow",
  product: "omflow",
  run: "20261123T100000-abcdef",
  from: "1.1.6.1",
  to: "1.1.6.2",
  status: "done",
  steps,
});

describe("the run picture (SVG timeline)", () => {
  const rows = [
    { name: "web1", record: record([step("backup", 0, 10), step("patch", 10, 30)]), wave: 0 },
    {
      name: "web2 <&>",
      record: record([step("backup", 30, 40), step("patch", 40, 45, { outcome: "failed" }), step("restore", 45, 60, { kind: "restore" })]),
      wave: 1,
    },
  ];

  it("one row per server and one bar per step, placed on one time axis", () => {
    const l = layout(rows);
    assert.strictEqual(l.bars.length, 5);
    assert.deepStrictEqual(
      l.bars.map((b) => b.row),
      [0, 0, 1, 1, 1],
    );
    const [b0, b1, b2] = l.bars;
    assert.ok(Math.abs(b1.x - (b0.x + b0.width)) < 0.01, "the patch bar starts where the backup bar ends");
    assert.ok(Math.abs(b1.width - 2 * b0.width) < 0.01, "20 s is twice as wide as 10 s");
    assert.ok(Math.abs(b2.x - (b1.x + b1.width)) < 0.01, "web2's backup starts when web1's patch ends");
    assert.strictEqual(l.end - l.start, 60_000);
  });

  it("failures and restores in their own colours, waves marked, totals per row, text escaped", () => {
    const svg = renderTimeline(rows, "omflow fleet");
    assert.strictEqual((svg.match(/<rect class="bar /g) ?? []).length, 5);
    assert.ok(svg.includes(`class="bar step failed" x=`) && svg.includes(`fill="${COLOURS.failed}"`));
    assert.ok(svg.includes(`class="bar restore ok"`) && svg.includes(`fill="${COLOURS.restore}"`));
    assert.strictEqual((svg.match(/class="wave"/g) ?? []).length, 2);
    assert.match(svg, />wave 2</);
    assert.match(svg, />web2 &lt;&amp;&gt;</);
    assert.match(svg, /class="total"[^>]*>30\.0 s failed</);
    assert.match(svg, /omflow fleet: 2 server\(s\), 60\.0 s/);
  });
});

describe("the run picture reads without hovering", () => {
  const x = (seconds: number, span = 60) => (220 + (seconds / span) * (1200 - 220 - 90)).toFixed(1);
  const web1 = {
    name: "web1",
    record: record([
      step("backup", 0, 10),
      step("patch", 10, 30),
      step("backup", 30, 40, { hop: "1.1.6.2->1.2.0.0" }),
      step("verify", 40, 55, { hop: "1.1.6.2->1.2.0.0" }),
    ]),
  };
  const web2 = {
    name: "web2",
    record: record([step("backup", 0, 5), step("patch", 5, 60, { outcome: "failed" }), step("restore", 60, 60, { kind: "restore" })]),
  };

  it("a time axis above the rows has ticks in round seconds for a one-minute run, each at its time's x", () => {
    const svg = renderTimeline([web1, web2]);
    const ticks = [...svg.matchAll(/<text class="tick" x="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => [m[2], m[1]]);
    assert.deepStrictEqual(
      ticks,
      [0, 10, 20, 30, 40, 50, 60].map((s) => [s === 60 ? "1 min" : `${s} s`, x(s)]),
    );
    assert.strictEqual((svg.match(/<line class="grid"/g) ?? []).length, 7, "a light line down from each tick");
  });

  const spans: [string, number, string[]][] = [
    ["a 25-minute run is marked every 5 minutes", 25 * 60, ["0 s", "5 min", "10 min", "15 min", "20 min", "25 min"]],
    ["a 90-second run is marked every 15 seconds, minutes written as such", 90, ["0 s", "15 s", "30 s", "45 s", "1 min", "1 min 15 s", "1 min 30 s"]],
    ["a 3-hour run is marked every 30 minutes", 3 * 3600, ["0 s", "30 min", "1 h", "1 h 30 min", "2 h", "2 h 30 min", "3 h"]],
    ["an 8-second run is marked every second", 8, ["0 s", "1 s", "2 s", "3 s", "4 s", "5 s", "6 s", "7 s", "8 s"]],
  ];
  for (const [name, seconds, want] of spans) {
    it(name, () =>
      assert.deepStrictEqual(
        timeTicks(seconds * 1000).map((t) => t.label),
        want,
      ),
    );
  }

  it("each hop starts at a boundary line at the x of its first step, labelled with the hop", () => {
    const svg = renderTimeline([web1, web2]);
    const hops = [
      ...svg.matchAll(/<line class="hop" x1="([\d.]+)"[^>]*>.*?<\/line>\s*<text class="hop-label" x="[\d.]+" y="[\d.]+"[^>]*>([^<]*)<\/text>/g),
    ].map((m) => [m[2], m[1]]);
    assert.deepStrictEqual(hops, [
      ["1.1.6.1→1.1.6.2", x(0)],
      ["1.1.6.2→1.2.0.0", x(30)],
      ["1.1.6.1→1.1.6.2", x(0)],
    ]);
  });

  it("the three longest steps are named with their durations, longest first, and marked on their bars", () => {
    const svg = renderTimeline([web1, web2]);
    const named = [...svg.matchAll(/<text class="longest"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    assert.deepStrictEqual(named, [
      "1. 55s  web2  1.1.6.1→1.1.6.2 patch: do patch (failed)",
      "2. 20s  web1  1.1.6.1→1.1.6.2 patch: do patch",
      "3. 15s  web1  1.1.6.2→1.2.0.0 verify: do verify",
    ]);
    const marks = [...svg.matchAll(/<text class="longest-mark" x="([\d.]+)"[^>]*>(\d)<\/text>/g)].map((m) => [m[2], Number(m[1])]);
    assert.deepStrictEqual(
      marks.map(([n]) => n),
      ["1", "2", "3"],
    );
    assert.ok(Number(marks[0][1]) > Number(x(5)) && Number(marks[0][1]) < Number(x(60)), "mark 1 is on web2's patch bar");
  });
});
