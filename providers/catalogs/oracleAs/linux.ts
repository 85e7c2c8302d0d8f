// Oracle AS middle tier on Linux: a test stand-in of the document's Windows layout (004 is the Windows
// edition), the commands of the document's steps (outline.ts) as POSIX sh over the homes' own tools.
// What each Linux name stands for: bin/emctl = bin\emctl (004 l.32, l.36), upgrade/iasua.sh =
// upgrade\iasua.bat (l.72), dcm/bin/dcmctl = dcm\bin\dcmctl (l.502), opmn/bin/opmnctl = the opmnctl of
// l.315 (004 does not say in which folder: the layout of the stand-in), options.emtab (DEFAULT=<home>)
// = the registry entry HKLM\SOFTWARE\ORACLE\em_loc, options.oratab (`*:<home>:Y`) = which home's OPMN
// service starts automatically. Starting and stopping a home, asking whether its EM Web Site runs,
// starting that again and reading the Reports server's name are the site's (homeCommands.ts): 004
// gives no command for them. Every value is quoted; the installers, checks and home commands are the
// stack's own text. What the host's files say (emtab, iasua.log, targets.xml) is read as data:
// checked against a pattern before it is used, never run.
import { Hop } from "../../engine/planning/catalog";
import { stepValue } from "../../edits/index";
import { quote as q } from "../../quote";
import { switchHomeAdvice } from "./emSwitch";
import { HomeCommand, homeCommandField, inHomeSh, inHomeShQuoted } from "./homeCommands";
import { OracleAsOptions } from "./options";
import { OracleAsCommands } from "./outline";
import { TARGET } from "./rules";

const rel = (p: string) => p.replace(/^\/+/, "");

/** The site's installer, or a line that fails and names the option (preflight stops it first). */
const installer = (cmd: string | undefined, option: string) => cmd ?? `echo ${q(`options.installers.${option} is not set`)} >&2; exit 1`;

/** The site's home command, or a line that fails and names the option (preflight stops it first). */
const site = (o: OracleAsOptions, k: HomeCommand) => o.homeCommands[k] ?? `echo ${q(`${homeCommandField(k)} is not set`)} >&2; exit 1`;

export function linuxCommands(o: OracleAsOptions, hop: Hop): OracleAsCommands {
  const src = o.sourceHome;
  const dest = o.destinationHome ?? "";
  // the site's start of a home; its stop, only where the home is there (a failed install leaves none)
  const startHome = (home: string) => inHomeShQuoted(home, site(o, "start"));
  const stopHome = (home: string) =>
    `if [ -d ${q(home)} ]; then ${inHomeShQuoted(home, site(o, "stop"))}; else echo ${q(`${home} is not there: nothing of it runs`)}; fi`;
  // the site's answer whether the EM Web Site of the home in $em runs (its output is not shown)
  const emRuns = `${inHomeSh('"$em"', site(o, "emRunning"))} > /dev/null 2>&1`;
  // the EM Web Site's emctl in the home the stop step found active (saved in emSaved's second line)
  const emHome = `"$(sed -n 2p ${q(`${o.backupDir}/em-before-${hop.to}`)} 2>/dev/null || true)"`;
  const emSaved = `${o.backupDir}/em-before-${hop.to}`;
  // the operator's emctl switch home, around the active home the host names ($em)
  const advice = switchHomeAdvice(o.emtab, "\u0001", src, "/").split("\u0001");
  const pointer = `${o.backupDir}/${hop.from}-before-${hop.to}.current`;
  const systemFiles = [o.oratab, o.emtab];
  // a new archive named after the hop and the UTC time, never over an existing one
  const newArchive = (name: string) =>
    `stamp=$(date -u +%Y%m%dT%H%M%S); archive=${q(o.backupDir)}/${q(name)}.$stamp.tar.gz; n=1; ` +
    `while [ -e "$archive" ]; do archive=${q(o.backupDir)}/${q(name)}.$stamp-$n.tar.gz; n=$((n + 1)); done`;
  const home = hop.to === TARGET ? dest : src;
  const log = dest + "/upgrade/log/iasua.log";
  return {
    shell: "sh",
    emSaved,
    checkInfrastructure: [o.infrastructureCheck ?? `echo ${q("options.infrastructureCheck is not set")} >&2; exit 1`],
    installDestination: [
      // 004: the Upgrade Assistant is installed in the new home's upgrade folder; there, an earlier attempt installed it
      `if [ -x ${q(dest + "/upgrade/iasua.sh")} ]; then echo ${q(`${dest} already holds the ${TARGET} Upgrade Assistant (an earlier attempt installed it); not installed again`)}; exit 0; fi`,
      `if [ -e ${q(dest)} ] && [ -n "$(ls -A -- ${q(dest)} 2>/dev/null)" ]; then echo ${q(`${dest} exists, is not empty and holds no ${TARGET}: the installer needs a new folder`)} >&2; exit 1; fi`,
      installer(o.installers.destination, "destination"),
    ],
    stopEmWebSite: [
      `(umask 077; mkdir -p -- ${q(o.backupDir)})`,
      // 004 l.30-36 (emSwitch.ts): the source must hold the active Enterprise Manager (em_loc, emtab
      // here; none named: the source), then SOURCE_ORACLE_HOME\bin\emctl stop. Another active home
      // needs the operator's emctl switch home (a dialog box): refused here as at preview, before
      // anything stops. The home is data: an absolute path of plain characters. A resumed run keeps
      // what the first saw (where it ran, and whether).
      `if [ ! -f ${q(emSaved)} ]; then em=$(sed -n 's/^DEFAULT=//p' ${q(o.emtab)} 2>/dev/null | head -n 1); em=\${em:-${q(src)}}; ` +
        `case "$em" in /*) ;; *) echo ${q(`${o.emtab} names an active EM home that is not an absolute path`)} >&2; exit 1;; esac; ` +
        `case "$em" in *[!A-Za-z0-9/._\\ -]*) echo ${q(`${o.emtab} names an active EM home with characters other than letters, digits, spaces and / . _ -`)} >&2; exit 1;; esac; ` +
        `if [ "\${em%/}" != ${q(src.replace(/\/+$/, ""))} ]; then printf '%s%s%s\\n' ${q(advice[0])} "$em" ${q(advice[1])} >&2; exit 1; fi; ` +
        `if ${emRuns}; then s=ran; else s=stopped; fi; (umask 077; printf '%s\\n%s\\n' "$s" "$em" > ${q(emSaved)}); fi`,
      `em=${emHome}; echo "the EM Web Site's home is $em"`,
      // emctl stop asks for the ias_admin password (the document); it comes from a secret, on stdin
      `if ${emRuns}; then printf '%s\\n' "${o.iasAdminPassword ?? ""}" | "$em/bin/emctl" stop; else echo 'the EM Web Site is not running'; fi`,
    ],
    // the source last: in a cluster, its stop is when the last old member stops serving, and the pool
    // step right after it returns the upgraded members to the invalidation pool (no command in between)
    stopOpmn: [...(hop.to === TARGET ? [stopHome(dest)] : []), stopHome(src)],
    backup: [
      `umask 077; mkdir -p -- ${q(o.backupDir)}`,
      newArchive(`${hop.from}-before-${hop.to}`),
      `set -- ${q(rel(src))}; for f in ${systemFiles.map(q).join(" ")}; do if [ -e "$f" ]; then set -- "$@" "\${f#/}"; fi; done`,
      `tar -C / --no-unquote -czpf "$archive.tmp" -- "$@"`,
      `tar -tzf "$archive.tmp" > /dev/null`,
      `mv -- "$archive.tmp" "$archive"`,
      `sha256sum "$archive" > "$archive.sha256"`,
      `printf '%s\\n' "$archive" > ${q(pointer + ".tmp")}; mv -f -- ${q(pointer + ".tmp")} ${q(pointer)}; printf 'restore point: %s\\n' "$archive"`,
    ],
    // planned only while the installed version (the site's versionCommand) is below 9.0.2.3; a resumed run skips it once done
    applyPatchSet: [installer(o.installers.patchSet, "patchSet")],
    jvmHeap: { file: `${dest}/upgrade/Oc4jPlugin.cfg`, commands: [] },
    upgradeAssistant: [
      `log=${q(log)}`,
      // 004: the log is appended to by default (log.append=TRUE): only what this run adds is read
      `before=$(wc -c < "$log" 2>/dev/null || echo 0)`,
      // the command-line assistant asks whether the pre-upgrade requirements are met, and on a rerun
      // whether to go on with a destination it already processed: the steps before made them so
      `if ! printf 'Yes\\nYes\\n' | ${q(dest + "/upgrade/iasua.sh")} -sourcehome ${q(src)}; then ` +
        `comp=$(tail -c +$((before + 1)) "$log" 2>/dev/null | grep -E 'Starting to (examine|upgrade) ' | tail -n 1 | sed -E 's/.*Starting to (examine|upgrade) (component )?//' | tr -cd 'A-Za-z0-9 ()._/"-' | cut -c 1-120); ` +
        `echo "the Upgrade Assistant failed at component: \${comp:-unknown (this run wrote no 'Starting to examine/upgrade' line to $log)}" >&2; exit 1; fi`,
    ],
    checkSsl: [
      `opmn_xml=${q(dest + "/opmn/conf/opmn.xml")}; httpd=${q(dest + "/Apache/Apache/conf/httpd.conf")}`,
      `mode=$(tr '\\n' ' ' < "$opmn_xml" | grep -o 'id="start-mode"[[:space:]]*value="[a-z-]*"' | head -n 1 | sed 's/.*value="//; s/"$//')`,
      `set -- $(awk 'BEGIN { d = 0; i = 0; o = 0 } /^[[:space:]]*<IfDefine[[:space:]]+SSL[[:space:]]*>/ { d = 1 } /^[[:space:]]*<\\/IfDefine>/ { d = 0 } /^[[:space:]]*LoadModule[[:space:]]+ossl_module/ { if (d) i++; else o++ } END { print i, o }' "$httpd")`,
      `if [ "$2" -gt 0 ]; then echo "httpd.conf loads ossl_module outside <IfDefine SSL>: Oracle HTTP Server would start with SSL whatever OPMN says; put it inside <IfDefine SSL>" >&2; exit 1; fi`,
      `if [ "$mode" = ssl-enabled ] && [ "$1" -eq 0 ]; then echo "opmn.xml starts Oracle HTTP Server with start-mode ssl-enabled, but httpd.conf loads no ossl_module inside <IfDefine SSL>" >&2; exit 1; fi`,
      // the source's own start-mode (when its opmn.xml has one): SSL on before must stay on after
      `src_mode=$(tr '\\n' ' ' < ${q(src + "/opmn/conf/opmn.xml")} 2>/dev/null | grep -o 'id="start-mode"[[:space:]]*value="[a-z-]*"' | head -n 1 | sed 's/.*value="//; s/"$//')`,
      `if [ "$src_mode" = ssl-enabled ] && [ "$mode" != ssl-enabled ]; then echo "the source started Oracle HTTP Server with SSL, but the destination's opmn.xml start-mode is '\${mode:-missing}'" >&2; exit 1; fi`,
      `echo "SSL configuration consistent (start-mode \${mode:-not set}, ossl_module inside <IfDefine SSL>: $1)"`,
    ],
    reports: {
      file: `${dest}/sysman/emd/targets.xml`,
      // 004 names the file (rwservlet.properties), not the key: the site's command prints the name (first line; checked as a plain name by the edit)
      valueCommand:
        `name=$( ${inHomeShQuoted(dest, site(o, "reportsServerName"))} ) || exit 1; name=$(printf '%s\\n' "$name" | head -n 1); ` +
        `if [ -z "$name" ]; then echo ${q(`${homeCommandField("reportsServerName")} printed no name for ${dest}`)} >&2; exit 1; fi; printf '%s\\n' "$name"`,
      commands: [],
    },
    jaznLibraryPaths: (file) => jaznLibraryPathsSh(file, dest + "/j2ee/home"),
    confirmed: (field) => [`echo ${q(`${field}: done, as the stack confirms`)}`],
    startAtBoot: { file: o.oratab, value: stepValue("oratab-start-at-boot", { on: dest, off: src }), commands: [] },
    startSource: [startHome(src)],
    startDestination: [startHome(dest)],
    startEmWebSite: [
      `em=${emHome}; if [ "$(sed -n 1p ${q(emSaved)} 2>/dev/null)" = ran ] && [ -n "$em" ] && ! ${emRuns}; then ${inHomeSh('"$em"', site(o, "emStart"))}; fi`,
    ],
    // 004 l.315 gives `opmnctl startproc ias-component=WebCache` without its folder: the stand-in's opmn/bin
    startWebCache: [`${q(dest + "/opmn/bin/opmnctl")} startproc ias-component=WebCache`],
    startConsole: [`${q(dest + "/bin/emctl")} start iasconsole`],
    consolePort: [
      // the entry's URL is data: only its port number is printed
      `port=$(grep -o 'StandaloneConsoleURL[^>]*' ${q(dest + "/sysman/emd/targets.xml")} 2>/dev/null | grep -o ':[0-9]\\{1,5\\}' | head -n 1 | tr -d :)`,
      `if [ -z "$port" ]; then echo 'targets.xml has no StandaloneConsoleURL with a port: look up the console port on the Ports page' >&2; exit 1; fi`,
      `echo "Application Server Control console port: $port${hop.from.startsWith("9.0.4") ? "" : " (the source's Enterprise Manager Web Site used 1810 by default; 004: 1812 after a 9.0.2 or 9.0.3 source)"}; ${dest}/install/portlist.ini keeps the installer's values (004)"`,
    ],
    verify: [
      // 004: the Oracle HTTP Server URL answers (http://midtierhost:7777); the listener may take a moment after startall
      `i=0; until code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 http://127.0.0.1:${o.httpPort}/ 2>/dev/null) && [ "$code" -ge 200 ] && [ "$code" -lt 400 ]; do i=$((i + 1)); if [ $i -ge 30 ]; then echo "the Oracle HTTP Server of ${home} does not answer on port ${o.httpPort} (last HTTP status: \${code:-none})" >&2; exit 1; fi; sleep 2; done`,
      `echo "the Oracle HTTP Server of ${home} answers on port ${o.httpPort} (HTTP $code)"`,
    ],
    leaveFarm: [`${q(src + "/dcm/bin/dcmctl")} leavefarm`],
    restoreSource: [
      stopHome(src),
      `archive=$(cat ${q(pointer)}); sha256sum -c "$archive.sha256" > /dev/null`,
      // the start-at-boot settings always; the home only when it differs from the restore point (the
      // Upgrade Assistant leaves the source as it was, so after a failed 10.1.2 hop it normally does not)
      `for f in ${systemFiles.map(q).join(" ")}; do r=\${f#/}; if tar -tzf "$archive" -- "$r" > /dev/null 2>&1; then tar -C / -xzpf "$archive" -- "$r"; fi; done`,
      `if tar -C / --no-unquote -dzf "$archive" -- ${q(rel(src))} > /dev/null 2>&1; then echo ${q(`${src} is as it was; left untouched`)}; ` +
        `else rm -rf -- ${q(src)}; tar -C / -xzpf "$archive" -- ${q(rel(src))}; echo ${q(`${src} restored`)}; fi`,
      `printf 'restored from %s (kept)\\n' "$archive"`,
    ],
    stopDestination: hop.to === TARGET ? [stopHome(dest)] : [],
  };
}

/**
 * 004 (9.0.2 sources): both `<library path="DESTINATION_J2EE_HOME\jazn.jar"/>` and `…\jazncore.jar`
 * among application.xml's library path entries. Computes the file, writes it only if an entry is
 * missing (after a copy aside), next to the last existing library entry; with none there it fails
 * and says what to add, as 004 gives no other place.
 */
function jaznLibraryPathsSh(file: string, j2eeHome: string): string[] {
  const entries = ["jazn.jar", "jazncore.jar"].map((jar) => `<library path="${j2eeHome}/${jar}"/>`);
  return [
    `f=${q(file)}`,
    `if [ ! -f "$f" ]; then echo "$f is not there: give the application.xml that holds the library path entries" >&2; exit 1; fi`,
    `missing=''; for e in ${entries.map(q).join(" ")}; do if ! grep -qF -- "$e" "$f"; then missing="$missing$e
"; fi; done`,
    `if [ -z "$missing" ]; then echo "$f already has both jazn library entries"; exit 0; fi`,
    `if ! grep -q '<library[[:space:]]' "$f"; then echo "$f has no <library path=...> entry to add them beside: add $(printf '%b' "$missing" | tr '\n' ' ')by hand" >&2; exit 1; fi`,
    `last=$(grep -n '<library[[:space:]]' "$f" | tail -n 1 | cut -d: -f1)`,
    `cp -p -- "$f" "$f.upchain.bak"`,
    `{ head -n "$last" "$f"; printf '%b' "$missing"; tail -n +$((last + 1)) "$f"; } > "$f.upchain.tmp" && mv -f -- "$f.upchain.tmp" "$f"`,
    `echo "added to $f: $(printf '%b' "$missing" | tr '\n' ' ')"`,
  ];
}
