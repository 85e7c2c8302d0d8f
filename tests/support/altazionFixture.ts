// The fake Altazion Office update service on test hosts (tests/fixtures/altazion, its README is the
// contract): the service and its portal on 127.0.0.1:8080, the modules at their installed versions,
// the vendor feed the harness publishes versions to, pools, the database's SQL tool, fault files, and
// what tests read back (versions, status.xml, hooks, app_offline files, pools, service, events).
// Files are copied into the host's root; commands run over the harness side channel.
import * as fs from "fs";
import * as path from "path";
import { quote } from "../../providers/quote";
import { onHost } from "./hosts";
import { repoRoot } from "./pulumi";

const fixtureDir = path.join(repoRoot, "tests/fixtures/altazion");

/** The data folder (stands for C:\ProgramData\CPoint\[e]). */
export const DATA_FOLDER = "/opt/cpoint/[e]";
export const SERVICE_NAME = "[e] - service principal";
export const ALT_SERVICE_NAME = "Altazion - service principal";
export const FEED = "/srv/altazion-feed";
export const PORTAL_URL = "http://127.0.0.1:8080/";
export const EVENTS = "/var/log/altazion-fake/events.jsonl";
export const SERVICE_CLI = "/usr/local/sbin/altazion-service";
export const APPPOOL_CLI = "/usr/local/sbin/altazion-apppool";
export const SQL_CLI = "/usr/local/bin/altazion-sql";

export const MODULES = ["gestioncommerciale", "ecommerce", "phygitalapi", "integration", "database"] as const;
export type AltazionModule = (typeof MODULES)[number];
export const WEB_MODULES: readonly AltazionModule[] = ["ecommerce", "gestioncommerciale", "phygitalapi"];
export const PHASES = ["STARTUPDATE", "PREBACKUP", "POSTBACKUP", "PREINSTALL", "POSTINSTALL", "ENDUPDATE"] as const;
export type StartMode = "AutomaticDelayedStart" | "Automatic" | "Manual" | "Disabled";

export interface FixtureHost {
  name: string;
  root: string;
}

/** A host given by name or by its handle (startHosts' TestHost). */
export type HostRef = string | { name: string };
const nameOf = (h: HostRef) => (typeof h === "string" ? h : h.name);

export type LoopFault = { module: AltazionModule; whilePoolRunning: true } | { module: AltazionModule; times: number };

export interface AltazionFaults {
  staleDetection?: boolean;
  refuseStart?: boolean;
  /** Basename(s) of SQL scripts that fail. */
  sqlFail?: string | string[];
  loop?: LoopFault | LoopFault[];
}

export interface AltazionSpec {
  /** Default DATA_FOLDER; spaces allowed. */
  dataFolder?: string;
  /** Default SERVICE_NAME. */
  serviceName?: string;
  /** Installed modules: version, folder (default /srv/altazion/<module>/), pools of a web module (default [module]). */
  modules: Partial<Record<AltazionModule, { version: string; path?: string; pools?: string[] }>>;
  /** The modules with a node in applicationspath.config (default: every installed module). */
  declared?: AltazionModule[];
  /** automatic: false is a customised database (default true). */
  database?: { automatic: boolean };
  /** Default AutomaticDelayedStart. */
  startMode?: StartMode;
  /** Whether the service runs after the install (default: when the start mode is automatic). */
  running?: boolean;
  /** Seconds from the service's start to its detection (default 1), and between detections (default 3600). */
  detectDelaySeconds?: number;
  detectEverySeconds?: number;
  /** Seconds an install takes (default 0). */
  installSeconds?: number;
  /** `detected` of the first status.xml (default a day before); null writes none. */
  lastDetected?: string | null;
  faults?: AltazionFaults;
}

/** Copy the runtime, the commands and the boot script onto a host (idempotent). */
export function placeAltazion(h: FixtureHost): void {
  fs.cpSync(path.join(fixtureDir, "runtime"), path.join(h.root, "opt/altazion-fake"), { recursive: true });
  for (const [name, dir] of [["altazion-service", "usr/local/sbin"], ["altazion-apppool", "usr/local/sbin"], ["altazion-sql", "usr/local/bin"]]) {
    fs.mkdirSync(path.join(h.root, dir), { recursive: true });
    fs.copyFileSync(path.join(fixtureDir, "bin", name), path.join(h.root, dir, name));
    fs.chmodSync(path.join(h.root, dir, name), 0o755);
  }
  fs.mkdirSync(path.join(h.root, "etc/upchain/services.d"), { recursive: true });
  fs.copyFileSync(path.join(fixtureDir, "service"), path.join(h.root, "etc/upchain/services.d/altazion"));
  fs.chmodSync(path.join(h.root, "etc/upchain/services.d/altazion"), 0o755);
}

/**
 * Install the fake from scratch (whatever an earlier install left is removed, the feed is kept):
 * config, data folder, applicationspath.config, modules at their versions, pools started, faults, a
 * first status.xml, and the service started unless the spec says otherwise. Publish versions before
 * calling this when the service's first detection (1 s after its start) must see them.
 */
export function installAltazion(h: FixtureHost, spec: AltazionSpec): void {
  placeAltazion(h);
  fs.mkdirSync(path.join(h.root, "var/tmp"), { recursive: true });
  fs.writeFileSync(path.join(h.root, "var/tmp/altazion-spec.json"), JSON.stringify(spec));
  onHost(h.name, "python3 /opt/altazion-fake/azfake.py fixture-install /var/tmp/altazion-spec.json >/var/log/altazion-fixture.log 2>&1 || { cat /var/log/altazion-fixture.log >&2; exit 1; }");
}

/** A host path as seen from this machine. */
function inRoot(h: FixtureHost, p: string): string {
  return path.join(h.root, p.replace(/^\/+/, ""));
}

function writeTree(h: FixtureHost, dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const f = path.join(inRoot(h, dir), rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
  }
}

/**
 * Publish a version in the vendor feed (the service downloads it at its next detection). A module
 * gets `files` (default: its dll, and web.config for a web module); the database gets `scripts`
 * (name → SQL, under scripts/; default a schema change and a last script setting schema_version).
 */
export function publish(h: FixtureHost, module: AltazionModule, version: string, content: { files?: Record<string, string>; scripts?: Record<string, string> } = {}): void {
  const dir = `${FEED}/${module}/${version}`;
  fs.rmSync(inRoot(h, dir), { recursive: true, force: true });
  fs.mkdirSync(inRoot(h, dir), { recursive: true });
  if (module === "database") {
    const scripts = content.scripts ?? defaultScripts(version);
    writeTree(h, dir, Object.fromEntries(Object.entries(scripts).map(([n, s]) => [`scripts/${n}`, s])));
    if (content.files) writeTree(h, dir, content.files);
    return;
  }
  const files = content.files ?? {
    [`bin/Altazion.${module}.dll`]: `${module} ${version}\n`,
    ...(WEB_MODULES.includes(module) ? { "web.config": `<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <e />\n  <!-- ${version} -->\n</configuration>\n` } : {}),
  };
  writeTree(h, dir, files);
}

/** The database update scripts `publish` uses by default: the last one sets schema_version. */
export function defaultScripts(version: string): Record<string, string> {
  return {
    "001_tables.sql": `ALTER TABLE commandes ADD date_livraison DATETIME NULL;\nGO\n`,
    "002_procedures.sql": `CREATE OR ALTER PROCEDURE ps_commandes AS SELECT * FROM commandes;\nGO\n`,
    "003_version.sql": `INSERT INTO schema_version VALUES ('${version}');\nGO\n`,
  };
}

/** Remove every published version. */
export function clearFeed(h: FixtureHost): void {
  fs.rmSync(inRoot(h, FEED), { recursive: true, force: true });
}

function config(h: FixtureHost): { dataFolder: string; serviceName: string; modules: Record<string, { path: string }> } {
  return JSON.parse(fs.readFileSync(inRoot(h, "/etc/altazion-fake/config.json"), "utf8"));
}

/** The data folder of the installed fake. */
export function dataFolder(h: FixtureHost): string {
  return config(h).dataFolder;
}

/** A module's folder (ends with /). */
export function modulePath(h: FixtureHost, module: AltazionModule): string {
  return config(h).modules[module].path;
}

/** The module folder's version.txt, or null. */
export function moduleVersion(h: FixtureHost, module: AltazionModule): string | null {
  try {
    return fs.readFileSync(inRoot(h, `${modulePath(h, module)}version.txt`), "utf8").trim();
  } catch {
    return null;
  }
}

/** D/bin/updates/status.xml, or null. */
export function statusXml(h: FixtureHost): string | null {
  try {
    return fs.readFileSync(inRoot(h, `${dataFolder(h)}/bin/updates/status.xml`), "utf8");
  } catch {
    return null;
  }
}

export interface StatusModule {
  name: string;
  installed: string;
  available: string;
  automatic: boolean;
}

/** status.xml read: the detection time and one entry per module. */
export function parseStatus(xml: string): { detected: string; modules: StatusModule[] } {
  const detected = /<status\s+detected="([^"]*)"/.exec(xml)?.[1] ?? "";
  const modules = [...xml.matchAll(/<module name="([^"]*)" installed="([^"]*)" available="([^"]*)" automatic="(true|false)"\/>/g)].map((m) => ({
    name: m[1],
    installed: m[2],
    available: m[3],
    automatic: m[4] === "true",
  }));
  return { detected, modules };
}

/** The file names in D/bin/updates/scripts. */
export function hookFiles(h: FixtureHost): string[] {
  try {
    return fs.readdirSync(inRoot(h, `${dataFolder(h)}/bin/updates/scripts`)).sort();
  } catch {
    return [];
  }
}

/** Write a file into D/bin/updates/scripts (what upchain does for a hook). */
export function placeHook(h: FixtureHost, name: string, content: string): void {
  writeTree(h, `${dataFolder(h)}/bin/updates/scripts`, { [name]: content });
}

export type FaultName = "staleDetection" | "refuseStart" | "sqlFail" | "loop";

/** Set a harness fault (README "Faults"): sqlFail takes basenames, loop a LoopFault. */
export function setFault(h: FixtureHost, name: "staleDetection" | "refuseStart"): void;
export function setFault(h: FixtureHost, name: "sqlFail", scripts: string | string[]): void;
export function setFault(h: FixtureHost, name: "loop", loop: LoopFault | LoopFault[]): void;
export function setFault(h: FixtureHost, name: FaultName, value?: string | string[] | LoopFault | LoopFault[]): void {
  let text = "";
  if (name === "sqlFail") text = ([] as string[]).concat(value as string | string[]).join("\n") + "\n";
  if (name === "loop") text = JSON.stringify(value) + "\n";
  const f = inRoot(h, `/etc/altazion-fake/faults/${name}`);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
}

export function clearFault(h: FixtureHost, name: FaultName): void {
  fs.rmSync(inRoot(h, `/etc/altazion-fake/faults/${name}`), { force: true });
}

/** Leave an app_offline.<ext> in a module's folder (and an app_offline.bak too when `bak`), as earlier failed attempts would. */
export function placeAppOffline(h: FixtureHost, module: AltazionModule, o: { bak: boolean; ext: "htm" | "html" }): void {
  const files: Record<string, string> = { [`app_offline.${o.ext}`]: "<html><body>En maintenance</body></html>\n" };
  if (o.bak) files["app_offline.bak"] = "<html><body>En maintenance (ancienne)</body></html>\n";
  writeTree(h, modulePath(h, module), files);
}

/** The app_offline.* files in a module's folder. */
export function appOfflineFiles(h: FixtureHost, module: AltazionModule): string[] {
  return fs.readdirSync(inRoot(h, modulePath(h, module))).filter((f) => f.toLowerCase().startsWith("app_offline.")).sort();
}

export interface Result {
  code: number;
  out: string;
}

/** Run a shell command on the host and return its exit code and combined output (never throws). */
export function run(host: HostRef, script: string): Result {
  const out = onHost(nameOf(host), `f=$(mktemp); { ${script}; } >"$f" 2>&1; echo "rc=$?"; cat "$f"; rm -f "$f"`);
  const m = /^rc=(\d+)\n/.exec(out);
  if (!m) throw new Error(`no exit code in ${out}`);
  return { code: Number(m[1]), out: out.slice(m[0].length) };
}

/** altazion-service NAME ARGS... (NAME defaults to the installed service's name). */
export function service(h: FixtureHost, args: string[], name?: string): Result {
  return run(h.name, [SERVICE_CLI, name ?? config(h).serviceName, ...args].map(quote).join(" "));
}

/** altazion-apppool ARGS... */
export function apppool(host: HostRef, ...args: string[]): Result {
  return run(nameOf(host), [APPPOOL_CLI, ...args].map(quote).join(" "));
}

/** altazion-sql SCRIPTFILE */
export function sql(host: HostRef, script: string): Result {
  return run(nameOf(host), [SQL_CLI, script].map(quote).join(" "));
}

export function poolState(host: HostRef, pool: string): "Started" | "Stopped" {
  const r = apppool(host, "status", pool);
  if (r.code !== 0) throw new Error(`altazion-apppool status ${pool}: ${r.out}`);
  return r.out.trim() as "Started" | "Stopped";
}

export interface AltazionState {
  service: "Running" | "Stopped";
  startMode: StartMode;
  serviceName: string;
  dataFolder: string;
  pools: Record<string, "Started" | "Stopped">;
  modules: (StatusModule & { path: string })[];
  faults: string[];
}

/** Service status and start mode, pools, the declared modules' versions and the faults set. */
export function serviceState(host: HostRef): AltazionState {
  return JSON.parse(onHost(nameOf(host), "python3 /opt/altazion-fake/azfake.py fixture-state"));
}

export interface PortalAnswer {
  /** 0 when nothing answered (curl's exit code in curlExit). */
  status: number;
  headers: Record<string, string>;
  body: string;
  curlExit: number;
}

/** An HTTP request to the portal from inside the host: GET, or POST of a form (urlencoded). */
export function portal(host: HostRef, method: "GET" | "POST", urlPath = "/", form?: Record<string, string>): PortalAnswer {
  const args = ["curl", "-s", "-i", "--max-time", "30", "-X", method];
  for (const [k, v] of Object.entries(form ?? {})) args.push("--data-urlencode", `${k}=${v}`);
  args.push(`http://127.0.0.1:8080${urlPath}`);
  const r = run(nameOf(host), args.map(quote).join(" "));
  const [head, ...rest] = r.out.split(/\r?\n\r?\n/);
  const lines = head.split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  const status = r.code === 0 ? Number(/^HTTP\/\S+ (\d+)/.exec(lines[0] ?? "")?.[1] ?? 0) : 0;
  return { status, headers, body: rest.join("\n\n"), curlExit: r.code };
}

/** The module rows of a portal page: data-* attributes and whether it has the Installer form. */
export function portalRows(body: string): { module: string; installed: string; available: string; automatic: boolean; installer: boolean }[] {
  return [...body.matchAll(/<tr class="module" data-module="([^"]*)" data-installed="([^"]*)" data-available="([^"]*)"( data-automatic="false")?>([\s\S]*?)<\/tr>/g)].map((m) => ({
    module: m[1],
    installed: m[2],
    available: m[3],
    automatic: !m[4],
    installer: /<form method="post" action="\/install">[\s\S]*<button type="submit">Installer<\/button>/.test(m[5]),
  }));
}

export interface AltazionEvent {
  t: number;
  event: string;
  [k: string]: any;
}

/** The host's events in order (README "Events"); onHost reads up to 512 MB, so long logs are fine. */
export function altazionEvents(host: HostRef): AltazionEvent[] {
  return onHost(nameOf(host), `cat ${quote(EVENTS)} 2>/dev/null || true`)
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

/** Wait (polling) until an event after index `from` satisfies `pred`; returns it. */
export async function waitForEvent(host: HostRef, pred: (e: AltazionEvent) => boolean, o: { from?: number; timeoutMs?: number } = {}): Promise<AltazionEvent> {
  const deadline = Date.now() + (o.timeoutMs ?? 15000);
  for (;;) {
    const found = altazionEvents(host).slice(o.from ?? 0).find(pred);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching event on ${nameOf(host)} after ${o.timeoutMs ?? 15000} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
