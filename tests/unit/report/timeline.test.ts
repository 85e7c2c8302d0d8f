// The run picture drawn from records whose times are known: one row per server, one bar per step
// at the right place and width, restores and failures in their colours, waves marked.
import * as assert from "assert";
import { RunRecord, RunRecordStep } from "../../../providers/engine/runRecord";
import { COLOURS, layout, renderTimeline } from "../../../providers/report/timeline";

const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 10, 0, 0) + s * 1000).toISOString();
const step = (id: string, from: number, to: number, extra: Partial<RunRecordStep> = {}): RunRecordStep => ({ kind: "step", hop: "1.1.6.1->1.1.6.2", id, title: `do ${id}`, action: "run", start: at(from), end: at(to), outcome: "ok", ...extra });
const record = (steps: RunRecordStep[]): RunRecord => ({ version: 1, server: "root@h:22", resource: "omflow", product: "omflow", run: "20261123T100000-abcdef", from: "1.1.6.1", to: "1.1.6.2", status: "done", steps });

describe("the run picture (SVG timeline)", () => {
  const rows = [
    { name: "web1", record: record([step("backup", 0, 10), step("patch", 10, 30)]), wave: 0 },
    { name: "web2 <&>", record: record([step("backup", 30, 40), step("patch", 40, 45, { outcome: "failed" }), step("restore", 45, 60, { kind: "restore" })]), wave: 1 },
  ];

  it("one row per server and one bar per step, placed on one time axis", () => {
    const l = layout(rows);
    assert.strictEqual(l.bars.length, 5);
    assert.deepStrictEqual(l.bars.map((b) => b.row), [0, 0, 1, 1, 1]);
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
