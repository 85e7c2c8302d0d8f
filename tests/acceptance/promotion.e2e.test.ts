// Environments promoted in order: dev -> staging -> prod, three stacks of one project in one backend
// (three working copies, as a team has), each managing a Groupmax test host. Each stack publishes what
// it runs successfully (`proven`); the next reads it with Pulumi's StackReference. prod is refused at
// preview, naming the server and the version, until staging runs that version; an override, named
// and explained, lets it through and every preview says so.
import * as assert from "assert";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GROUPMAX_LAYOUT, groupmaxLog, groupmaxState, installGroupmax } from "../support/groupmaxFixture";
import { groupmaxOptions } from "../support/groupmaxProject";
import { TestHost, privateKey, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { PulumiProject, runErrors } from "../support/pulumi";

describe("environments promoted in order: dev, then staging, then prod", function () {
  this.timeout(20 * 60 * 1000);
  const names = ["prdev", "prstg", "prprod"];
  let hosts: Record<string, TestHost>;
  let tmp: string;
  const stacks: Record<string, PulumiProject> = {};

  /** The stack's one Groupmax server at `version`, promoted from `from` when given. */
  function configure(stack: string, host: TestHost, version: string, promotion?: Record<string, unknown>): void {
    const p = stacks[stack];
    p.writeConfig({
      "upchain:servers": [
        {
          name: host.name,
          host: host.host,
          hostKey: host.hostKey,
          product: "groupmax",
          version,
          versionCommand: GROUPMAX_LAYOUT.versionCommand,
          options: groupmaxOptions(),
          lockTimeoutSeconds: 30,
        },
      ],
      ...(promotion ? { "upchain:promotion": promotion } : {}),
    });
    p.setConfig("upchain:privateKey", privateKey(host), true);
  }

  before(() => {
    requireRoot();
    const started = startHosts(...names);
    hosts = { dev: started[0], staging: started[1], prod: started[2] };
    for (const h of started) installGroupmax(h, "02-00");
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-promotion-"));
    const passphraseFile = path.join(tmp, "passphrase");
    fs.writeFileSync(passphraseFile, randomBytes(24).toString("base64") + "\n", { mode: 0o600 });
    fs.mkdirSync(path.join(tmp, "state"));
    for (const stack of ["dev", "staging", "prod"]) {
      stacks[stack] = new PulumiProject(stack);
      stacks[stack].shareState(`file://${path.join(tmp, "state")}`, passphraseFile);
      stacks[stack].init();
    }
  });
  after(() => {
    Object.values(stacks).forEach((p) => p.dispose());
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    stopHosts(...names);
  });

  it("dev, promoted from nothing, goes to 06-00 and publishes it as proven", () => {
    configure("dev", hosts.dev, "06-00");
    stacks.dev.ok(["up", "--yes"]);
    assert.strictEqual(groupmaxState(hosts.dev.name).version, "06-00");
    const proven = JSON.parse(stacks.dev.ok(["stack", "output", "proven", "--json"]).stdout);
    assert.deepStrictEqual(proven, { groupmax: { "06-00": [hosts.dev.name] } });
  });

  it("staging, still at 02-00, publishes 02-00", () => {
    configure("staging", hosts.staging, "02-00", { from: "dev" });
    stacks.staging.ok(["up", "--yes"]);
    assert.deepStrictEqual(JSON.parse(stacks.staging.ok(["stack", "output", "proven", "--json"]).stdout), { groupmax: { "02-00": [hosts.staging.name] } });
  });

  it("prod to 06-00 is refused at preview, naming the server, the version and what staging runs; prod's host is not touched", () => {
    configure("prod", hosts.prod, "06-00", { from: "staging" });
    const before = groupmaxLog(hosts.prod.name).join("\n");
    const r = stacks.prod.run(["preview"]);
    assert.notStrictEqual(r.code, 0, "preview fails");
    assert.match(
      r.output,
      new RegExp(
        `Server resource '${hosts.prod.name}' has a problem: upchain:servers\\[0\\]\\.version: NOT_PROMOTED: 06-00 is not yet run successfully by the stack it is promoted from \\(staging\\) for groupmax: it runs 02-00\\.`,
      ),
      runErrors(r.output),
    );
    const up = stacks.prod.run(["up", "--yes"]);
    assert.notStrictEqual(up.code, 0, "and so does up");
    assert.strictEqual(groupmaxLog(hosts.prod.name).join("\n"), before, "nothing ran on prod's host");
    assert.strictEqual(groupmaxState(hosts.prod.name).version, "02-00");
  });

  it("an override, set with the very command NOT_PROMOTED gives, lets preview through and is shown by it", () => {
    configure("prod", hosts.prod, "06-00", { from: "staging" });
    const refused = stacks.prod.run(["preview"]);
    const advice = /pulumi config set --path '([^']+)' '<why it cannot wait>'/.exec(refused.output);
    assert.ok(advice, `NOT_PROMOTED gives a command to set the override:\n${runErrors(refused.output)}`);
    assert.strictEqual(advice[1], `upchain:promotion.overrides.${hosts.prod.name}`);
    stacks.prod.ok(["config", "set", "--path", advice[1], "CVE-2026-0001: vendor fix, change 4711"]);
    const r = stacks.prod.ok(["preview", "--diff"]);
    assert.match(
      r.output,
      new RegExp(
        `promotion OVERRIDE: ${hosts.prod.name} may go to its target without staging running it first, because: CVE-2026-0001: vendor fix, change 4711`,
      ),
    );
    assert.match(r.output, /promotion\s*: "OVERRIDE of staging: CVE-2026-0001: vendor fix, change 4711"/, "the plan in the diff carries it too");
  });

  it("once staging runs 06-00 (promoted from dev, which does), prod goes to 06-00 without any override", () => {
    configure("staging", hosts.staging, "06-00", { from: "dev" });
    stacks.staging.ok(["up", "--yes"]);
    assert.strictEqual(groupmaxState(hosts.staging.name).version, "06-00");
    configure("prod", hosts.prod, "06-00", { from: "staging" });
    const preview = stacks.prod.ok(["preview", "--diff"]);
    assert.doesNotMatch(preview.output, /OVERRIDE/);
    stacks.prod.ok(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(groupmaxState(hosts.prod.name).version, "06-00");
    stacks.prod.ok(["up", "--yes", "--expect-no-changes"]);
  });

  it("a server already at its target needs no proof: prod previews no change after staging stops publishing groupmax", () => {
    // staging's stack now says it runs nothing of groupmax: its server is removed from it
    stacks.staging.writeConfig({ "upchain:hosts": [{ name: hosts.staging.name, host: hosts.staging.host, hostKey: hosts.staging.hostKey }] });
    stacks.staging.setConfig("upchain:privateKey", privateKey(hosts.staging), true);
    stacks.staging.ok(["up", "--yes"]);
    assert.deepStrictEqual(JSON.parse(stacks.staging.ok(["stack", "output", "proven", "--json"]).stdout), {});
    stacks.prod.ok(["preview", "--expect-no-changes"]);
  });
});
