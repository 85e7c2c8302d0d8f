// The fake Oracle Application Server on test hosts (tests/fixtures/oracleAs, its README is the
// contract): source middle-tier homes, the Infrastructure, the installers' media, fault files, and
// what tests read back (versions, running homes, ports, oratab, events, tree checksums).
// Files are copied into the host's root; commands run over the harness side channel.
import * as fs from "fs";
import * as path from "path";
import { quote } from "../../providers/quote";
import { onHost } from "./hosts";
import { repoRoot } from "./pulumi";

const fixtureDir = path.join(repoRoot, "tests/fixtures/oracleAs");

export const MEDIA = "/srv/oracle-media";
export const PATCHSET_INSTALLER = `${MEDIA}/3038037/runInstaller`;
export const INSTALLER_1012 = `${MEDIA}/10.1.2/runInstaller`;
export const INFRA_HOME = "/u01/app/oracle/product/9.0.2 infra";
/** Ports of a source home (README "Ports"); the Upgrade Assistant gives them to the destination. */
export const SOURCE_PORTS = { opmnRemote: 6200, http: 7778, webCache: 7777, admin: 4000, invalidation: 4001, em: 1810 };
export const OID_PORT = 389;
/** The fake's stand-in of the Oracle Universal Installer inventory: `RELEASE TYPE PATH` a line (README "Files"). */
export const INVENTORY = "/var/opt/oracle/oraInventory/homes.txt";
/** Where the test site keeps its Web Cache Manager login (a root-only curl netrc), written by installSourceHome. */
export const SITE_NETRC = "/etc/oracle-site/webcache-admin.netrc";
/** The Web Cache Administrator password of every fake source home unless a test gives another. */
export const WEB_CACHE_ADMIN_PASSWORD = "wcAdmin-1";

/**
 * The test site's answers for what 004 leaves to the site (tests/fixtures/oracleAs/README.md "The site").
 * Recipes reach them only through the stack options the tests set.
 */
export const ORACLE_SITE = {
  /**
   * Server-level `versionCommand` (sh, read-only): prints the release of the middle-tier home the site
   * has in service, from the fake's inventory stand-in: the /etc/oratab home flagged Y (started at boot;
   * of several, one whose OPMN answers `opmnctl status`), else a home that runs. 004 names no file
   * holding a home's release; this is the site's way to read the fake's. Exits non-zero, printing
   * nothing, when no home qualifies.
   */
  versionCommand: [
    "set -f; IFS='\n'",
    `release_of() { while IFS=' ' read -r rel kind oh; do [ "$oh" = "$1" ] && [ "$kind" = middle-tier ] && { printf '%s\\n' "$rel"; return 0; }; done < ${INVENTORY}; return 1; }`,
    "running_y=; running=; boot=",
    "for line in $(grep '^\\*:' /etc/oratab 2>/dev/null); do",
    "  rest=${line#\\*:}; flag=${rest##*:}; oh=${rest%:*}",
    '  release_of "$oh" >/dev/null 2>&1 || continue',
    '  if "$oh/opmn/bin/opmnctl" status >/dev/null 2>&1; then running=$oh; [ "$flag" = Y ] && running_y=$oh; fi',
    '  [ "$flag" = Y ] && boot=$oh',
    "done",
    "pick=${running_y:-${boot:-$running}}",
    '[ -n "$pick" ] && release_of "$pick"',
  ].join("\n"),
  /**
   * Oracle AS `options.webCache.propagateCommand` (sh): run on a member after `opmnctl startproc
   * ias-component=WebCache`, it presses "Propagate Configuration" on the member's Web Cache Manager
   * Operations page (004 l.317-319; the console's HTTP form is the fake's own), logging in with the
   * site's netrc. curl -f: non-zero when the console did not do it (down, login refused, other error).
   */
  propagateCommand: `curl -sS -f --max-time 30 --netrc-file ${SITE_NETRC} --data operation=propagate http://127.0.0.1:${SOURCE_PORTS.admin}/webcacheadmin/operations >/dev/null`,
  /**
   * Oracle AS `options.homeCommands` (sh, each run with ORACLE_HOME set to the home it acts on): what 004
   * does to a home without giving the command, done with the fake's own tools (its README "What the
   * fake invents"): `opmnctl startall`, `stopall` and `status`, `emctl status` and `emctl start`, and
   * rwservlet.properties' `SERVER_NAME=` key. The stop does nothing where OPMN does not run.
   */
  homeCommands: {
    start: '"$ORACLE_HOME/opmn/bin/opmnctl" startall',
    stop: 'o="$ORACLE_HOME/opmn/bin/opmnctl"; if [ -x "$o" ] && "$o" status >/dev/null 2>&1; then "$o" stopall; fi',
    emRunning: '"$ORACLE_HOME/bin/emctl" status',
    emStart: '"$ORACLE_HOME/bin/emctl" start',
    reportsServerName: `sed -n 's/^SERVER_NAME=//p' "$ORACLE_HOME/reports/conf/rwservlet.properties"`,
  },
  /** The same page read only: prints each "Operation Needed is ..." line (none when nothing is needed). */
  operationsNeededCommand: `curl -sS -f --max-time 30 --netrc-file ${SITE_NETRC} http://127.0.0.1:${SOURCE_PORTS.admin}/webcacheadmin/operations | sed -n 's/.*<p>\\(Operation Needed is [^<]*\\)<\\/p>.*/\\1/p'`,
} as const;

/** Words joined as one POSIX sh command, each quoted (paths here contain spaces). */
function words(...ws: (string | number)[]): string {
  return ws.map(quote).join(" ");
}

export interface FixtureHost {
  name: string;
  host: string;
  root: string;
}

export interface WebCacheMember {
  NAME: string;
  HOST: string;
  LISTEN: number;
  ADMINPORT: number;
  INVALIDATIONPORT: number;
}

export interface SourceHomeOptions {
  path: string;
  /** 9.0.2.0.0, 9.0.2.3.0, 9.0.3.0.0 or 9.0.4.0.0 */
  version: string;
  infra: { host: string; port?: number } | null;
  webCache?: { members: WebCacheMember[]; wallet?: "inside" | "symlink" | "outside" | "none" };
  reportsServer?: string;
  /** The 9.0.2/9.0.3 EM Web Site or the 9.0.4 Application Server Control, started after OPMN. */
  emRunning?: boolean;
  /** OPMN started (default true). */
  running?: boolean;
  /** The /etc/oratab flag (default Y). */
  boot?: boolean;
  /** This 9.0.2/9.0.3 home becomes the active Enterprise Manager (emtab) (default true). */
  emActive?: boolean;
  ssl?: "off" | "on" | "unguarded";
  /** Heap (MB) the OC4J upgrade needs per application; default one small application. */
  appsHeapMb?: number[];
  /** Applications (by index into appsHeapMb) that use JAZN and compile JSPs at run time (004 l.218). */
  jaznJspApps?: number[];
  /** The site's own static documents in the default DocumentRoot, which iasua does not copy (004 l.205). */
  documents?: Record<string, string>;
  /** mod_osso configured: the partner entry osso.conf holds on the Single Sign-On server (004 l.185). */
  ssoPartner?: string;
  iasAdminPassword?: string;
  /** The Web Cache Administrator's password (004 l.317); default WEB_CACHE_ADMIN_PASSWORD. */
  webCacheAdminPassword?: string;
}

/** Copy the runtime, the media and the boot script onto a host (idempotent). */
export function placeOracleFixture(h: FixtureHost): void {
  fs.cpSync(path.join(fixtureDir, "runtime"), path.join(h.root, "opt/oracle-fake"), { recursive: true });
  fs.cpSync(path.join(fixtureDir, "media"), path.join(h.root, MEDIA.slice(1)), { recursive: true });
  fs.mkdirSync(path.join(h.root, "etc/upchain/services.d"), { recursive: true });
  fs.copyFileSync(path.join(fixtureDir, "service"), path.join(h.root, "etc/upchain/services.d/oracle-as"));
  fs.chmodSync(path.join(h.root, "etc/upchain/services.d/oracle-as"), 0o755);
}

function installSpec(h: FixtureHost, spec: object): void {
  placeOracleFixture(h);
  const file = path.join(h.root, "var/tmp/oracle-fake-spec.json");
  fs.writeFileSync(file, JSON.stringify(spec), { mode: 0o600 });
  // the spec holds the fixture's passwords: removed whatever the install's outcome
  onHost(
    h.name,
    "python3 /opt/oracle-fake/oafake.py fixture-install /var/tmp/oracle-fake-spec.json >/var/log/oracle-fake-fixture.log 2>&1; rc=$?; rm -f /var/tmp/oracle-fake-spec.json; [ $rc -eq 0 ] || { cat /var/log/oracle-fake-fixture.log >&2; exit 1; }",
  );
}

/** Install a source middle-tier home (J2EE, and Web Cache / Reports when asked) and start it. */
export function installSourceHome(h: FixtureHost, o: SourceHomeOptions): string {
  const components = ["J2EE", ...(o.webCache ? ["WebCache"] : []), ...(o.reportsServer ? ["Reports"] : [])];
  installSpec(h, {
    path: o.path,
    version: o.version,
    instance: `mid.${h.name}`,
    components,
    oidHost: o.infra?.host ?? "",
    oidPort: o.infra ? (o.infra.port ?? OID_PORT) : "",
    reportsServer: o.reportsServer,
    ssl: o.ssl ?? "off",
    apps: (o.appsHeapMb ?? [64]).map((heapMb, i) => ({ name: `app${i + 1}`, heapMb, jaznJsp: (o.jaznJspApps ?? []).includes(i) })),
    documents: o.documents ?? {},
    sso: o.ssoPartner,
    webCacheAdminPassword: o.webCacheAdminPassword ?? WEB_CACHE_ADMIN_PASSWORD,
    siteNetrc: o.webCache ? { path: SITE_NETRC } : undefined,
    webcache: o.webCache ? { name: h.name, host: h.host, members: o.webCache.members, wallet: o.webCache.wallet ?? "inside" } : undefined,
    emRunning: o.emRunning ?? false,
    running: o.running ?? true,
    boot: o.boot ?? true,
    emActive: o.emActive ?? true,
    iasAdminPassword: o.iasAdminPassword ?? "welcome1",
  });
  return o.path;
}

/** Install and start the Infrastructure (OID on 389, database listener on 1521) at a release. */
export function installInfrastructure(h: FixtureHost, version: "9.0.2.0.0" | "9.0.2.3.0" | "9.0.4.0.0"): { host: string; port: number } {
  installSpec(h, { path: INFRA_HOME, version, instance: `infra.${h.name}`, infra: true });
  return { host: h.host, port: OID_PORT };
}

export function stopInfrastructure(hostName: string): void {
  onHost(hostName, words(`${INFRA_HOME}/opmn/bin/opmnctl`, "stopall"));
}

export function startInfrastructure(hostName: string): void {
  onHost(hostName, words(`${INFRA_HOME}/opmn/bin/opmnctl`, "startall"));
}

/** A Web Cache member entry of webcache.xml for a host with the source's ports. */
export function memberOf(h: FixtureHost): WebCacheMember {
  return { NAME: h.name, HOST: h.host, LISTEN: SOURCE_PORTS.webCache, ADMINPORT: SOURCE_PORTS.admin, INVALIDATIONPORT: SOURCE_PORTS.invalidation };
}

export interface Result {
  code: number;
  out: string;
}

/** Run a shell command on the host and return its exit code and combined output (never throws). */
export function run(hostName: string, script: string, stdin?: string): Result {
  const input = stdin === undefined ? "" : `printf '%s\\n' ${quote(stdin)} | `;
  const out = onHost(hostName, `{ ${input}${script}; } >/tmp/oaf.out 2>&1; echo "rc=$?"; cat /tmp/oaf.out`);
  const m = /^rc=(\d+)\n/.exec(out);
  if (!m) throw new Error(`no exit code in ${out}`);
  return { code: Number(m[1]), out: out.slice(m[0].length) };
}

/** Run a command of an Oracle home (`rel` e.g. "opmn/bin/opmnctl") with arguments, each quoted. */
export function homeCommand(hostName: string, oh: string, rel: string, args: string[], stdin?: string): Result {
  return run(hostName, [quote(`${oh}/${rel}`), ...args.map((a) => quote(a))].join(" "), stdin);
}

export function patchSet(hostName: string, oh: string): Result {
  return run(hostName, words(PATCHSET_INSTALLER, "-silent", `ORACLE_HOME=${oh}`));
}

export function install1012(hostName: string, dest: string): Result {
  return run(hostName, words(INSTALLER_1012, "-silent", `ORACLE_HOME=${dest}`));
}

export function iasua(hostName: string, dest: string, source: string): Result {
  return homeCommand(hostName, dest, "upgrade/iasua.sh", ["-sourcehome", source]);
}

export function setFault(hostName: string, name: "iasua-fail" | "start-fail", content: string): void {
  onHost(hostName, `mkdir -p /etc/oracle-fake/faults && printf '%s\\n' ${quote(content)} > ${quote(`/etc/oracle-fake/faults/${name}`)}`);
}

export function clearFault(hostName: string, name: "iasua-fail" | "start-fail"): void {
  onHost(hostName, words("rm", "-f", `/etc/oracle-fake/faults/${name}`));
}

export interface HomeState {
  path: string;
  exists: boolean;
  version?: string;
  components?: string[];
  /** The ias-instance id of opmn.xml. */
  instance?: string;
  /** [host, port] of the Oracle Internet Directory in portal/conf/iasconfig.xml, or null. */
  infrastructure?: [string, string] | null;
  /** "middle-tier" or "infrastructure" (the inventory stand-in). */
  inventory?: string;
  /** The <library path> entries of j2ee/home/config/application.xml. */
  applicationLibraries?: string[];
  /** The files of the default DocumentRoot (Apache/Apache/htdocs). */
  documents?: string[];
  /** osso.conf's partner entry, null without mod_osso. */
  ossoPartner?: string | null;
  opmnRunning?: boolean;
  emRunning?: boolean;
  /** "HTTP_Server/HTTP_Server", "WebCache/WebCache", ... of the running OPMN. */
  processes?: string[];
  checksum?: string;
  httpd?: { listen: number; port: number; ssl: number; ossl: "guarded" | "unguarded" | "absent" };
  startMode?: string;
  webcache?: { name: string; listen: number; members: WebCacheMember[]; wallet: string | null; operation: string | null } | null;
  consolePort?: number;
  oratab: string[];
  emtab: string | null;
  /** TCP ports listening on the host. */
  listening: number[];
}

export function homeState(hostName: string, oh: string): HomeState {
  return JSON.parse(onHost(hostName, words("python3", "/opt/oracle-fake/oafake.py", "fixture-state", oh)));
}

export function treeChecksum(hostName: string, oh: string): string {
  return onHost(hostName, words("python3", "/opt/oracle-fake/oafake.py", "fixture-checksum", oh)).trim();
}

export interface OracleEvent {
  t: number;
  home: string;
  event: string;
  [k: string]: unknown;
}

/** The host's events in order (README: /var/log/oracle-fake/events.jsonl). */
export function oracleEvents(hostName: string): OracleEvent[] {
  return onHost(hostName, "cat /var/log/oracle-fake/events.jsonl 2>/dev/null || true")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
}

/** An HTTP GET from the host itself: status line, headers (lower-cased names) and body. */
export function httpGet(hostName: string, url: string): { status: number; headers: Record<string, string>; body: string } {
  const out = onHost(hostName, `${words("curl", "-s", "-i", "--max-time", 5, url)} || true`);
  const [head, ...rest] = out.split(/\r?\n\r?\n/);
  const lines = head.split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(/^HTTP\/\S+ (\d+)/.exec(lines[0] ?? "")?.[1] ?? 0), headers, body: rest.join("\n\n") };
}

/** Web Cache Manager's Operations page of the member on `hostName` (README "Web Cache Manager"), as administrator. */
export function webCacheConsole(hostName: string, password = WEB_CACHE_ADMIN_PASSWORD, form?: string): Result {
  const auth = `administrator:${password}`;
  // the credentials go through curl's stdin config, never on a command line
  const config = `user = "${auth.replace(/["\\]/g, "\\$&")}"`;
  const args = [
    "curl",
    "-sS",
    "-w",
    "\nHTTP %{http_code}\n",
    "--max-time",
    30,
    "-K",
    "-",
    ...(form === undefined ? [] : ["--data", form]),
    `http://127.0.0.1:${SOURCE_PORTS.admin}/webcacheadmin/operations`,
  ];
  return run(hostName, words(...args), config);
}

/** Send an invalidation for `uri` to a member's invalidation port (from the host `fromHost`). */
export function invalidate(fromHost: string, member: WebCacheMember, uri: string): Result {
  const body = `<?xml version="1.0"?><INVALIDATION VERSION="WCS-1.1"><OBJECT><BASICSELECTOR URI="${uri}"/></OBJECT></INVALIDATION>`;
  return run(fromHost, words("curl", "-s", "-f", "--max-time", 10, "-X", "POST", "--data-binary", body, `http://${member.HOST}:${member.INVALIDATIONPORT}/`));
}
