// The bench's figures: medians and CPU per unit of work from the samples, upchain's ratio against the
// faster Ansible (named), every contender in the tables, and each of issue 20's targets judged met or
// missed by how much, or said not measured.
import * as assert from "assert";
import { Figures, Table, fasterAnsible, figures, markdown, ratios, svg } from "../../../bench/report";
import { PROVIDER_LIMIT_MIB, verdicts } from "../../../bench/targets";

const fig = (seconds: number, extra: Partial<Figures> = {}): Figures => ({ seconds: { median: seconds, min: seconds, max: seconds, n: 1 }, ...extra });
const st = (median: number) => ({ median, min: median, max: median, n: 1 });

describe("bench report", () => {
  it("gives CPU-seconds per unit of work (controller + hosts) and the peak of the summed PSS", () => {
    const f = figures(
      [
        { seconds: 10, cpu: { controller: 4, hosts: 16 }, peaks: { cliKiB: 1024, providerKiB: 2048, programKiB: 0, treeKiB: 4096 } },
        { seconds: 12, cpu: { controller: 6, hosts: 18 }, peaks: { cliKiB: 1024, providerKiB: 2048, programKiB: 0, treeKiB: 6144 } },
      ],
      10,
    );
    assert.strictEqual(f.seconds.median, 11);
    assert.strictEqual(f.cpuPerUnit!.median, 2.2);
    assert.strictEqual(f.cpuController!.max, 6);
    assert.strictEqual(f.treeMiB!.median, 5);
  });

  it("reports no CPU figures when the samples have none", () => {
    assert.strictEqual(figures([{ seconds: 3 }], 4).cpuPerUnit, undefined);
  });

  it("compares upchain with whichever Ansible was faster at each N", () => {
    const t: Table = { "1": { upchain: fig(10), ansible: fig(8), ansibleTuned: fig(5) }, "5": { upchain: fig(10), ansible: fig(20), ansibleTuned: fig(25) } };
    assert.strictEqual(fasterAnsible(t["1"]), "ansibleTuned");
    assert.strictEqual(fasterAnsible(t["5"]), "ansible");
    const r = ratios(t, "upchain", ["fasterAnsible", "ansible"]);
    assert.strictEqual(r["1"]["upchain/fasterAnsible"], 2);
    assert.strictEqual(r["5"]["upchain/fasterAnsible"], 0.5);
    assert.strictEqual(r["1"]["upchain/ansible"], 1.25);
  });

  it("shows every contender, names the faster Ansible, and draws each in the plot", () => {
    const t: Table = { "20": { upchain: fig(60), ansible: fig(120), ansibleTuned: fig(70), floor: fig(50), floorResumable: fig(52) } };
    const md = markdown(t, {}, 5);
    assert.match(md, /\| 20 \| 60\.0 \(60\.0–60\.0\) \| 120\.0 .*\| 70\.0 .*\| 50\.00 .*\| 52\.00 .*\| 1\.2× \| 1\.2× \| 0\.9× \(tuned\) \|/);
    for (const label of ["Ansible (idiomatic)", "Ansible (tuned)", "resumable floor"]) {
      assert.ok(md.includes(`| ${label} |`), label);
      assert.ok(svg(t).includes(`>${label}</text>`), label);
    }
  });

  it("judges each target from the run, with by how much, and says which were not measured", () => {
    const up: Table = {
      "1": { upchain: fig(12), ansible: fig(10), ansibleTuned: fig(8), floor: fig(4) },
      "20": {
        upchain: fig(60, { cpuPerUnit: st(0.5) }),
        ansible: fig(120),
        ansibleTuned: fig(70),
        floor: fig(50, { cpuPerUnit: st(0.4) }),
        floorResumable: fig(55),
      },
    };
    const preview: Table = { "100": { upchain: fig(3), engineFloor: fig(2.5) } };
    const v = verdicts(up, preview);
    const byName = (s: string) => v.find((x) => x.target.startsWith(s))!;
    assert.deepStrictEqual([byName("up at N = 20: upchain / floor").met, byName("up at N = 20: upchain / floor").measured], [true, 1.2]);
    const fa = byName("up at N = 20: upchain / faster Ansible");
    assert.match(fa.target, /the tuned Ansible/);
    assert.strictEqual(fa.met, false);
    assert.match(fa.note, /^missed by 0\.06× \(7% over the limit\)$/);
    assert.strictEqual(byName("up at N = 20: upchain / resumable floor").met, true);
    assert.strictEqual(byName("up at N = 1").measured, 1.5);
    assert.strictEqual(byName("preview at N = 100").met, true);
    assert.strictEqual(byName("preview at N = 500").met, undefined);
    assert.match(byName("preview at N = 500").note, /not measured in this run/);
    assert.match(byName("provider peak memory in up at N = 100").note, /not measured/);
    const cpu = byName("CPU-seconds per host-hop at N = 20");
    assert.strictEqual(cpu.met, false);
    assert.match(cpu.note, /missed by 0\.05× \(4% over the limit\)/);
    assert.ok(Math.abs(PROVIDER_LIMIT_MIB - 190.73) < 0.01);
  });

  it("judges memory at an N upchain ran alone, and still compares CPU where the floor ran", () => {
    const up: Table = {
      "20": { upchain: fig(60, { cpuPerUnit: st(0.5) }), floor: fig(50, { cpuPerUnit: st(0.5) }) },
      "100": { upchain: fig(300, { providerMiB: st(210) }) },
    };
    const v = verdicts(up, {});
    const memory = v.find((x) => x.target.startsWith("provider peak memory in up at N = 100"))!;
    assert.deepStrictEqual([memory.measured, memory.met], [210, false]);
    const cpu = v.find((x) => x.target.startsWith("CPU-seconds per host-hop"))!;
    assert.match(cpu.target, /at N = 20 /);
    assert.deepStrictEqual([cpu.measured, cpu.met], [1, true]);
    const md = markdown(up, {}, 3);
    assert.strictEqual(md.split("\n").filter((l) => l.startsWith("| 100 | 300.0")).length, 1);
    assert.match(md, /At N = 100 \(1 run\) upchain ran alone/);
  });

  it("takes the memory per host at N = 500 from the bench's own one-hop product when upchain's OMFLOW up did not run there, and names it", () => {
    const v = verdicts({}, {}, {}, { "500": fig(240, { providerMiB: st(400) }) });
    const memory = v.find((x) => x.target.startsWith("provider peak memory in up at N = 500"))!;
    assert.match(memory.target, /the bench's own one-hop product/);
    assert.strictEqual(memory.measured, 0.8);
    assert.strictEqual(memory.note, "measured (no limit set)");
  });

  it("says the own product's up at 500 failed, with why, when it did", () => {
    const v = verdicts({}, {}, { "up-own N = 500": "marker up N=500: pulumi up exited 1" }, {});
    const memory = v.find((x) => x.target.startsWith("provider peak memory in up at N = 500"))!;
    assert.strictEqual(memory.note, "failed in this run (up-own N = 500: marker up N=500: pulumi up exited 1)");
  });
});
