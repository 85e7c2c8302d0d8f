// The bench's hosts: bn1..bnN, real test hosts (tests/hosts/testhost.sh). Every repetition starts from
// the same state: `testhost.sh reset` gives the host a fresh overlay, a fresh boot and a fresh host key,
// over a read-only layer (UPCHAIN_HOST_LAYERS) holding OMFLOW 1.1.5.0 exactly as the real fixture
// installer (installOmflow) left it on a host once: the files of a full install (venv, mod_wsgi, Apache
// site), started at boot by the host's init like any installed service. A host is ready in about a
// second, where a pip install and a mod_wsgi compile per host per repetition took a minute, and copying
// the 9,000 files of the install into each host took 5 s a host.
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
const INSTALLED = ["opt/omflow", "etc/apache2/sites-enabled/django.conf", "etc/upchain/services.d/omflow", "var/lib/omflow-db"];

export const names = (n: number) => Array.from({ length: n }, (_, i) => `bn${i + 1}`);

/** The golden tar, built once per fixture version (keyed on the fixture's files and the host base). */
export async function goldenLayer(log: (l: string) => void): Promise<string> {
  const tar = await goldenTar(log);
  const layer = tar.replace(/\.tar$/, ".layer");
  if (fs.existsSync(path.join(layer, ".complete"))) return layer;
  fs.rmSync(layer + ".tmp", { recursive: true, force: true });
  const root = path.join(layer + ".tmp", "root");
  fs.mkdirSync(root, { recursive: true });
  execFileSync("tar", ["-xf", tar, "-C", root, "--same-owner"]);
  // install.sh removes Apache's default site: an overlay whiteout (a 0/0 character device) hides it
  execFileSync("mknod", [path.join(root, "etc/apache2/sites-enabled/000-default.conf"), "c", "0", "0"]);
  fs.writeFileSync(path.join(layer + ".tmp", ".complete"), "");
  fs.rmSync(layer, { recursive: true, force: true });
  fs.renameSync(layer + ".tmp", layer);
  return layer;
}

async function goldenTar(log: (l: string) => void): Promise<string> {
  const fixture = path.join(repoRoot, "tests/fixtures/omflow");
  const h = createHash("sha256");
  for (const f of fs.readdirSync(fixture, { recursive: true }).map(String).sort()) {
    const p = path.join(fixture, f);
    if (fs.statSync(p).isFile()) h.update(f).update(fs.readFileSync(p));
  }
  h.update(execFileSync("bash", [harness, "base"], { encoding: "utf8" }));
  h.update(INSTALLED.join("\n")); // a path added to the layer makes a new one
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
 * A layer over the OMFLOW one that hides its services entry (an overlay whiteout), so the host's init
 * starts neither Apache nor OMFLOW: the install is all there, as preview reads it (the version, the
 * journal), at the memory of an sshd per host. For preview at 500 hosts, which runs no step.
 */
export function quietLayer(layerDir: string): string {
  const quiet = layerDir + ".quiet";
  if (fs.existsSync(path.join(quiet, ".complete"))) return quiet;
  fs.rmSync(quiet, { recursive: true, force: true });
  const dir = path.join(quiet, "root/etc/upchain/services.d");
  fs.mkdirSync(dir, { recursive: true });
  execFileSync("mknod", [path.join(dir, "omflow"), "c", "0", "0"]);
  fs.writeFileSync(path.join(quiet, ".complete"), "");
  return quiet;
}

/**
 * Bring hosts bn1..bnN to the start state (the base, the OMFLOW layer, a fresh boot) and wait until
 * the host's init has started Apache and OMFLOW. Returns fresh host infos (a new host key each time).
 * `services: false` (preview only) starts them without Apache and OMFLOW (quietLayer).
 */
export async function resetFleet(n: number, layerDir: string, log?: (l: string) => void, opts: { services?: boolean } = {}): Promise<TestHost[]> {
  const list = names(n);
  const t0 = Date.now();
  const services = opts.services !== false;
  const layers = [...(services ? [] : [path.join(quietLayer(layerDir), "root")]), path.join(layerDir, "root")].join(":");
  const env = { ...process.env, UPCHAIN_HOST_LAYERS: layers };
  // harness calls one after the other (its address allocation and known_hosts writing are not safe to
  // run in parallel): hosts already there are reset (a fresh overlay and boot); `reset` refuses a host
  // that is not there (a fresh machine), so those are started, once (at 500 hosts a second boot costs minutes)
  const running = new Set(execFileSync("bash", [harness, "list"], { encoding: "utf8" }).split("\n"));
  for (const [cmd, some] of [
    ["reset", list.filter((h) => running.has(h))],
    ["up", list.filter((h) => !running.has(h))],
  ] as const) {
    if (some.length) execFileSync("bash", [harness, cmd, ...some], { stdio: ["ignore", "ignore", "inherit"], env });
  }
  const t1 = Date.now();
  const hosts = list.map(hostInfo);
  for (const h of services ? hosts : []) {
    // init starts the services just after sshd: wait for OMFLOW's pid, as a boot would
    const deadline = Date.now() + 60_000;
    while (!/running/.test(onHost(h.name, "/opt/omflow/server/omflow_server status || true"))) {
      if (Date.now() > deadline) throw new Error(`${h.name}: OMFLOW did not start at boot within 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const v = versionOn(h);
    if (v !== START_VERSION) throw new Error(`${h.name} should be at ${START_VERSION} after the reset, it reports ${v}`);
  }
  log?.(`reset ${n} hosts: harness ${(t1 - t0) / 1000} s${services ? `, services up ${(Date.now() - t1) / 1000} s later` : " (no services: preview only)"}`);
  return hosts;
}

/** The fake keeps its version in settings.py (no VERSION file since f8f9240), where the stack's versionCommand reads it. */
export const versionOn = (h: TestHost) =>
  /^OMFLOW_VERSION = "(.*)"$/m.exec(fs.readFileSync(path.join(h.root, "opt/omflow/web/omflow_site/settings.py"), "utf8"))?.[1] ?? "none";

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
