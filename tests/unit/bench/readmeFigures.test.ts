// The README's and docs/benchmark.md's figures are rendered from the bench's results, never typed in.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { BEGIN, BenchResults, END, FILES, blockFor, currentBlock, renderFigures, replaceBlock } from "../../../bench/readmeFigures";
import { Figures } from "../../../bench/report";
import { verdicts } from "../../../bench/targets";

const st = (median: number) => ({ median, min: median, max: median, n: 3 });
const fig = (seconds: number, extra: Partial<Figures> = {}): Figures => ({ seconds: st(seconds), ...extra });

function results(partial = false): BenchResults {
  const up = {
    "20": { upchain: fig(60, { cliMiB: st(130), providerMiB: st(170) }), ansible: fig(120), ansibleTuned: fig(75), floor: fig(50), floorResumable: fig(52) },
    "100": { upchain: fig(400, { cliMiB: st(150), providerMiB: st(190) }) },
  };
  const preview = { "500": { upchain: fig(40), engineFloor: fig(25) } };
  return {
    command: "node dist/bench/run.js",
    date: "2026-12-07T17:00:00.000Z",
    partial,
    benchSeconds: 3600,
    reps: 3,
    machine: { cpus: 2, memGiB: 24 },
    up,
    preview,
    targets: verdicts(up, preview),
  };
}

describe("the bench's figures in the README", () => {
  it("renders each N's medians, upchain's ratios against the faster Ansible and both floors, and every target's verdict", () => {
    const block = renderFigures(results());
    assert.ok(block.includes("| 20 | 60.0 s | 75.0 s (tuned) | 50.0 s | 52.0 s | 0.80× | 1.20× | 1.15× | 130 / 170 |"), block);
    assert.ok(block.includes("| 100 | 400.0 s | – | – | – | – | – | – | 150 / 190 |"), block);
    assert.ok(block.includes("| 500 | 40.0 s | 25.0 s | 1.60× |"), block);
    assert.match(block, /\| preview at N = 500: upchain \/ engine floor ≤ 2× \| 1\.60× \| 2\.00× \| \*\*met\*\* by 0\.40×/);
    assert.match(block, /\| provider peak memory in up at N = 100 ≤ 200 MB \| 190 MiB \| 191 MiB \| \*\*met\*\*/);
    assert.match(block, /2026-12-07, 2 cores and 24 GiB.*3 repetitions \(median\), 60 min in all/);
  });

  it("says what did not finish, and its target says it failed instead of a verdict", () => {
    const r = results();
    const failures = { "preview N = 500": "upchain: pulumi preview exited 255" };
    const block = renderFigures({ ...r, preview: {}, targets: verdicts(r.up, {}, failures), failures });
    assert.match(
      block,
      /\| preview at N = 500: upchain \/ engine floor ≤ 2× \| – \| 2\.00× \| failed in this run \(preview N = 500: upchain: pulumi preview exited 255\) \|/,
    );
    assert.match(block, /\| preview at N = 100: .* not measured in this run/);
    assert.match(block, /Did not finish in this run:\n- preview N = 500: upchain: pulumi preview exited 255$/);
  });

  it("shows where upchain's time went, its summary fenced as text", () => {
    const profile = {
      n: 20,
      wallSeconds: 99.1,
      stepSecondsPerServer: st(90),
      gapSecondsPerServer: st(0.6),
      beforeFirstStep: st(6.2),
      afterLastStep: st(2),
      stepSpanPerServer: st(90.7),
      perStep: [{ id: "backup", upchainMedian: 30.9, floorMedian: 26.7, ratio: 1.16, count: 40 }],
    };
    const block = renderFigures({ ...results(), profile });
    assert.match(
      block,
      /Where upchain's time goes at N = 20 .*\n\n```text\nupchain up at N=20: wall 99\.1 s\n  CLI start -> a server's first step starts: 6\.20 s/,
    );
    assert.ok(block.includes("| backup | 30.900 | 26.700 | 1.2× |"), block);
    assert.ok(!/^```$/m.test(block.split("```text")[0]), "no fence without a language before the profile");
  });

  it("refuses the results of a bench that did not finish", () => {
    assert.throws(() => renderFigures(results(true)), /did not finish: run it again/);
  });

  it("replaces only what lies between the markers, and says where the markers go when a file lacks them", () => {
    const text = `# Title\n\n${BEGIN}\nold figures\n${END}\n\nafter\n`;
    const next = replaceBlock(text, "new figures", "README.md");
    assert.strictEqual(next, `# Title\n\n${BEGIN}\nnew figures\n${END}\n\nafter\n`);
    assert.strictEqual(currentBlock(next), "new figures");
    assert.throws(() => replaceBlock("# no block\n", "x", "docs/benchmark.md"), /docs\/benchmark\.md has no bench figures block: put the line/);
  });

  it("writes the results link from where each file sits", () => {
    assert.strictEqual(blockFor("README.md", "[r](bench/results/results.md)"), "[r](bench/results/results.md)");
    assert.strictEqual(blockFor("docs/benchmark.md", "[r](bench/results/results.md)"), "[r](../bench/results/results.md)");
  });

  it("the README and docs/benchmark.md hold exactly the figures of the committed bench results", () => {
    const root = path.resolve(__dirname, "../../../..");
    const committed = JSON.parse(fs.readFileSync(path.join(root, "bench/results/results.json"), "utf8")) as BenchResults;
    const block = renderFigures(committed);
    for (const f of FILES)
      assert.strictEqual(currentBlock(fs.readFileSync(path.join(root, f), "utf8")), blockFor(f, block), `${f}: run node dist/bench/readmeFigures.js`);
  });
});
