import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { planJson } from "../../support/planJson";

const cli = path.resolve(__dirname, "../../../providers/cli.js");
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

describe("upchain plan groupmax (command line)", () => {
  it("--json from 02-00 prints one hop whose services-add step lists the six entries", () => {
    const r = run("plan", "groupmax", "--from", "02-00", "--to", "06-00", "--json");
    assert.strictEqual(r.status, 0, r.stderr);
    const plan = planJson(r.stdout);
    assert.strictEqual(plan.product, "groupmax");
    assert.strictEqual(plan.platform, "linux");
    assert.deepStrictEqual(
      plan.hops.map((h) => [h.from, h.to, h.rule.id]),
      [["02-00", "06-00", "groupmax.v2.0-to-v6"]],
    );
    const adds = plan.steps.filter((s) => s.id === "services-add");
    assert.strictEqual(adds.length, 1);
    assert.strictEqual(adds[0].action, "services-add");
    assert.strictEqual(adds[0].hop, "02-00->06-00");
    assert.strictEqual(adds[0].file, "/etc/services");
    assert.deepStrictEqual(adds[0].entries, [
      { name: "imap", port: 143, protocol: "tcp" },
      { name: "adrshd", port: 20141, protocol: "tcp" },
      { name: "pop3", port: 110, protocol: "tcp" },
      { name: "popcfg", port: 106, protocol: "tcp" },
      { name: "adagt_ap", port: 9080, protocol: "tcp" },
      { name: "adreq_ap", port: 9081, protocol: "tcp" },
    ]);
  });

  it("--json --platform windows renders PowerShell and the Windows services file", () => {
    const r = run("plan", "groupmax", "--from", "02-01", "--to", "06-00", "--platform", "windows", "--json");
    assert.strictEqual(r.status, 0, r.stderr);
    const plan = planJson(r.stdout);
    assert.ok(plan.steps.every((s) => s.shell === "powershell"));
    const add = plan.steps.find((s) => s.id === "services-add");
    assert.strictEqual(add?.file, "%SystemRoot%\\System32\\drivers\\etc\\services");
    assert.strictEqual(add?.entries?.length, 4);
  });

  it("an undocumented source (04-00) exits non-zero and names the documented sources on stderr", () => {
    const r = run("plan", "groupmax", "--from", "04-00", "--to", "06-00");
    assert.notStrictEqual(r.status, 0);
    assert.strictEqual(r.stdout, "");
    assert.match(r.stderr, /NO_LEGAL_PATH/);
    for (const src of ["05-RR", "03-RR", "02-RR"]) assert.ok(r.stderr.includes(src), r.stderr);
  });

  it("a version not written VV-RR exits non-zero naming the scheme", () => {
    const r = run("plan", "groupmax", "--from", "5.0", "--to", "06-00");
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /INVALID_INPUT: installed: "5\.0" .*VV-RR/);
  });

  it("text output from 05-00 lists the reboot step with its command and no services step", () => {
    const r = run("plan", "groupmax", "--from", "05-00", "--to", "06-00");
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /hop 1: 05-00 -> 06-00\n  rule groupmax\.v5-to-v6/);
    assert.match(r.stdout, /\n  \d+\. \[reboot\] Shut the machine down and restart it[^\n]*\n       from [^\n]*\n       \$ \/sbin\/reboot\n/);
    assert.ok(!r.stdout.includes("[services-add]"), "Version 5 adds no ports");
    const at = (label: string) => r.stdout.indexOf(label);
    assert.ok(at("[reboot]") < at("[backup]"), "the reboot is listed before the backup");
  });

  it("text output on Windows shows the reboot as Restart-Computer", () => {
    const r = run("plan", "groupmax", "--from", "05-00", "--to", "06-00", "--platform", "windows");
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /\[reboot\][^\n]*\n       from [^\n]*\n       PS> Restart-Computer -Force\n/);
  });
});
