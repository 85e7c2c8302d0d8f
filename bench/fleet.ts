// The bench's hosts: bn1..bnN, real test hosts (tests/hosts/testhost.sh). Every repetition starts from
// the same state: the host is reset to the pristine base (`testhost.sh reset`, a fresh overlay, a fresh
// boot and a fresh host key) and OMFLOW 1.1.5.0 is laid down from a "golden" tar of a host on which the
// real fixture installer (installOmflow) ran once. The tar holds exactly what install.sh writes, so the
// files are those of a full install, but a host is ready in about a second instead of a pip install and
// a mod_wsgi compile per host per repetition.
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { TestHost, hostInfo, onHost, startHosts, stopHosts } from "../tests/support/hosts";
import { installOmflow } from "../tests/support/omflowFixture";
import { repoRoot } from "../tests/support/pulumi";

export const START_VERSION = "1.1.5.0";
export const TARGET_VERSION = "1.1.6.4";
const harness = path.join(repoRoot, "tests/hosts/testhost.sh");
const cache = path.join(process.env.UPCHAIN_CACHE ?? "/var/cache/upchain", "bench");
/** What install.sh creates or changes, relative to the host's root (000-default.conf it removes). */
const INSTALLED = ["opt/omflow", "etc/apache2/sites-enabled/django.conf", "etc/upchain/services.d/omflow"];

export const names = (n: number) => Array.from({ length: n }, (_, i) => `bn${i + 1}`);

function harnessRun(args: string[]): void {
  execFileSync("bash", [harness, ...args], { stdio: ["ignore", "ignore", "inherit"] });
}

/** The golden tar, built once per fixture version (keyed on the fixture's files and the host base). */
export async function goldenTar(log: (l: string) => void): Promise<string> {
  const fixture = path.join(repoRoot, "tests/fixtures/omflow");
  const h = createHash("sha256");
  for (const f of fs.readdirSync(fixture, { recursive: true }).map(String).sort()) {
    const p = path.join(fixture, f);
    if (fs.statSync(p).isFile()) h.update(f).update(fs.readFileSync(p));
  }
  h.update(execFileSync("bash", [harness, "base"], { encoding: "utf8" }));
  const tar = path.join(cache, `omflow-${START_VERSION}-${h.digest("hex").slice(0, 12)}.tar`);
  if (fs.existsSync(tar)) return tar;
  log(`building the golden OMFLOW ${START_VERSION} install on host bngold (once; cached as ${tar})`);
  const [g] = startHosts("bngold");
  try {
    await installOmflow(g, START_VERSION);
    fs.mkdirSync(cache, { recursive: true });
    execFileSync("tar", ["-cf", tar + ".tmp", "-C", g.root, ...INSTALLED]);
    fs.renameSync(tar + ".tmp", tar);
  } finally {
    stopHosts("bngold");
  }
  return tar;
}

/**
 * Bring hosts bn1..bnN to the start state: pristine base, OMFLOW files from the golden tar, and
 * (when `start`) Apache and OMFLOW running as the installer leaves them. Returns fresh host infos
 * (a reset host has a new host key).
 */
export function resetFleet(n: number, tar: string, start = true, log?: (l: string) => void): TestHost[] {
  const list = names(n);
  const t0 = Date.now();
  // one harness call: its address allocation and known_hosts writing are not safe to run in parallel
  harnessRun(["reset", ...list]);
  const t1 = Date.now();
  const hosts = list.map(hostInfo);
  for (const h of hosts) {
    execFileSync("tar", ["-xf", tar, "-C", h.root, "--same-owner"]);
    fs.rmSync(path.join(h.root, "etc/apache2/sites-enabled/000-default.conf"), { force: true });
  }
  const t2 = Date.now();
  if (start) for (const h of hosts) onHost(h.name, "/etc/upchain/services.d/omflow start >/dev/null 2>&1");
  log?.(`reset ${n} hosts: harness ${(t1 - t0) / 1000} s, files ${(t2 - t1) / 1000} s, services ${(Date.now() - t2) / 1000} s`);
  for (const h of hosts) {
    const v = versionOn(h);
    if (v !== START_VERSION) throw new Error(`${h.name} should be at ${START_VERSION} after the reset, it reports ${v}`);
  }
  return hosts;
}

export const versionOn = (h: TestHost) => fs.readFileSync(path.join(h.root, "opt/omflow/VERSION"), "utf8").trim();

/** After a contender: every host must report the target, or the figure is not counted. */
export function assertAtTarget(hosts: TestHost[], who: string): void {
  const wrong = hosts.map((h) => [h.name, versionOn(h)]).filter(([, v]) => v !== TARGET_VERSION);
  if (wrong.length) throw new Error(`${who}: not at ${TARGET_VERSION} afterwards: ${wrong.map(([n, v]) => `${n}=${v}`).join(", ")}`);
  for (const h of hosts) onHost(h.name, "/opt/omflow/server/omflow_server status >/dev/null");
}

/** An OpenSSH known_hosts file with exactly these hosts' pinned keys (what Ansible and the floor check against). */
export function knownHostsFile(hosts: TestHost[], file: string): string {
  fs.writeFileSync(file, hosts.map((h) => `${h.host} ${h.hostKey}\n`).join(""));
  return file;
}

export function stopFleet(n: number): void {
  if (n > 0) stopHosts(...names(n));
}
