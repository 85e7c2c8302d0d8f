// Seven OMFLOW servers in waves of 1, 3 and 3 (a canary, then up to 34% of a wave may fail), through
// the pulumi CLI on real hosts: a canary failure stops everything after it; a wave over its budget
// stops the waves after it; a failure within the budget lets the next wave run and still fails the
// run at the end; once fixed, the next up finishes only what is left.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { failPatch, installOmflow, installedVersion as version, omflowOptions, versionCommand } from "../support/omflowFixture";
import { PulumiProject, repoRoot, runErrors } from "../support/pulumi";
import { execFileSync } from "child_process";
import type { RunRecord } from "../../providers/engine/running/runRecord";

const NAMES = ["wv1", "wv2", "wv3", "wv4", "wv5", "wv6", "wv7"];
const FROM = "1.1.6.3";
const TO = "1.1.6.4";
const versions = (names: string[]) => Object.fromEntries(names.map((n) => [n, version(n)]));
const setFailing = (names: string[], on: boolean) => names.forEach((n) => failPatch(n, TO, on));
/** No run ever reached the host: no journal, no restore point. */
const untouched = (name: string) => onHost(name, "ls /var/lib/upchain /var/backups/upchain/omflow 2>/dev/null | wc -l").trim() === "0";

describe("seven OMFLOW servers in waves of 1, 3 and 3 with a budget of 34% per wave", function () {
  this.timeout(30 * 60 * 1000);
  let hosts: TestHost[];
  let project: PulumiProject;
  const byAddress = new Map<string, string>();

  before(async () => {
    requireRoot();
    hosts = startHosts(...NAMES);
    for (const h of hosts) {
      await installOmflow(h, FROM);
      byAddress.set(h.host, h.name);
    }
    const options = await omflowOptions();
    project = new PulumiProject("waves");
    project.init();
    project.writeConfig({
      "upchain:servers": hosts.map((h) => ({ name: h.name, host: h.host, hostKey: h.hostKey, product: "omflow", version: TO, versionCommand, options })),
      "upchain:rollout": { waves: [1, 3], maxFailPercentage: 34 },
    });
    project.setConfig("upchain:privateKey", privateKey(hosts[0]), true);
  });
  after(() => {
    project?.dispose();
    stopHosts(...NAMES);
  });

  /** When each server's runs started and ended, from the run records the provider kept on the controller. */
  function runTimes(): Map<string, { start: number; end: number }[]> {
    const dir = path.join(project.dir, ".upchain", "runs");
    const out = new Map<string, { start: number; end: number }[]>();
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as RunRecord;
      const name = byAddress.get(r.server.replace(/^.*@/, "").replace(/:\d+$/, ""))!;
      const times = r.steps.flatMap((s) => [Date.parse(s.start), Date.parse(s.end ?? s.start)]);
      out.set(name, [...(out.get(name) ?? []), { start: Math.min(...times), end: Math.max(...times) }]);
    }
    return out;
  }

  it("preview shows the waves and their gates, and touches nothing", () => {
    const r = project.ok(["preview", "--diff"]);
    assert.match(r.output, /wave 1 of 3: wv1"/);
    assert.match(r.output, /wave 2 of 3: wv2, wv3, wv4"/);
    assert.match(r.output, /wave 3 of 3: wv5, wv6, wv7"/);
    for (const g of ["fleet-wave-1", "fleet-wave-2", "fleet-wave-3"]) assert.match(r.output, new RegExp(`upchain:WaveGate[^\\n]*${g}|${g}[^\\n]*create`), g);
    assert.ok(NAMES.every(untouched), "preview ran nothing on any host");
  });

  it("a failed canary stops everything after it: the canary is back on its old version, no other server touched", () => {
    setFailing(["wv1"], true);
    const r = project.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(r.code, 0);
    assert.match(r.output, /WAVE_FAILED: wave 1 of 3 \(wv1\): 1 of 1 servers failed, over its budget of 0 \(maxFailPercentage 34\)/, runErrors(r.output));
    assert.match(r.output, /6 servers of later waves were not touched \(wv2, wv3, wv4, wv5, wv6, wv7\)/);
    assert.match(r.output, /wv1: STEP_FAILED: .*run-patch/);
    assert.deepStrictEqual(versions(NAMES), Object.fromEntries(NAMES.map((n) => [n, FROM])));
    assert.ok(NAMES.slice(1).every(untouched), "no server after the canary was touched");
  });

  it("a wave over its budget (2 of 3 failed) stops the waves after it; the canary and the wave's good server are upgraded", () => {
    setFailing(["wv1"], false);
    setFailing(["wv2", "wv3"], true);
    const r = project.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(r.code, 0);
    assert.match(r.output, /WAVE_FAILED: wave 2 of 3 \(wv2, wv3, wv4\): 2 of 3 servers failed, over its budget of 1/, runErrors(r.output));
    assert.match(r.output, /3 servers of later waves were not touched \(wv5, wv6, wv7\)/);
    assert.deepStrictEqual(versions(["wv1", "wv2", "wv3", "wv4"]), { wv1: TO, wv2: FROM, wv3: FROM, wv4: TO });
    assert.ok(["wv5", "wv6", "wv7"].every(untouched), "wave 3 was not touched");
  });

  it("a failure within the budget lets the next wave run after the wave ended, and the run still fails naming the server", () => {
    setFailing(["wv2"], false);
    const r = project.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(r.code, 0, "a server left behind fails the run");
    assert.match(r.output, /WAVE_FAILED: every wave ran, but 1 server\(s\) failed within their wave's budget[\s\S]*wv3: STEP_FAILED/, runErrors(r.output));
    assert.doesNotMatch(r.output, /over its budget/);
    assert.deepStrictEqual(versions(NAMES), { wv1: TO, wv2: TO, wv3: FROM, wv4: TO, wv5: TO, wv6: TO, wv7: TO });
    // wave 3 started only once every server of wave 2 had finished this run (wv4 ran in the run before)
    const times = runTimes();
    const last = (n: string) => times.get(n)!.at(-1)!;
    const wave2Ended = Math.max(...["wv2", "wv3"].map((n) => last(n).end));
    const wave3Started = Math.min(...["wv5", "wv6", "wv7"].map((n) => last(n).start));
    assert.ok(wave3Started >= wave2Ended, `wave 3 started ${wave3Started - wave2Ended} ms after wave 2 ended`);
    // and the servers of a wave ran side by side
    const starts = ["wv5", "wv6", "wv7"].map((n) => last(n).start);
    const ends = ["wv5", "wv6", "wv7"].map((n) => last(n).end);
    assert.ok(Math.max(...starts) < Math.min(...ends), "wave 3's servers overlapped");
  });

  it("once fixed, up runs only the server left behind; up again changes nothing and refresh finds no drift", () => {
    setFailing(["wv3"], false);
    const before = runTimes();
    const r = project.ok(["up", "--yes", "--skip-preview"]);
    assert.deepStrictEqual(versions(NAMES), Object.fromEntries(NAMES.map((n) => [n, TO])));
    const after = runTimes();
    assert.deepStrictEqual(
      NAMES.filter((n) => (after.get(n)?.length ?? 0) !== (before.get(n)?.length ?? 0)),
      ["wv3"],
      r.output,
    );
    project.ok(["up", "--yes", "--expect-no-changes"]);
    project.ok(["refresh", "--yes", "--expect-no-changes"]);
  });

  it("upchain report draws each server's last run wave by wave, the three waves marked", () => {
    const exported = path.join(project.dir, "export.json");
    const svg = path.join(project.dir, "report.svg");
    project.ok(["stack", "export", "--file", exported]);
    execFileSync(
      process.execPath,
      [
        path.join(repoRoot, "dist/providers/cli.js"),
        "report",
        "--stack",
        "waves",
        "--export",
        exported,
        "--runs",
        path.join(project.dir, ".upchain", "runs"),
        "--out",
        svg,
      ],
      { stdio: "pipe" },
    );
    const text = fs.readFileSync(svg, "utf8");
    const rows = [...text.matchAll(/class="label"[^>]*>([^<]+)</g)].map((m) => m[1]);
    // wave by wave; within a wave, in the order the state has them (the order they finished)
    assert.deepStrictEqual(
      [rows.slice(0, 1), rows.slice(1, 4).sort(), rows.slice(4).sort()],
      [["wv1"], ["wv2", "wv3", "wv4"], ["wv5", "wv6", "wv7"]],
      rows.join(", "),
    );
    assert.deepStrictEqual(
      [...text.matchAll(/>wave (\d+)</g)].map((m) => m[1]),
      ["1", "2", "3"],
      "each wave marked where it starts",
    );
    assert.strictEqual((text.match(/class="wave"/g) ?? []).length, 3);
  });
});
