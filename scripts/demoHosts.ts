// The demo's hosts (scripts/demo.sh): test hosts on this machine running the fake vendor products at
// old versions, for stacks/Pulumi.demo.yaml to upgrade. The products are installed by the acceptance
// tests' own fixtures; this file only says which product goes where, at which old version.
//
// usage: node dist/scripts/demoHosts.js start     start the demo hosts that are not running (their disks
//                                                 kept); print "ready" when each has its products, else "missing"
//        node dist/scripts/demoHosts.js install   wipe the demo hosts, start them fresh and install the old versions
//        node dist/scripts/demoHosts.js versions  print what each host runs, read on the host itself
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { installAltazion, moduleVersion, publish } from "../tests/support/altazionFixture";
import { groupmaxPackage, groupmaxState, installGroupmax } from "../tests/support/groupmaxFixture";
import { defaultPorts, installHaproxy, serverAdminStates } from "../tests/support/haproxyFixture";
import { TestHost, hostInfo, onHost, requireRoot, startHosts, stopHosts } from "../tests/support/hosts";
import { installOmflow, newEnvironmentBundle, patchArchive, standardPatches, versionCommand as omflowVersionCommand } from "../tests/support/omflowFixture";
import { SOURCE_PORTS, homeState, installInfrastructure, installSourceHome, memberOf } from "../tests/support/oracleAsFixture";
import { DESTINATION_HOME, SOURCE_HOME } from "../tests/support/oracleAsProject";
import { repoRoot } from "../tests/support/pulumi";

/**
 * Each demo host and its address index (10.77.0.N, as stacks/Pulumi.demo.yaml gives them): far above
 * the indices the harness hands out to tests (from 10 upward), so a test running beside the demo never
 * takes a demo address.
 */
export const DEMO_HOSTS = {
  "demo-omf": 201,
  "demo-gmx": 202,
  "demo-wc1": 203,
  "demo-wc2": 204,
  "demo-lb": 205,
  "demo-infra": 206,
  "demo-az": 207,
} as const;
export type DemoHost = keyof typeof DEMO_HOSTS;
const NAMES = Object.keys(DEMO_HOSTS) as DemoHost[];
const WEB_CACHE_MEMBERS: DemoHost[] = ["demo-wc1", "demo-wc2"];

/** The old versions the demo starts from. */
export const OLD = {
  omflow: "1.1.6.1",
  groupmax: "02-00",
  oracleAs: "9.0.2.3.0",
  altazion: { ecommerce: "5.1.0.0", gestioncommerciale: "5.1.0.0", database: "5.1.0.0" },
} as const;
/** What the Altazion vendor feed offers (the service detects it; the stack asks for it). */
const PUBLISHED = { ecommerce: ["5.2.0.0"], gestioncommerciale: ["5.2.0.0", "5.2.1.0"], database: ["5.2.0.0"] } as const;

/**
 * Where the demo keeps the vendor media the stack uploads (patches, the offline bundle, the Groupmax
 * Version 6 package): the paths stacks/Pulumi.demo.yaml names, as a site keeps its media on the
 * machine that runs pulumi.
 */
export const MEDIA = "/var/cache/upchain/demo-media";

/** Written on a host once its products are installed: a host without it is new (or was wiped). */
const MARKER = "etc/upchain-demo/installed";

const harness = path.join(repoRoot, "tests/hosts/testhost.sh");
const log = (s: string) => process.stderr.write(`demo: ${s}\n`);

function running(): Set<string> {
  return new Set(execFileSync("bash", [harness, "list"], { encoding: "utf8" }).split("\n").filter(Boolean));
}

/** Whether the host answers on the harness side channel (its directory can outlive it: a killed supervisor). */
function alive(name: string): boolean {
  try {
    onHost(name, "true");
    return true;
  } catch {
    return false;
  }
}

/** Start the hosts that are not running, keeping what their disks hold; true when every host has its products. */
function start(): boolean {
  const listed = running();
  const stopped = NAMES.filter((n) => !listed.has(n) || !alive(n));
  if (stopped.length) {
    log(`starting ${stopped.join(", ")}`);
    execFileSync("bash", [harness, "up", ...stopped.map((n) => `${n}:${DEMO_HOSTS[n]}`)], { stdio: ["ignore", "ignore", "inherit"] });
  }
  const missing = NAMES.filter((n) => !fs.existsSync(path.join(hostInfo(n).root, MARKER)));
  if (missing.length) log(`no demo products on ${missing.join(", ")}`);
  return missing.length === 0;
}

/** The vendor media where the stack expects them (copies: a few small files; the bundle is linked, it is large and kept in the fixture cache). */
async function placeMedia(): Promise<void> {
  const omflow = path.join(MEDIA, "omflow");
  fs.rmSync(MEDIA, { recursive: true, force: true });
  fs.mkdirSync(omflow, { recursive: true });
  for (const v of ["1.2.0.0", "1.2.0.1"]) {
    const archive = patchArchive(v, standardPatches[v]);
    fs.copyFileSync(archive, path.join(omflow, path.basename(archive)));
  }
  fs.symlinkSync(await newEnvironmentBundle(), path.join(omflow, "bundle"));
  fs.cpSync(groupmaxPackage(), path.join(MEDIA, "groupmax-06-00"), { recursive: true });
}

/** The Oracle ias_admin password as the demo stack holds it (encrypted): the fake servers are installed with it. */
function iasAdminPassword(): string {
  return execFileSync("pulumi", ["config", "get", "--stack", "demo", "--path", "upchain:secrets.ias_admin"], { cwd: repoRoot, encoding: "utf8" }).replace(
    /\n$/,
    "",
  );
}

async function install(): Promise<void> {
  requireRoot();
  const password = iasAdminPassword();
  stopHosts(...NAMES);
  const hosts = Object.fromEntries(startHosts(...NAMES.map((n) => `${n}:${DEMO_HOSTS[n]}`)).map((h) => [h.name, h])) as Record<DemoHost, TestHost>;
  log("placing the vendor media in " + MEDIA);
  await placeMedia();

  log(`demo-omf: OMFLOW ${OLD.omflow} (Apache, mod_wsgi, Django 2.2)`);
  await installOmflow(hosts["demo-omf"], OLD.omflow);

  log(`demo-gmx: Groupmax ${OLD.groupmax}`);
  installGroupmax(hosts["demo-gmx"], OLD.groupmax);

  log(
    `demo-infra: the Oracle AS Infrastructure ${OLD.oracleAs}; ${WEB_CACHE_MEMBERS.join(", ")}: middle tiers ${OLD.oracleAs} with Web Cache; demo-lb: HAProxy over them`,
  );
  const infra = installInfrastructure(hosts["demo-infra"], OLD.oracleAs);
  const members = WEB_CACHE_MEMBERS.map((n) => memberOf(hosts[n]));
  for (const n of WEB_CACHE_MEMBERS)
    installSourceHome(hosts[n], { path: SOURCE_HOME, version: OLD.oracleAs, infra, webCache: { members }, emRunning: true, iasAdminPassword: password });
  // traffic on each member's Web Cache listener, invalidations on its invalidation port (it answers POST only: checked by TCP)
  const pool = WEB_CACHE_MEMBERS.map((n) => ({
    name: n,
    address: hosts[n].host,
    trafficPort: SOURCE_PORTS.webCache,
    invalidationPort: SOURCE_PORTS.invalidation,
  }));
  installHaproxy(hosts["demo-lb"], pool, defaultPorts, { invalidationCheck: "tcp" });

  log(
    `demo-az: Altazion Office ${Object.entries(OLD.altazion)
      .map(([m, v]) => `${m} ${v}`)
      .join(", ")}; the vendor feed offers newer ones`,
  );
  for (const [m, versions] of Object.entries(PUBLISHED)) for (const v of versions) publish(hosts["demo-az"], m as keyof typeof PUBLISHED, v);
  installAltazion(hosts["demo-az"], { modules: Object.fromEntries(Object.entries(OLD.altazion).map(([m, v]) => [m, { version: v }])) });

  for (const n of NAMES) {
    fs.mkdirSync(path.dirname(path.join(hosts[n].root, MARKER)), { recursive: true });
    fs.writeFileSync(path.join(hosts[n].root, MARKER), `${new Date().toISOString()}\n`);
  }
}

/** What each product runs, read on its host: [host, product, version]. */
export function hostVersions(): [string, string, string][] {
  const az = { name: "demo-az", root: hostInfo("demo-az").root };
  const oracle = (n: string) => {
    const dest = homeState(n, DESTINATION_HOME);
    const home = dest.exists && dest.opmnRunning ? dest : homeState(n, SOURCE_HOME);
    return `${home.version} (${home.path}${home.opmnRunning ? ", running" : ", stopped"})`;
  };
  const pools = Object.entries(serverAdminStates("demo-lb")).map(([server, admin]) => `${server} ${admin === 0 ? "ready" : "out"}`);
  return [
    ["demo-omf", "OMFLOW", onHost("demo-omf", omflowVersionCommand).trim()],
    ["demo-gmx", "Groupmax", groupmaxState("demo-gmx").version],
    ...WEB_CACHE_MEMBERS.map((n): [string, string, string] => [n, "Oracle AS Web Cache", oracle(n)]),
    ["demo-lb", "HAProxy pools", pools.join(", ")],
    ["demo-az", "Altazion Office", (Object.keys(OLD.altazion) as (keyof typeof OLD.altazion)[]).map((m) => `${m} ${moduleVersion(az, m)}`).join(", ")],
  ];
}

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n");
}

async function main(): Promise<void> {
  const cmd = process.argv[2];
  if (cmd === "start") console.log(start() ? "ready" : "missing");
  else if (cmd === "install") await install();
  else if (cmd === "versions") console.log(table([["host", "product", "installed (read on the host)"], ...hostVersions()]));
  else {
    process.stderr.write("usage: demoHosts.js start|install|versions\n");
    process.exit(2);
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`demo: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
