// A fleet beyond one controller (docs/fleets.md): split into stacks by wave, every stack in one
// PostgreSQL backend, each run by its own controller (its own working copy and PULUMI_HOME). The
// canary stack goes first; the two site stacks are promoted from it (Promotion, the canary's
// `proven` output), so their preview is refused until the canary runs the target. Then the two
// sites' `pulumi up` run at the same time, and both name the host fxs: upchain's lock on fxs lets one
// upgrade it, and refuses the other at once, naming the run that holds it; each finishes its other
// host, and the refused site's next up finds fxs at the target and leaves it alone. The product is a
// small one of the test's own (one hop, 1 -> 2, three short steps), so the test measures the pattern,
// not a vendor's installer.
import * as assert from "assert";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../support/hosts";
import { PostgresServer, startPostgres } from "../support/postgres";
import { PulumiProject, repoRoot, runErrors } from "../support/pulumi";

const APP = "/etc/fleetapp";
/** How long the install on the shared host takes: the second site starts inside it. */
const SLOW_INSTALL_SECONDS = 12;

const catalogJs = `const { shStep, quote } = require("upchain");
const { TEST_STEP } = require(${JSON.stringify(path.join(repoRoot, "dist/tests/support/testProvenance.js"))});
const rule = { id: "fleetapp.one-by-one", text: "each release upgrades the one before it", source: "the test" };
const app = ${JSON.stringify(APP)};
exports.catalog = {
  product: "fleetapp",
  title: "Fleet app",
  scheme: { describe: "a whole number, like 2", normalize: (v) => (/^[0-9]+$/.test(v.trim()) ? String(Number(v)) : undefined), compare: (a, b) => Number(a) - Number(b) },
  platforms: ["linux"],
  defaultReleases: ["1", "2"],
  legalHops: (from, ctx) => ctx.releases.filter((r) => Number(r) === Number(from) + 1).map((to) => ({ from, to, rule })),
  requiredStops: () => [],
  probeVersion: () => ({ shell: "sh", command: "cat " + app + "/release 2>/dev/null || true" }),
  hopSteps: (hop) => [
    shStep({ provenance: TEST_STEP, id: "backup", action: "backup", title: "Keep " + hop.from, destructive: false, commands: ["rm -rf " + app + ".bak && cp -a " + app + " " + app + ".bak"] }),
    shStep({ provenance: TEST_STEP, id: "install", action: "run", title: "Install " + hop.to, destructive: true, commands: [
      "echo " + quote("install " + hop.to) + " >> " + app + "/installs.log",
      "if [ -f " + app + "/slow ]; then sleep \\"$(cat " + app + "/slow)\\"; fi",
      "echo " + quote(hop.to) + " > " + app + "/release",
    ] }),
    shStep({ provenance: TEST_STEP, id: "verify", action: "verify", title: "Release " + hop.to, destructive: false, commands: ["test \\"$(cat " + app + "/release)\\" = " + quote(hop.to)] }),
  ],
  restoreSteps: (hop) => [shStep({ provenance: TEST_STEP, id: "restore", action: "restore", title: "Put " + hop.from + " back", destructive: true, commands: ["rm -rf " + app + " && cp -a " + app + ".bak " + app] })],
};
`;

// Each stack: its servers at 2, promoted from the stack named in promotedFrom, publishing `proven`.
const programJs = `const pulumi = require("@pulumi/pulumi");
const { Server, Promotion, provenOutput } = require("upchain");
const cfg = new pulumi.Config();
const privateKey = cfg.requireSecret("privateKey");
const from = cfg.get("promotedFrom");
const promotion = from ? new Promotion({ from }) : undefined;
const proven = cfg.requireObject("servers").map((s) => {
  const server = new Server(s.name, { product: "fleetapp", catalogModule: "./catalogs/fleetapp", target: "2", lockTimeoutSeconds: 30,
    connection: { host: s.host, hostKey: s.hostKey, user: "root", privateKey }, promotion: promotion && promotion.gate("fleetapp", s.name) });
  return { name: s.name, product: "fleetapp", installedVersion: server.installedVersion, outcome: server.outcome };
});
exports.proven = provenOutput(proven);
`;

describe("a fleet split into stacks by wave, two controllers at once on one PostgreSQL backend", function () {
  this.timeout(10 * 60 * 1000);
  const names = { canary: "fxc", shared: "fxs", siteB: "fxb" };
  let hosts: Record<keyof typeof names, TestHost>;
  let pg: PostgresServer;
  let tmp: string;
  const stacks: Record<string, PulumiProject> = {};
  /** The site whose up the shared host's lock refused. */
  let refused: string | undefined;

  /** A stack of fleetapp servers at 2, in its own working copy (a controller), its state in PostgreSQL. */
  function stack(name: string, servers: TestHost[], promotedFrom?: string): PulumiProject {
    const p = new PulumiProject(name, programJs);
    fs.mkdirSync(path.join(p.dir, "catalogs"));
    fs.writeFileSync(path.join(p.dir, "catalogs/fleetapp.js"), catalogJs);
    p.shareState(pg.url, path.join(tmp, "passphrase"));
    p.init();
    p.writeConfig({
      "upchain-e2e:servers": servers.map((h) => ({ name: h.name, host: h.host, hostKey: h.hostKey })),
      ...(promotedFrom ? { "upchain-e2e:promotedFrom": promotedFrom } : {}),
    });
    p.setConfig("upchain-e2e:privateKey", privateKey(servers[0]), true);
    stacks[name] = p;
    return p;
  }
  const installs = (h: TestHost) =>
    onHost(h.name, `cat ${APP}/installs.log`)
      .split("\n")
      .filter((l) => l === "install 2").length;
  const release = (h: TestHost) => onHost(h.name, `cat ${APP}/release`).trim();

  before(async () => {
    requireRoot();
    pg = await startPostgres();
    const started = startHosts(names.canary, names.shared, names.siteB);
    hosts = { canary: started[0], shared: started[1], siteB: started[2] };
    for (const h of started) onHost(h.name, `rm -rf ${APP} /var/lib/upchain; mkdir -p ${APP}; echo 1 > ${APP}/release; : > ${APP}/installs.log`);
    onHost(names.shared, `echo ${SLOW_INSTALL_SECONDS} > ${APP}/slow`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-fleet-stacks-"));
    fs.writeFileSync(path.join(tmp, "passphrase"), randomBytes(24).toString("base64") + "\n", { mode: 0o600 });
    stack("canary", [hosts.canary]);
    stack("site-a", [hosts.shared], "canary");
    stack("site-b", [hosts.siteB, hosts.shared], "canary");
  });
  after(() => {
    Object.values(stacks).forEach((p) => p.dispose());
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (hosts) stopHosts(...Object.values(names));
    pg?.stop();
  });

  it("the promotion gate holds: a site's preview before the canary has run the target is refused NOT_PROMOTED, its host untouched", () => {
    const refused = stacks["site-a"].run(["preview"]);
    assert.notStrictEqual(refused.code, 0);
    assert.match(
      refused.output,
      /NOT_PROMOTED: 2 is not yet run successfully by the stack it is promoted from \(canary\)/,
      stacks["site-a"].masked(runErrors(refused.output)),
    );
    assert.strictEqual(release(hosts.shared), "1");
    assert.strictEqual(installs(hosts.shared), 0, "nothing ran on the shared host");
  });

  it("after the canary's up, both sites' ups run at once: the shared host is upgraded once, by the run that took its lock; the other is refused LOCKED naming that run, and site-b's own host is upgraded", async () => {
    const t0 = Date.now();
    // --skip-preview: check (and the gate in it) runs in up anyway; the preview pass only costs time here
    stacks.canary.ok(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(release(hosts.canary), "2");
    // two controllers start at the same moment; whichever takes the shared host's lock first holds it
    // through the slow install, and the other meets it
    const [a, b] = await Promise.all([
      stacks["site-a"].runAsync(["up", "--yes", "--skip-preview"]),
      stacks["site-b"].runAsync(["up", "--yes", "--skip-preview"]),
    ]);
    const runs = { "site-a": a, "site-b": b };
    const refusedBy = Object.entries(runs).filter(([, r]) => r.code !== 0);
    assert.strictEqual(
      refusedBy.length,
      1,
      `exactly one run is refused: ${Object.entries(runs)
        .map(([n, r]) => `${n} exited ${r.code}: ${runErrors(r.output)}`)
        .join("\n")}`,
    );
    const [loser, lost] = refusedBy[0];
    const winner = loser === "site-a" ? "site-b" : "site-a";
    assert.strictEqual(runs[winner].code, 0, runErrors(runs[winner].output));
    // refused on the shared host by upchain's lock, at once, naming the run that holds it
    const locked = new RegExp(
      `LOCKED: [^\\n]*${hosts.shared.host.replace(/\./g, "\\.")}[^\\n]*another upchain run \\(([0-9T]+-[0-9a-f]+)\\) is working on fleetapp[^\\n]*Wait for it to finish`,
    );
    const m = locked.exec(lost.output);
    assert.ok(m, stacks[loser].masked(runErrors(lost.output)));
    // the run named is the one the shared host's history keeps: the winner's, the only run there
    assert.deepStrictEqual(onHost(names.shared, "ls /var/lib/upchain/history").trim().split("\n"), [`fleetapp.${m[1]}.json`]);
    assert.strictEqual(release(hosts.siteB), "2", "site-b upgraded its own host either way");
    assert.strictEqual(release(hosts.shared), "2");
    assert.strictEqual(installs(hosts.shared), 1, "the shared host was upgraded once");
    refused = loser;
    console.log(`      canary, then two sites at once (${loser} refused on ${names.shared}): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it("the refused site's next up finds the shared host at 2 and finishes without touching it", () => {
    assert.ok(refused, "a site was refused in the test before");
    const again = stacks[refused].ok(["up", "--yes", "--skip-preview"]);
    assert.doesNotMatch(again.output, /LOCKED/);
    assert.strictEqual(installs(hosts.shared), 1, "nothing ran on the shared host");
    assert.strictEqual(release(hosts.shared), "2");
    const listed = (JSON.parse(stacks.canary.ok(["stack", "ls", "--json"]).stdout) as { name: string }[]).map((s) => s.name).sort();
    assert.deepStrictEqual(listed, ["canary", "site-a", "site-b"], "the three stacks are in the one database");
  });
});
