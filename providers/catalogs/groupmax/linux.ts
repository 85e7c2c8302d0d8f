// Groupmax on Linux: the commands of the document's steps (outline.ts) as POSIX sh over the
// product's control command. Every value is quoted; the site's installer commands are the stack's
// own text.
import { Hop } from "../../engine/catalog";
import { quote as q } from "../../quote";
import { GroupmaxSettings } from "./options";
import { GroupmaxCommands, kept } from "./outline";

/** Identifies the current boot: the kernel's boot id, and PID 1's start time for a container's init. */
export const LINUX_BOOT_MARKER = "cat /proc/sys/kernel/random/boot_id; cut -d' ' -f22 /proc/1/stat";

const rel = (p: string) => p.replace(/^\/+/, "");

/** The stack's install command, or a line that fails and names the option (preflight stops it first). */
function installer(cmd: string | undefined, option: string): string[] {
  return [cmd ?? `echo ${q(`options.installers.${option} is not set`)} >&2; exit 1`];
}

export function linuxCommands(o: GroupmaxSettings, hop: Hop): GroupmaxCommands {
  const ctl = (...args: string[]) => [q(o.control), ...args].join(" ");
  const saved = `${o.backupDir}/autostart-before-${hop.to}`;
  // names this hop's restore point; the archive itself carries the time it was taken
  const pointer = `${o.backupDir}/${hop.from}-before-${hop.to}.current`;
  const archiveOf = kept(o).map((k) => q(rel(k))).join(" ");
  const restoreAutostart = `if [ -f ${q(saved)} ]; then if [ "$(cat ${q(saved)})" = on ]; then ${ctl("autostart", "on")}; fi; rm -f -- ${q(saved)}; fi`;
  // A new archive named after the hop and the UTC time; an archive already there (a step rerun in the
  // same second) is never overwritten: the name gets a counter.
  const newArchive = (name: string) =>
    `stamp=$(date -u +%Y%m%dT%H%M%S); archive=${q(o.backupDir)}/${q(name)}.$stamp.tar.gz; n=1; ` +
    `while [ -e "$archive" ]; do archive=${q(o.backupDir)}/${q(name)}.$stamp-$n.tar.gz; n=$((n + 1)); done`;
  const startAndCheck = (svc: string) => [ctl("start", svc), ctl("status", svc)];
  return {
    shell: "sh",
    autostartSaved: saved,
    journalFiles: `${o.journalDir}/${o.journalPattern}`,
    stopAddress: [ctl("stop", "server"), ctl("stop", "address")],
    stopObjectServer: [ctl("stop", "objsrv")],
    autostartOff: [
      // the backup directory and everything upchain keeps in it are private (0700 folders, 0600 files);
      // the umask is scoped, so what the control command itself writes keeps the product's modes
      `(umask 077; mkdir -p -- ${q(o.backupDir)})`,
      // a resumed run must not overwrite the setting the first run saved
      `[ -f ${q(saved)} ] || (umask 077; ${ctl("autostart", "show")} > ${q(saved)})`,
      `if [ "$(cat ${q(saved)})" = on ]; then ${ctl("autostart", "off")}; fi`,
    ],
    reboot: { command: o.rebootCommand, bootMarker: LINUX_BOOT_MARKER },
    backup: [
      // Object Server must be stopped for the backup; stop whatever the restart brought back
      `${ctl("stop", "server")}; ${ctl("stop", "address")}; ${ctl("stop", "objsrv")}`,
      `umask 077; mkdir -p -- ${q(o.backupDir)}`,
      newArchive(`${hop.from}-before-${hop.to}`),
      // the names are literal: GNU tar would otherwise read \ escapes in them
      `tar -C / --no-unquote -czpf "$archive.tmp" ${archiveOf}`,
      // one command a line: set -e does not stop at a failure inside an && list
      `tar -tzf "$archive.tmp" > /dev/null`,
      `mv -- "$archive.tmp" "$archive"`,
      `sha256sum "$archive" > "$archive.sha256"`,
      // written aside and renamed: a pointer an earlier attempt left keeps neither its mode nor half a line
      // printf, not echo: dash's echo reads the \ escapes a path may hold
      `printf '%s\\n' "$archive" > ${q(pointer + ".tmp")}; mv -f -- ${q(pointer + ".tmp")} ${q(pointer)}; printf 'restore point: %s\\n' "$archive"`,
    ],
    install: {
      objectServer: installer(o.installers.objectServer, "objectServer"),
      addressServer: installer(o.installers.addressServer, "addressServer"),
      mailServer: installer(o.installers.mailServer, "mailServer"),
    },
    servicesAdd: [],
    startObjectServer: startAndCheck("objsrv"),
    advup: [q(o.advup), ...(o.addressMailSetup ? [o.addressMailSetup] : [])],
    startAddress: startAndCheck("address"),
    startServer: startAndCheck("server"),
    clearJournal: [`for f in ${q(o.journalDir)}/${o.journalPattern}; do if [ -e "$f" ]; then rm -f -- "$f"; echo "deleted $f"; fi; done`],
    startConsole: startAndCheck("console"),
    verify: [
      `v=$(cat ${q(o.installDir + "/VERSION")}); if [ "$v" != ${q(hop.to)} ]; then echo "the installed version reads $v, not ${hop.to}" >&2; exit 1; fi`,
      ctl("status", "objsrv"),
      ctl("status", "address"),
      ctl("status", "server"),
    ],
    backupV6: [
      `umask 077; mkdir -p -- ${q(o.backupDir)}`,
      newArchive(`${hop.to}-after-upgrade`),
      `tar -C / --no-unquote -czpf "$archive" ${archiveOf}`,
      `sha256sum "$archive" > "$archive.sha256"`,
      `printf 'saved %s\\n' "$archive"`,
    ],
    restoreAutostart: [restoreAutostart],
    restoreBackup: [
      `for s in console server address objsrv; do ${ctl("stop", "$s")} || true; done`,
      `archive=$(cat ${q(pointer)}); sha256sum -c "$archive.sha256" > /dev/null`,
      `rm -rf -- ${[o.installDir, ...o.databasePaths].map(q).join(" ")}`,
      `tar -C / -xzpf "$archive"; printf 'restored from %s (kept)\\n' "$archive"`,
    ],
    recoverServices: [ctl("start", "objsrv"), ctl("start", "address"), ctl("start", "server"), ...(o.operatorConsole ? [ctl("start", "console")] : [])],
  };
}
