// `up` at a size where the fleet bench's OMFLOW hosts do not fit the machine's time (500 hosts running
// Apache and OMFLOW, each backing itself up with gzip, on 2 cores), for what that size is measured
// for: the provider's and the CLI's peak memory with that many servers in one `up`. The product is one
// of the bench's own, declared through a catalog module as a site declares its own product
// (docs/catalog-modules.md): one hop, 1 -> 2, a backup, a write and a verify per server, on hosts
// without their services. Every server still gets what upchain does for any server in an `up`: its
// login, the look-ahead, the lock, the journal, the fence, the steps launched and waited for, the
// version read at the end.
import * as fs from "fs";
import * as path from "path";
import { TestHost, privateKey } from "../tests/support/hosts";
import { PulumiProject } from "../tests/support/pulumi";
import { Accounting, Measured, pulumiTimed } from "./contenders";

/** Where the product keeps its version on a host. */
export const MARKER_FILE = "/etc/bench-marker/VERSION";

const catalogModule = `const { shStep, quote } = require("upchain");
const rule = { id: "marker.one-by-one", text: "each marker release upgrades the one before it", source: "the fleet bench's own product" };
const file = ${JSON.stringify(MARKER_FILE)};
const saved = (hop) => "/var/backups/marker-" + hop.from;
exports.catalog = {
  product: "marker",
  title: "Bench marker",
  scheme: { describe: "a whole number", normalize: (v) => (/^[0-9]+$/.test(v) ? String(Number(v)) : undefined), compare: (a, b) => Number(a) - Number(b) },
  platforms: ["linux"],
  defaultReleases: ["1", "2"],
  legalHops: (from, ctx) => ctx.releases.filter((r) => Number(r) === Number(from) + 1).map((to) => ({ from, to, rule })),
  requiredStops: () => [],
  probeVersion: () => ({ shell: "sh", command: "cat " + file + " 2>/dev/null || true" }),
  hopSteps: (hop) => [
    shStep({ id: "backup", action: "backup", title: "Keep marker " + hop.from, destructive: false, commands: ["cp " + file + " " + quote(saved(hop))] }),
    shStep({ id: "write", action: "run", title: "Write marker " + hop.to, destructive: true, commands: ["echo " + quote(hop.to) + " > " + file] }),
    shStep({ id: "verify", action: "verify", title: "Marker reads " + hop.to, destructive: false, commands: ['test "$(cat ' + file + ')" = ' + quote(hop.to)] }),
  ],
  restoreSteps: (hop) => [shStep({ id: "restore", action: "restore", title: "Put marker " + hop.from + " back", destructive: true, commands: ["cp " + quote(saved(hop)) + " " + file] })],
};
`;

// The servers come from a file beside the program (a stack file holds about 120: docs/fleets.md).
const program = `const pulumi = require("@pulumi/pulumi");
const fs = require("fs");
const { Server } = require("upchain");
const privateKey = new pulumi.Config().requireSecret("privateKey");
for (const h of JSON.parse(fs.readFileSync("fleet.json", "utf8"))) {
  new Server(h.name, { product: "marker", catalogModule: "./catalogs/marker", target: "2", connection: { host: h.host, user: "root", privateKey, hostKey: h.hostKey } });
}
`;

/** Put every host at the product's version 1 (its file in the host's root, as the harness sees it). */
export function resetMarkers(hosts: TestHost[]): void {
  for (const h of hosts) {
    const file = path.join(h.root, MARKER_FILE);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "1\n");
  }
}

/** The version each host reports, read from its root. */
export const markerOn = (h: TestHost): string => fs.readFileSync(path.join(h.root, MARKER_FILE), "utf8").trim();

/** `pulumi up` of the marker product on every host at once (from 1 to 2), timed and measured like the fleet bench's contenders. */
export async function ownProductUp(hosts: TestHost[], a: Accounting = {}): Promise<Measured> {
  resetMarkers(hosts);
  const project = new PulumiProject(`own${hosts.length}`, program);
  try {
    fs.mkdirSync(path.join(project.dir, "catalogs"));
    fs.writeFileSync(path.join(project.dir, "catalogs", "marker.js"), catalogModule);
    fs.writeFileSync(path.join(project.dir, "fleet.json"), JSON.stringify(hosts.map((h) => ({ name: h.name, host: h.host, hostKey: h.hostKey }))));
    project.init();
    project.setConfig("privateKey", privateKey(hosts[0]), true);
    const m = await pulumiTimed(project, ["up", "--yes", "--skip-preview", "--parallel", String(Math.max(8, hosts.length))], `marker up N=${hosts.length}`, a);
    const behind = hosts.filter((h) => markerOn(h) !== "2").map((h) => `${h.name}=${markerOn(h)}`);
    if (behind.length)
      throw new Error(`marker up N=${hosts.length}: not at 2 afterwards: ${behind.slice(0, 10).join(", ")}${behind.length > 10 ? ", ..." : ""}`);
    return m;
  } finally {
    project.dispose();
  }
}
