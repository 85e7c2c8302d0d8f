// Oracle AS middle tier on Linux: the commands of the document's steps (outline.ts) as POSIX sh over
// the homes' own tools (opmnctl, emctl, iasua.sh, dcmctl). Every value is quoted; the installers are
// the stack's own text. What the host's files say (ias.properties, emtab, iasua.log) is read as data:
// checked against a pattern before it is used, never run.
import { Hop } from "../../engine/catalog";
import { quote as q } from "../../quote";
import { OracleAsOptions } from "./options";
import { OracleAsCommands } from "./outline";
import { TARGET } from "./rules";

const rel = (p: string) => p.replace(/^\/+/, "");

/** The site's installer, or a line that fails and names the option (preflight stops it first). */
const installer = (cmd: string | undefined, option: string) => cmd ?? `echo ${q(`options.installers.${option} is not set`)} >&2; exit 1`;

/** Prints `Version=` of a home's ias.properties (empty when the home is not there). */
export const versionOf = (home: string) => `sed -n 's/^Version=//p' ${q(home + "/config/ias.properties")} 2>/dev/null | head -n 1`;

/** True (exit 0) when `oratab` flags `home` to start at boot. The path is compared as a string, never as a pattern. */
const startsAtBoot = (oratab: string, home: string) => `h=${q(home)} awk -F: '$2 == ENVIRON["h"] && $3 ~ /^Y/ { f = 1 } END { exit !f }' ${q(oratab)} 2>/dev/null`;

/**
 * Reads the Infrastructure's directory address from the source's ias.properties (data: a host name
 * and a port, checked before use) and asks it for its release with the home's own ldapsearch.
 * Prints `orcldirectoryversion=...`, or "no Infrastructure" when the middle tier uses none.
 */
export function infrastructureProbe(src: string): string {
  const props = q(src + "/config/ias.properties");
  return [
    `oid_host=$(sed -n 's/^OIDhost=//p' ${props} | head -n 1); oid_port=$(sed -n 's/^OIDport=//p' ${props} | head -n 1)`,
    `if [ -z "$oid_host" ]; then echo 'no Infrastructure: ias.properties names no OIDhost'; exit 0; fi`,
    `case "$oid_host" in *[!A-Za-z0-9.-]*) echo 'OIDhost in ias.properties is not a host name' >&2; exit 1;; esac`,
    `case "$oid_port" in ''|*[!0-9]*) echo 'OIDport in ias.properties is not a port number' >&2; exit 1;; esac`,
    `if ! out=$(${q(src + "/bin/ldapsearch")} -h "$oid_host" -p "$oid_port" -b '' -s base 'objectclass=*' orcldirectoryversion 2>&1); then ` +
      `echo "the Infrastructure's directory at $oid_host:$oid_port does not answer: $out" >&2; exit 1; fi`,
    `printf '%s\\n' "$out"`,
  ].join("\n");
}

export function linuxCommands(o: OracleAsOptions, hop: Hop): OracleAsCommands {
  const src = o.sourceHome;
  const dest = o.destinationHome ?? "";
  const opmn = (home: string, ...args: string[]) => [q(home + "/opmn/bin/opmnctl"), ...args].join(" ");
  const emctl = (...args: string[]) => [q(src + "/bin/emctl"), ...args].join(" ");
  const emSaved = `${o.backupDir}/em-before-${hop.to}`;
  const pointer = `${o.backupDir}/${hop.from}-before-${hop.to}.current`;
  const systemFiles = [o.oratab, o.emtab];
  // a new archive named after the hop and the UTC time, never over an existing one
  const newArchive = (name: string) =>
    `stamp=$(date -u +%Y%m%dT%H%M%S); archive=${q(o.backupDir)}/${q(name)}.$stamp.tar.gz; n=1; ` +
    `while [ -e "$archive" ]; do archive=${q(o.backupDir)}/${q(name)}.$stamp-$n.tar.gz; n=$((n + 1)); done`;
  const stopIfRunning = (home: string) => `if [ -x ${q(home + "/opmn/bin/opmnctl")} ] && ${opmn(home, "status")} > /dev/null 2>&1; then ${opmn(home, "stopall")}; fi`;
  const home = hop.to === TARGET ? dest : src;
  const toPattern = hop.to.replace(/\./g, "\\.");
  return {
    shell: "sh",
    emSaved,
    checkInfrastructure: [infrastructureProbe(src)],
    installDestination: [
      `if ${versionOf(dest)} | grep -q '^10\\.1\\.2'; then echo ${q(`${dest} already holds ${TARGET} (an earlier attempt installed it); not installed again`)}; exit 0; fi`,
      `if [ -e ${q(dest)} ] && [ -n "$(ls -A -- ${q(dest)} 2>/dev/null)" ]; then echo ${q(`${dest} exists, is not empty and holds no ${TARGET}: the installer needs a new folder`)} >&2; exit 1; fi`,
      installer(o.installers.destination, "destination"),
    ],
    stopEmWebSite: [
      `(umask 077; mkdir -p -- ${q(o.backupDir)})`,
      // the active EM home must be the source's: upchain stops nothing it was not given
      `em=$(sed -n 's/^DEFAULT=//p' ${q(o.emtab)} 2>/dev/null | head -n 1)`,
      `if [ -n "$em" ] && [ "$em" != ${q(src)} ]; then echo ${q(`${o.emtab} names another active EM home than ${src}; switch it (emctl switch home) or stop that EM Web Site first`)} >&2; exit 1; fi`,
      // a resumed run keeps what the first run saw
      `if [ ! -f ${q(emSaved)} ]; then if ${emctl("status")} > /dev/null 2>&1; then s=ran; else s=stopped; fi; (umask 077; printf '%s\\n' "$s" > ${q(emSaved)}); fi`,
      // emctl stop asks for the ias_admin password (the document); it comes from a secret, on stdin
      `if ${emctl("status")} > /dev/null 2>&1; then printf '%s\\n' "${o.iasAdminPassword ?? ""}" | ${emctl("stop")}; else echo 'the EM Web Site is not running'; fi`,
    ],
    stopOpmn: [stopIfRunning(src), ...(hop.to === TARGET ? [stopIfRunning(dest)] : [])],
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
    applyPatchSet: [
      `if ${versionOf(src)} | grep -q '^9\\.0\\.2\\.[3-9]'; then echo ${q(`${src} already has the patch set`)}; exit 0; fi`,
      installer(o.installers.patchSet, "patchSet"),
    ],
    jvmHeap: { file: `${dest}/upgrade/Oc4jPlugin.cfg`, commands: [] },
    upgradeAssistant: [
      `log=${q(dest + "/upgrade/log/iasua.log")}`,
      // the command-line assistant asks whether the pre-upgrade requirements are met, and on a rerun
      // whether to go on with a destination it already processed: the steps before made them so
      `if ! printf 'Yes\\nYes\\n' | ${q(dest + "/upgrade/iasua.sh")} -sourcehome ${q(src)}; then ` +
        `comp=$(grep -E 'Starting to (examine|upgrade) ' "$log" 2>/dev/null | tail -n 1 | sed -E 's/.*Starting to (examine|upgrade) (component )?//' | tr -cd 'A-Za-z0-9 ()._/"-' | cut -c 1-120); ` +
        `echo "the Upgrade Assistant failed at component: \${comp:-unknown (no 'Starting to examine/upgrade' line in $log)}" >&2; exit 1; fi`,
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
    checkWallet: [
      `conf=${q(dest + "/webcache/webcache.xml")}`,
      `if [ ! -f "$conf" ]; then echo 'no Web Cache configured in the destination'; exit 0; fi`,
      // the wallet's folder as the file names it (data), resolved, must lie inside the destination home:
      // the document warns that a path spelled differently (case on Windows, a link here) is taken
      // for one outside the home and left pointing at the old place
      `w=$(tr '\n' ' ' < "$conf" | grep -o '<WALLET[^>]*PATH="[^"]*"' | head -n 1 | sed 's/.*PATH="//; s/"$//')`,
      `if [ -z "$w" ]; then echo 'no Web Cache wallet configured'; exit 0; fi`,
      `real=$(readlink -f -- "$w" || true); home=$(readlink -f -- ${q(dest)})`,
      `case "$real" in "$home"/*) echo "the Web Cache wallet is inside the destination home ($w)";; *) echo "webcache.xml keeps the Web Cache wallet at $w, outside the destination home $home: copy it to the destination home's webcache/wallets/default and point Web Cache there" >&2; exit 1;; esac`,
    ],
    reports: {
      file: `${dest}/sysman/emd/targets.xml`,
      // SERVER_NAME= (or server=) names the original server
      valueCommand: `sed -n 's/^[Ss][Ee][Rr][Vv][Ee][Rr]\\(_[Nn][Aa][Mm][Ee]\\)\\{0,1\\}=//p' ${q(dest + "/reports/conf/rwservlet.properties")} 2>/dev/null | head -n 1`,
      commands: [],
    },
    startAtBoot: { file: o.oratab, value: JSON.stringify({ on: dest, off: src }), commands: [] },
    startSource: [opmn(src, "startall")],
    startDestination: [opmn(dest, "startall")],
    startEmWebSite: [`if [ "$(cat ${q(emSaved)} 2>/dev/null)" = ran ] && ! ${emctl("status")} > /dev/null 2>&1; then ${emctl("start")}; fi`],
    webCache: [
      `if ! ${opmn(dest, "status")} 2>/dev/null | grep -i 'WebCache' | grep -q -i 'Alive'; then ${opmn(dest, "startproc", "ias-component=WebCache")}; fi`,
      `${q(dest + "/webcache/bin/webcachectl")} propagate`,
    ],
    verify: [
      `v=$(${versionOf(home)}); case "$v" in ${q(hop.to)}|${q(hop.to)}.*) ;; *) echo "${home} reports version '$v', not ${hop.to}" >&2; exit 1;; esac`,
      // the HTTP listener may take a moment after startall
      `i=0; until page=$(curl -sS -i --max-time 10 http://127.0.0.1:${o.httpPort}/ 2>&1) && printf '%s' "$page" | grep -q '${toPattern}'; do i=$((i + 1)); if [ $i -ge 30 ]; then echo "port ${o.httpPort} does not answer with ${hop.to}: $(printf '%s' "$page" | head -n 5)" >&2; exit 1; fi; sleep 2; done`,
      `echo "${hop.to} answers on port ${o.httpPort}"`,
    ],
    leaveFarm: [`${q(src + "/dcm/bin/dcmctl")} leavefarm`],
    restoreSource: [
      `${stopIfRunning(src)}`,
      `archive=$(cat ${q(pointer)}); sha256sum -c "$archive.sha256" > /dev/null`,
      // the start-at-boot settings always; the home only when it differs from the restore point (the
      // Upgrade Assistant leaves the source as it was, so after a failed 10.1.2 hop it normally does not)
      `for f in ${systemFiles.map(q).join(" ")}; do r=\${f#/}; if tar -tzf "$archive" -- "$r" > /dev/null 2>&1; then tar -C / -xzpf "$archive" -- "$r"; fi; done`,
      `if tar -C / --no-unquote -dzf "$archive" -- ${q(rel(src))} > /dev/null 2>&1; then echo ${q(`${src} is as it was; left untouched`)}; ` +
        `else rm -rf -- ${q(src)}; tar -C / -xzpf "$archive" -- ${q(rel(src))}; echo ${q(`${src} restored`)}; fi`,
      `printf 'restored from %s (kept)\\n' "$archive"`,
    ],
    stopDestination: hop.to === TARGET ? [stopIfRunning(dest)] : [],
  };
}

/** Prints the version of the home that runs: the destination once it starts at boot, else the source. */
export function linuxProbe(o: OracleAsOptions): string {
  const dest = o.destinationHome;
  const fromDest = dest ? `if ${startsAtBoot(o.oratab, dest)}; then v=$(${versionOf(dest)}); if [ -n "$v" ]; then printf '%s\\n' "$v"; exit 0; fi; fi; ` : "";
  return `${fromDest}${versionOf(o.sourceHome)}`;
}
