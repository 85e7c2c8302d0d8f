// The fake Altazion Office update service on test hosts (tests/fixtures/altazion, its README is the
// contract): the service and its portal on 127.0.0.1:8080, the modules at their installed versions,
// the vendor feed the harness publishes versions to, pools, the database's SQL tool, fault files, and
// what tests read back (versions, status.xml, hooks, app_offline files, pools, service, events), and
// ALTAZION_SITE: what the site knows of its servers and upchain cannot get from document 003 (the
// portal's form underneath « Installer », the shape of its two files, how to read the installed versions).
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

/**
 * The site's description of its fake's portal, in the shape of the stack option `options.portal`
 * (003 says only that the portal lists the modules to update with an « Installer » button each and
 * returns to the list; everything below is this fake's, README « The portal »). {module} is the
 * module's name (regex-escaped in the patterns, URL-encoded in the fields).
 */
export interface PortalContract {
  port: number;
  listPath: string;
  /** While the list page matches it, the module is still to update. */
  listedPattern: string;
  /** While the list page matches it, the module's install runs. */
  installingPattern: string;
  install: { method: "POST"; path: string; fields: Record<string, string>; tokensFromPage: string[] };
}

export const PORTAL: PortalContract = {
  port: 8080,
  listPath: "/",
  listedPattern: '<tr class="module" data-module="{module}" data-state="a-mettre-a-jour">',
  installingPattern: '<tr class="module" data-module="{module}" data-state="installation-en-cours">',
  install: { method: "POST", path: "/installer", fields: { module: "{module}", operation: "installer" }, tokensFromPage: ["pageToken"] },
};

/** The fake's two shapes of status.xml and applicationspath.config (spec `fileShape`, README « What the fake invents »). */
export type FileShape = "lowercase" | "pascal";

/**
 * The site's description of its fake's files, per shape, in the shape of the stack options
 * `options.statusFile` and `options.applicationsFile` (003 says what the files hold, not how they are
 * written). `valueFirst`: the fake writes the value's attribute before the module's (the order varies too).
 */
export const FILE_SHAPES: Record<FileShape, { statusFile: StatusFileContract; applicationsFile: ApplicationsFileContract; valueFirst: boolean }> = {
  lowercase: {
    statusFile: { element: "module", moduleAttribute: "name", versionAttribute: "lastDetectedVersion" },
    applicationsFile: { element: "application", moduleAttribute: "name", pathAttribute: "path" },
    valueFirst: false,
  },
  pascal: {
    statusFile: { element: "Module", moduleAttribute: "Name", versionAttribute: "LastDetectedVersion" },
    applicationsFile: { element: "Application", moduleAttribute: "Name", pathAttribute: "Path" },
    valueFirst: true,
  },
};
export interface StatusFileContract {
  element: string;
  moduleAttribute: string;
  versionAttribute: string;
}
export interface ApplicationsFileContract {
  element: string;
  moduleAttribute: string;
  pathAttribute: string;
}

/**
 * The site's read-only command printing the installed versions of the modules declared in
 * applicationspath.config as `module=version,...` in name order; it fails (exit 1, stderr) when one
 * cannot be read. It reads where this fake keeps them (README « Installed versions »): on a real
 * server the site would read each main assembly's FileVersion and the database's schema version.
 */
export function versionCommand(dataFolder: string = DATA_FOLDER, shape: FileShape = "lowercase"): string {
  const config = quote(`${dataFolder}/bin/config/applicationspath.config`);
  const a = FILE_SHAPES[shape];
  const [name, path] = [`${a.applicationsFile.moduleAttribute}="\\([a-z]*\\)"`, `${a.applicationsFile.pathAttribute}="\\([^"]*\\)"`];
  // the site knows its own file: the element and its attributes in the order its servers write them
  const node = a.valueFirst
    ? String.raw`s|.*<${a.applicationsFile.element} ${path} ${name}.*|\2 \1|p`
    : String.raw`s|.*<${a.applicationsFile.element} ${name} ${path}.*|\1 \2|p`;
  // A subshell, so its variables never meet the caller's; String.raw keeps the sed backslashes.
  return [
    `( az_config=${config}; [ -r "$az_config" ] || { echo "cannot read $az_config" >&2; exit 1; };`,
    `sed -n '${node}' "$az_config" | sort | {`,
    `az_out=; while read -r az_module az_path; do`,
    String.raw`if [ "$az_module" = database ]; then az_version=$(cat "${"$"}{az_path}schema_version.txt");`,
    String.raw`else az_version=$(sed -n 's/.*FileVersion \([0-9.]*\).*/\1/p' "${"$"}{az_path}bin/Altazion.$az_module.dll"); fi;`,
    `[ -n "$az_version" ] || { echo "no installed version for $az_module in $az_path" >&2; exit 1; };`,
    `az_out="\${az_out:+$az_out,}$az_module=$az_version"; done; echo "$az_out"; } )`,
  ].join(" ");
}

export interface AltazionSite {
  portal: PortalContract;
  statusFile: StatusFileContract;
  applicationsFile: ApplicationsFileContract;
  versionCommand: string;
}

/** ALTAZION_SITE for a fake installed with another data folder, or writing its files in another shape. */
export function altazionSite(dataFolder: string = DATA_FOLDER, shape: FileShape = "lowercase"): AltazionSite {
  const { statusFile, applicationsFile } = FILE_SHAPES[shape];
  return { portal: PORTAL, statusFile, applicationsFile, versionCommand: versionCommand(dataFolder, shape) };
}

/** What the test site supplies for its fake Altazion servers (shared contract 2): the portal, its files' shapes, the installed versions' command. */
export const ALTAZION_SITE: AltazionSite = altazionSite();

export interface FixtureHost {
  name: string;
  root: string;
}

/** A host given by name or by its handle (startHosts' TestHost). */
export type HostRef = string | { name: string };
const nameOf = (h: HostRef) => (typeof h === "string" ? h : h.name);

/**
 * An install that loops (003 « L'installation d'une version boucle »): while the module's pools run
 * (cured by stopping them), the next N installs, or every install for N seconds after the first
 * looping one (the heavy use whose resources the system frees after a few minutes).
 */
export type LoopFault =
  { module: AltazionModule; whilePoolRunning: true } | { module: AltazionModule; times: number } | { module: AltazionModule; forSeconds: number };

export interface AltazionFaults {
  staleDetection?: boolean;
  refuseStart?: boolean;
  /** Basename(s) of SQL scripts that fail. */
  sqlFail?: string | string[];
  loop?: LoopFault | LoopFault[];
  /** Modules with an explorer or a command line open on their folder: every install loops until cleared. */
  openWindow?: AltazionModule | AltazionModule[];
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
  /** Seconds an install runs in the background after « Installer » (default 3; a loop takes as long). */
  installSeconds?: number;
  /** How status.xml and applicationspath.config are written (default lowercase; README « What the fake invents »). */
  fileShape?: FileShape;
  /** Whether a first status.xml is written (default true: the installed versions, as if detected a day before). */
  statusXml?: boolean;
  faults?: AltazionFaults;
}

/** Copy the runtime, the commands and the boot script onto a host (idempotent). */
export function placeAltazion(h: FixtureHost): void {
  fs.cpSync(path.join(fixtureDir, "runtime"), path.join(h.root, "opt/altazion-fake"), { recursive: true });
  for (const [name, dir] of [
    ["altazion-service", "usr/local/sbin"],
    ["altazion-apppool", "usr/local/sbin"],
    ["altazion-sql", "usr/local/bin"],
  ]) {
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
  onHost(
    h.name,
    "python3 /opt/altazion-fake/azfake.py fixture-install /var/tmp/altazion-spec.json >/var/log/altazion-fixture.log 2>&1 || { cat /var/log/altazion-fixture.log >&2; exit 1; }",
  );
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
export function publish(
  h: FixtureHost,
  module: AltazionModule,
  version: string,
  content: { files?: Record<string, string>; scripts?: Record<string, string> } = {},
): void {
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
    ...(WEB_MODULES.includes(module)
      ? { "web.config": `<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <e />\n  <!-- ${version} -->\n</configuration>\n` }
      : {}),
  };
  // The main assembly carries the version (the fake's stand-in for its version resource), so a
  // package always has it unless a test gives one itself.
  writeTree(h, dir, { [`bin/Altazion.${module}.dll`]: `Altazion.${module}.dll FileVersion ${version}\n`, ...files });
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

/**
 * The installed version as the fake keeps it (003 does not say where): the FileVersion line of the
 * module's bin/Altazion.<module>.dll stand-in, or the database's schema_version.txt; null when absent.
 */
export function moduleVersion(h: FixtureHost, module: AltazionModule): string | null {
  const file = module === "database" ? "schema_version.txt" : `bin/Altazion.${module}.dll`;
  try {
    const text = fs.readFileSync(inRoot(h, `${modulePath(h, module)}${file}`), "utf8");
    return module === "database" ? text.trim() : (/FileVersion (\d+(?:\.\d+)*)/.exec(text)?.[1] ?? null);
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
  lastDetectedVersion: string;
}

/** status.xml read (written in `shape`): one entry per module (the only thing it holds). */
export function parseStatus(xml: string, shape: FileShape = "lowercase"): { modules: StatusModule[] } {
  const f = FILE_SHAPES[shape];
  const [name, version] = [`${f.statusFile.moduleAttribute}="([^"]*)"`, `${f.statusFile.versionAttribute}="([^"]*)"`];
  const element = new RegExp(`<${f.statusFile.element} ${f.valueFirst ? `${version} ${name}` : `${name} ${version}`}/>`, "g");
  const modules = [...xml.matchAll(element)].map((m) => (f.valueFirst ? { name: m[2], lastDetectedVersion: m[1] } : { name: m[1], lastDetectedVersion: m[2] }));
  return { modules };
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

export type FaultName = "staleDetection" | "refuseStart" | "sqlFail" | "loop" | "openWindow";

/** Set a harness fault (README "Faults"): sqlFail takes basenames, openWindow modules, loop a LoopFault. */
export function setFault(h: FixtureHost, name: "staleDetection" | "refuseStart"): void;
export function setFault(h: FixtureHost, name: "sqlFail", scripts: string | string[]): void;
export function setFault(h: FixtureHost, name: "openWindow", modules: AltazionModule | AltazionModule[]): void;
export function setFault(h: FixtureHost, name: "loop", loop: LoopFault | LoopFault[]): void;
export function setFault(h: FixtureHost, name: FaultName, value?: string | string[] | LoopFault | LoopFault[]): void {
  let text = "";
  if (name === "sqlFail" || name === "openWindow") text = ([] as string[]).concat(value as string | string[]).join("\n") + "\n";
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
  return fs
    .readdirSync(inRoot(h, modulePath(h, module)))
    .filter((f) => f.toLowerCase().startsWith("app_offline."))
    .sort();
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

/**
 * The service « en erreur » (003:17): its process killed outright, as a crash would (an install it
 * was running stops where it was). Status then reads Stopped and the portal is unreachable.
 */
export function crashService(host: HostRef): void {
  onHost(nameOf(host), 'pid=$(cat /var/lib/altazion-fake/service.pid 2>/dev/null) && kill -9 "$pid" 2>/dev/null; true');
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
  /** The declared modules: folder, installed version, newest downloaded (`available`), automatic. */
  modules: { name: string; path: string; installed: string; available: string; automatic: boolean }[];
  /** The module the running service is installing, or null. */
  installing: string | null;
  faults: string[];
}

/** Service status and start mode, pools, the declared modules' versions, the install running and the faults set. */
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

export interface PortalRow {
  module: string;
  /** The version offered (the fake's page shows it beside the name). */
  version: string;
  state: "a-mettre-a-jour" | "installation-en-cours";
  /** It has the « Installer » form (a customised database has none). */
  installer: boolean;
}

/** The module rows of a portal page. */
export function portalRows(body: string): PortalRow[] {
  return [...body.matchAll(/<tr class="module" data-module="([^"]*)" data-state="([^"]*)">\s*<td>[^<]*<\/td><td>([^<]*)<\/td>([\s\S]*?)<\/tr>/g)].map((m) => ({
    module: m[1],
    state: m[2] as PortalRow["state"],
    version: m[3],
    installer: /<form method="post" action="\/installer">[\s\S]*<button type="submit" name="operation" value="installer">Installer<\/button>/.test(m[4]),
  }));
}

/** The hidden page token of a list page (one per page served), or null. */
export function pageToken(body: string): string | null {
  return /<input type="hidden" name="pageToken" value="([^"]*)">/.exec(body)?.[1] ?? null;
}

/** Press « Installer » for a module as a browser does: read the list page, send its form back. */
export function pressInstaller(host: HostRef, module: string): PortalAnswer {
  const token = pageToken(portal(host, "GET", "/").body) ?? "";
  return portal(host, "POST", "/installer", { module, operation: "installer", pageToken: token });
}

/** Wait until the service runs no install (polling its state); throws after timeoutMs. */
export async function waitIdle(host: HostRef, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (serviceState(host).installing !== null) {
    if (Date.now() > deadline) throw new Error(`${nameOf(host)}: an install still runs after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface AltazionEvent {
  t: number;
  event: string;
  [k: string]: unknown;
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
    const found = altazionEvents(host)
      .slice(o.from ?? 0)
      .find(pred);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching event on ${nameOf(host)} after ${o.timeoutMs ?? 15000} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
