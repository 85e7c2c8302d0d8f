// Altazion Office's commands as POSIX sh, for the Linux stand-in of the Windows server the test fixture
// provides (tests/fixtures/altazion): `altazion-service` stands for Get-Service/Set-Service/
// Start-Service/Restart-Service, `altazion-apppool` for the IIS pool cmdlets, the data folder for
// C:\ProgramData\CPoint\[e]. The logic (what is checked, in which order, what is renamed) is the
// Windows recipe's. Every value is quoted; the service's files are read as data.
import { quote as q } from "../../quote";
import { TAR_LITERAL, keepEarlier } from "../restorePoint";
import { AltazionCommands } from "./outline";
import { AltazionOptions, ModuleOptions, scriptsFolderOf } from "./options";
import { FILE_CAP_BYTES, OVER_CAP, STRICT_VERSION, statusShapeOf } from "./status";

const SERVICE = "/usr/local/sbin/altazion-service";
const APPPOOL = "/usr/local/sbin/altazion-apppool";

export const linuxFiles = (o: AltazionOptions) => ({
  status: `${o.dataFolder}/bin/updates/status.xml`,
  applications: `${o.dataFolder}/bin/config/applicationspath.config`,
  hooks: `${o.dataFolder}/bin/updates/scripts`,
});

const trimSlash = (p: string) => (p.length > 1 ? p.replace(/\/+$/, "") : p);

/**
 * A file of the update service printed whole when it is within FILE_CAP_BYTES, else OVER_CAP and its
 * size in bytes (the controller refuses it naming both, and never receives a file it would not read).
 */
export const cappedRead = (path: string) =>
  `f=${q(path)}; n=$(wc -c < "$f") || exit 1; if [ $((n + 0)) -gt ${FILE_CAP_BYTES} ]; then echo ${q(OVER_CAP)} $((n + 0)); else cat -- "$f"; fi`;

/**
 * sh functions over status.xml, read as the site describes it ($el, $key, $val: options.statusFile's
 * element, module attribute and version attribute, quoted where they are set):
 * - `detected MODULE` prints the version attribute of the first element whose module attribute is
 *   MODULE (attributes in any order and quoting, the element on any number of lines, comments and
 *   CDATA stepped over); nothing when the file is over the cap, unreadable, or does not list MODULE.
 *   One awk pass, one character at a time: linear in the file's size, however hostile.
 * - `checked VALUE` ends the step when status.xml is over the cap (naming its size), or when VALUE is
 *   neither empty nor a version as status.ts's STRICT_VERSION says, naming it (its printable
 *   characters only): it is refused, never rounded or trimmed.
 * - `norm VERSION` writes a version with 4 numbers.
 */
const STATUS_FUNCTIONS = [
  `detected() { n=$(wc -c 2>/dev/null < "$status") && [ $((n + 0)) -le ${FILE_CAP_BYTES} ] || return 0; awk -v el="$el" -v key="$key" -v val="$val" -v want="$1" '` +
    [
      `BEGIN { RS = "<" }`,
      `NR == 1 { next }`,
      `skip != "" { if (index($0, skip)) skip = ""; next }`,
      `substr($0, 1, 3) == "!--" { if (!index(substr($0, 4), "-->")) skip = "-->"; next }`,
      `substr($0, 1, 8) == "![CDATA[" { if (!index(substr($0, 9), "]]>")) skip = "]]>"; next }`,
      `{ t = $0; gsub(/[\\t\\r\\n]/, " ", t); L = length(el); c = substr(t, L + 1, 1)`,
      `  if (substr(t, 1, L) != el || (c != " " && c != "/" && c != ">")) next`,
      `  p = L + 1; n = length(t); closed = 0; hasName = 0; hasVal = 0; name = ""; got = ""`,
      `  while (p <= n) {`,
      `    while (substr(t, p, 1) == " ") p++`,
      `    c = substr(t, p, 1); if (c == ">" || c == "/") { closed = 1; break }`,
      `    s = p; while (p <= n && index(" =/>", substr(t, p, 1)) == 0) p++`,
      `    a = substr(t, s, p - s); while (substr(t, p, 1) == " ") p++`,
      `    if (a == "" || substr(t, p, 1) != "=") break`,
      `    p++; while (substr(t, p, 1) == " ") p++`,
      `    q = substr(t, p, 1); if (q != "\\"" && q != "\\047") break`,
      `    p++; s = p; while (p <= n && substr(t, p, 1) != q) p++`,
      `    if (p > n) break`,
      `    v = substr(t, s, p - s); p++`,
      `    if (a == key && !hasName) { name = v; hasName = 1 }`,
      `    if (a == val && !hasVal) { got = v; hasVal = 1 }`,
      `  }`,
      `  if (closed && hasName && name == want) { print got; exit }`,
      `}`,
    ].join("\n") +
    `' < "$status"; }`,
  `checked() { n=$(wc -c 2>/dev/null < "$status") && [ $((n + 0)) -gt ${FILE_CAP_BYTES} ] && { echo "status.xml is $((n + 0)) bytes, over upchain's cap of ${FILE_CAP_BYTES} bytes: it is not read; look at what filled it" >&2; exit 1; }; ` +
    `case $1 in "") return 0;; *[!0-9.]*) ;; *) if printf '%s\\n' "$1" | grep -Eqx '${STRICT_VERSION.source.slice(1, -1)}'; then return 0; fi;; esac; ` +
    `echo "status.xml gives $mod a latest detected version that is not one ($(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '?' | cut -c1-40)): 2 to 4 numbers of at most 9 digits, like 5.2.0.0, nothing around them" >&2; exit 1; }`,
  `norm() { printf '%s' "$1" | awk -F. '{ printf "%d.%d.%d.%d", $1, $2, $3, $4 }'; }`,
].join("\n");

export function linuxCommands(o: AltazionOptions): AltazionCommands {
  const f = linuxFiles(o);
  const svc = `${SERVICE} ${q(o.serviceName)}`;
  const shape = statusShapeOf(o);
  const head = (module: string) => [
    `set -u`,
    `status=${q(f.status)}; mod=${q(module)}; el=${q(shape.element)}; key=${q(shape.moduleAttribute)}; val=${q(shape.versionAttribute)}`,
    STATUS_FUNCTIONS,
  ];
  const maintenance = (m: ModuleOptions) => {
    const dir = trimSlash(m.folder);
    const bak = q(`${dir}/app_offline.bak`);
    return [
      `set -e`,
      ...["app_offline.htm", "app_offline.html"].map((name) => {
        const p = q(`${dir}/${name}`);
        return (
          `if [ -e ${p} ] || [ -L ${p} ]; then if [ -e ${bak} ] || [ -L ${bak} ]; then rm -f -- ${p}; echo ${q(`deleted ${name}: an app_offline.bak was already there`)}; ` +
          `else mv -- ${p} ${bak}; echo ${q(`renamed ${name} to app_offline.bak`)}; fi; fi`
        );
      }),
    ];
  };
  return {
    shell: "sh",
    readStatus: cappedRead(f.status),
    readApplications: cappedRead(f.applications),
    serviceState: `s=$(${svc} status) || exit 3; m=$(${svc} startmode) || exit 3; echo "$s $m"`,
    notify: (phase, message, modules) => [
      `export UPCHAIN_NOTICE=${q(message)} UPCHAIN_PHASE=${q(phase)} UPCHAIN_MODULES=${q(modules.join(","))}`,
      o.notify ?? "true",
    ],
    serviceReady(module, version, remedy) {
      const fail = (why: string) => `{ echo ${q(why)} >&2; exit 1; }`;
      const supportCase = "the update service refuses to start: the document calls this a support case, open a ticket at support.altazion.com";
      const port = o.portal.port;
      return [
        ...head(module),
        `want=${q(version)}; restarted=0`,
        `portal_up() { curl -s -o /dev/null --max-time 5 ${q(`http://127.0.0.1:${port}${o.portal.listPath}`)}; }`,
        // 003 looks at the service (and its start mode) only when the portal does not answer
        `if ! portal_up; then`,
        `state=$(${svc} status 2>&1) || ${fail(`the portal (localhost:${port}) does not answer and the update service "${o.serviceName}" is not installed on this server (the document warns it may be named "Altazion - service principal": set options.serviceName)`)}`,
        `mode=$(${svc} startmode)`,
        remedy
          ? `if [ "$mode" != AutomaticDelayedStart ]; then ${svc} set-startmode AutomaticDelayedStart; echo "start mode was $mode: set to Automatic (Delayed Start), as the document wants"; fi; ` +
            `if [ "$state" != Running ]; then echo "the update service was $state: starting it"; ${svc} start || ${fail(supportCase)}; restarted=1; fi`
          : `echo "the portal (localhost:${port}) does not answer: the update service is $state and starts $mode; the document: start it (its start mode should be Automatic (Delayed Start)), or stop and start it if it runs; set options.remedy: true for upchain to" >&2; exit 1`,
        `i=0; until portal_up; do i=$((i + 1)); if [ $i -ge 60 ]; then ` +
          `if [ $restarted = 0 ]; then echo "the portal does not answer: stopping and starting the update service, as the document says"; ${svc} restart || ${fail(supportCase)}; restarted=1; i=0; else ${fail("the portal still does not answer after the update service was started again: a support case, open a ticket at support.altazion.com")}; fi; ` +
          `fi; sleep 1; done`,
        `fi`,
        `have=$(detected "$mod"); checked "$have"; have=$(norm "$have")`,
        // the portal installs only the newest version the service detected: never another one
        `if [ "$have" != "$want" ] && [ "$(printf '%s\\n%s\\n' "$have" "$want" | sort -V | tail -n 1)" = "$have" ]; then echo "the update service offers $mod $have, newer than $want: its Installer button would install $have; set the target to $have or latest" >&2; exit 1; fi`,
        `if [ "$have" != "$want" ]; then ` +
          (remedy
            ? `if [ $restarted = 0 ]; then echo "the update service has detected \${have:+$mod $have}\${have:-no version of $mod}, not $want: stopping and starting it, then waiting up to ${o.detectionWaitSeconds}s for the detection"; ${svc} restart || ${fail(supportCase)}; fi; ` +
              `t=0; while :; do have=$(detected "$mod"); checked "$have"; have=$(norm "$have"); [ "$have" != "$want" ] || break; t=$((t + 5)); if [ $t -gt ${o.detectionWaitSeconds} ]; then ` +
              `echo "the update service has still not detected $mod $want after ${o.detectionWaitSeconds}s (it has \${have:-none}): check the version is published (https://aide.altazion.com/fr-fr/releasenotes/) since at least a day, and that applicationspath.config declares $mod; otherwise a support case" >&2; exit 1; fi; sleep 5; done; `
            : `echo "the update service has detected \${have:+$mod $have}\${have:-no version of $mod}, not $want (status.xml): set options.remedy: true to restart it and wait for the detection, as the document says" >&2; exit 1; `) +
          `fi`,
        `echo "the portal answers, and the update service offers $mod $have"`,
      ];
    },
    // the stand-in sees every process's working folder, which stands for both of 003's windows
    foldersFreeScope: (folder) => ({ checks: `no process has its working folder in ${folder} (stands for 003's explorer windows and command lines)` }),
    foldersFree(m) {
      const dir = trimSlash(m.folder);
      return [
        `dir=${q(dir)}; found=""`,
        // stands for 003's explorer windows and command lines: a process whose working folder is in the module's folder
        `for p in /proc/[0-9]*; do c=$(readlink "$p/cwd" 2>/dev/null) || continue; case "$c/" in "$dir"/*) found="$found \${p#/proc/}($(tr -cd 'A-Za-z0-9._-' < "$p/comm" 2>/dev/null | cut -c1-32))";; esac; done`,
        `if [ -n "$found" ]; then echo "processes have their working folder in $dir:$found; the document, before anything else: close every explorer and command line open on the application's folders (for every user logged on the server), then run pulumi up again" >&2; exit 1; fi`,
        `echo "no process works in $dir"`,
      ];
    },
    backupModule: (m, dir) => [
      `set -e; umask 077; mkdir -p -- ${q(o.backupDir)}`,
      keepEarlier(dir),
      `mkdir -m 0700 -- ${q(dir)}`,
      `tar -C ${q(trimSlash(m.folder))} ${TAR_LITERAL} -cf ${q(dir + "/module.tar")} .`,
      `touch ${q(dir + "/complete")}`,
      `echo ${q(`restore point: ${dir}/module.tar`)}`,
    ],
    restoreModule: (m, dir) => [
      `set -e; test -f ${q(dir + "/complete")}`,
      `find ${q(trimSlash(m.folder))} -mindepth 1 -delete`,
      `tar -C ${q(trimSlash(m.folder))} ${TAR_LITERAL} -xf ${q(dir + "/module.tar")}`,
      `echo ${q(`${m.folder} put back from ${dir}/module.tar`)}`,
    ],
    stopPool: (pool) => `${APPPOOL} stop ${q(pool)}`,
    startPool: (pool) => `if [ "$(${APPPOOL} status ${q(pool)})" != Started ]; then ${APPPOOL} start ${q(pool)}; fi`,
    clearMaintenance: maintenance,
    verifyModule: (module, listed) => [
      `set -u; page=$(mktemp); trap 'rm -f "$page"' EXIT`,
      `code=$(curl -s --max-time 30 -o "$page" -w '%{http_code}' ${q(`http://127.0.0.1:${o.portal.port}${o.portal.listPath}`)}) || { echo ${q(`the portal (localhost:${o.portal.port}) does not answer`)} >&2; exit 1; }`,
      `case "$code" in 2??) ;; *) echo "the portal's list page answered $code" >&2; exit 1;; esac`,
      // the site's pattern (options.portal.listedPattern), matched over the whole page as the http step does
      `if grep -zqP -- ${q(listed)} "$page"; then echo ${q(`${module} is still in the portal's list of modules to update: its install did not take`)} >&2; exit 1; fi`,
      `echo ${q(`${module} has left the portal's list of modules to update`)}`,
    ],
    databaseBackup: (command) => [command, `echo ${q("restore point: the database backup made by options.database.backupCommand")}`],
    databaseRestore: (command, backupCommand) =>
      command
        ? [command]
        : [`echo ${q(`no options.database.restoreCommand: restore the database by hand from the backup made by: ${backupCommand}`)} >&2; exit 1`],
    checkScripts(version, reviewed) {
      const dir = scriptsFolderOf(o, version);
      const expected = reviewed.map((s) => s.name).join("\n");
      return [
        `set -u; dir=${q(dir)}`,
        `actual=$(cd -- "$dir" && LC_ALL=C ls -1A)`,
        `if [ "$actual" != ${q(expected)} ]; then echo "the update's scripts in $dir are not the ones reviewed: found" >&2; printf '%s\\n' "$actual" | head -n 50 >&2; echo "preview lists them with their sha256: review them again and record the list in options.database.reviewedScripts" >&2; exit 1; fi`,
        ...reviewed.map(
          (s) =>
            `printf '%s  %s\\n' ${q(s.sha256)} ${q(`${dir}/${s.name}`)} | sha256sum -c --quiet - || { echo ${q(`${s.name} changed since it was reviewed (its sha256 is not ${s.sha256})`)} >&2; exit 1; }`,
        ),
        `echo ${q(`the update's ${reviewed.length} script(s) are the ones reviewed`)}`,
      ];
    },
    // The customised database step: the site's folder is not ours, and a path checked then opened
    // again can be swapped in between. So the script is copied once into a folder made fresh for this
    // run and root's only (mktemp -d: a new name, mode 700), the copy is checked and the copy is run,
    // and the folder goes when the step ends, however it ends.
    runScript(sqlCommand, version, s) {
      const file = `${trimSlash(scriptsFolderOf(o, version))}/${s.name}`;
      return [
        `set -e`,
        `copy=$(mktemp -d "\${TMPDIR:-/tmp}/upchain-sql.XXXXXXXX")`,
        `trap 'rm -rf -- "$copy"' EXIT`,
        `cp -- ${q(file)} "$copy"/${q(s.name)}`,
        `printf '%s  %s\\n' ${q(s.sha256)} "$copy"/${q(s.name)} | sha256sum -c --quiet - >/dev/null 2>&1 || { echo ${q(`${s.name} changed since it was reviewed (its sha256 is not ${s.sha256}): not run`)} >&2; exit 1; }`,
        `${sqlCommand} "$copy"/${q(s.name)}`,
      ];
    },
  };
}
