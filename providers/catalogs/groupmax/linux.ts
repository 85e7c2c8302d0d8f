// Groupmax on Linux: the commands of the document's steps (outline.ts) as POSIX sh. 002 describes
// no Linux procedure (Object Server's install refers to its Windows guide), so every product
// command is the site's own text from the stack (options.commands, installers, advup,
// addressMailSetup); upchain adds only its backup, restore and checks around them. Every value of
// upchain's own is quoted.
import { Hop } from "../../engine/planning/catalog";
import { quote as q } from "../../quote";
import { GroupmaxSettings } from "./options";
import { GroupmaxCommands, kept } from "./outline";

/** Identifies the current boot: the kernel's boot id, and PID 1's start time for a container's init. */
export const LINUX_BOOT_MARKER = "cat /proc/sys/kernel/random/boot_id; cut -d' ' -f22 /proc/1/stat";

const rel = (p: string) => p.replace(/^\/+/, "");

/** The stack's install command, or a line that fails and names the option (preflight stops it first). */
function sitesOrFail(cmd: string | undefined, option: string): string[] {
  return [cmd ?? `echo ${q(`${option} is not set`)} >&2; exit 1`];
}

export function linuxCommands(o: GroupmaxSettings, hop: Hop): GroupmaxCommands {
  const c = o.commands;
  const saved = `${o.backupDir}/autostart-before-${hop.to}`;
  // names this hop's restore point; the archive itself carries the time it was taken
  const pointer = `${o.backupDir}/${hop.from}-before-${hop.to}.current`;
  const archiveOf = kept(o)
    .map((k) => q(rel(k)))
    .join(" ");
  const restoreAutostart = `if [ -f ${q(saved)} ]; then if [ "$(cat ${q(saved)})" = on ]; then ${c.autostart.on}; fi; rm -f -- ${q(saved)}; fi`;
  // A new archive named after the hop and the UTC time; an archive already there (a step rerun in the
  // same second) is never overwritten: the name gets a counter.
  const newArchive = (name: string) =>
    `stamp=$(date -u +%Y%m%dT%H%M%S); archive=${q(o.backupDir)}/${q(name)}.$stamp.tar.gz; n=1; ` +
    `while [ -e "$archive" ]; do archive=${q(o.backupDir)}/${q(name)}.$stamp-$n.tar.gz; n=$((n + 1)); done`;
  // each site command on its own line: the step script runs with set -e, so a failing start fails the step
  const startAndCheck = (svc: { start: string; status: string }) => [svc.start, svc.status];
  const stopAll = [c.server.stop, c.address.stop, c.objectServer.stop];
  const journal = o.journalDir === false ? "" : o.journalDir;
  const named = { objectServer: "Object Server", address: "the address service", server: "the server", console: "the operator console" } as const;
  // each start is tried whatever the others did (set -e would skip the rest after a failure); $down
  // collects those that did not start, so the step can fail naming every one
  const startEachOf = (ks: (keyof typeof named)[]) => [
    `down=""`,
    ...ks.map(
      (k) => `(${c[k].start}
) || down="$down ${named[k]} (options.commands.${k}.start),"`,
    ),
  ];
  const startEach = startEachOf(["objectServer", "address", "server"]);
  return {
    shell: "sh",
    autostartSaved: saved,
    journalFiles: `${journal}/${o.journalPattern}`,
    stopAddress: [c.server.stop, c.address.stop],
    stopObjectServer: [c.objectServer.stop],
    autostartOff: [
      // the backup directory and everything upchain keeps in it are private (0700 folders, 0600 files)
      `(umask 077; mkdir -p -- ${q(o.backupDir)})`,
      // a resumed run must not overwrite the setting the first run saved
      `[ -f ${q(saved)} ] || { if ${c.autostart.isOn}; then was=on; else was=off; fi; (umask 077; echo "$was" > ${q(saved)}); }`,
      `if [ "$(cat ${q(saved)})" = on ]; then ${c.autostart.off}; fi`,
    ],
    reboot: { command: o.rebootCommand, bootMarker: LINUX_BOOT_MARKER },
    backup: [
      // 002: Object Server must be stopped for the backup; stop whatever the restart brought back
      // (a stop of a stopped service is the site's command to answer: it must succeed)
      ...stopAll,
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
      objectServer: sitesOrFail(o.installers.objectServer, "options.installers.objectServer"),
      addressServer: sitesOrFail(o.installers.addressServer, "options.installers.addressServer"),
      mailServer: sitesOrFail(o.installers.mailServer, "options.installers.mailServer"),
    },
    servicesAdd: [],
    startObjectServer: startAndCheck(c.objectServer),
    advup: [q(o.advup)],
    addressMailSetup: sitesOrFail(o.addressMailSetup, "options.addressMailSetup"),
    startAddress: startAndCheck(c.address),
    startServer: startAndCheck(c.server),
    clearJournal: [
      // 002 has the journal files deleted; a folder that is not there means the stack names the wrong one
      `if [ ! -d ${q(journal)} ]; then echo ${q(`the journal folder ${journal} (options.journalDir) does not exist: give the folder where the old version kept its journals, or false if it kept none`)} >&2; exit 1; fi`,
      `for f in ${q(journal)}/${o.journalPattern}; do if [ -f "$f" ]; then rm -f -- "$f"; echo "deleted $f"; fi; done`,
    ],
    startConsole: startAndCheck(c.console),
    // 002's success criterion is each start; the check is that they still run (the site's status commands)
    verify: [c.objectServer.status, c.address.status, c.server.status, ...(o.operatorConsole ? [c.console.status] : [])],
    backupV6: [
      `umask 077; mkdir -p -- ${q(o.backupDir)}`,
      newArchive(`${hop.to}-after-upgrade`),
      // 002: the database backup needs Object Server stopped; whatever the stops and the copy do, start
      // them again (an && list, since set -e does not hold inside a list tested by ||; each site
      // command in its own subshell, so its own ; or newline stays inside it)
      `rc=0; { ${[
        ...stopAll.map(
          (c) => `(${c}
)`,
        ),
        `tar -C / --no-unquote -czpf "$archive" ${archiveOf}`,
      ].join(" && ")}; } || rc=$?`,
      // the step fails naming every service that did not start, so the warning never hides a stopped one
      ...startEach,
      `if [ -n "$down" ]; then echo "after the Version 6 backup (exit $rc) these did not start again:\${down%,}; start them with your site's commands and check that they run" >&2; exit 1; fi`,
      `if [ "$rc" != 0 ]; then echo "the Version 6 backup failed (exit $rc); the services were started again" >&2; exit "$rc"; fi`,
      `sha256sum "$archive" > "$archive.sha256"`,
      `printf 'saved %s\\n' "$archive"`,
    ],
    restoreAutostart: [restoreAutostart],
    restoreBackup: [
      ...[...(o.operatorConsole ? [c.console] : []), c.server, c.address, c.objectServer].map((s) => `${s.stop} || true`),
      `archive=$(cat ${q(pointer)}); sha256sum -c "$archive.sha256" > /dev/null`,
      // everything the archive holds but the services file is replaced whole, so nothing the hop added stays
      `rm -rf -- ${[...o.installDirs, ...o.databasePaths, ...(o.journalDir === false ? [] : [o.journalDir])].map(q).join(" ")}`,
      `tar -C / -xzpf "$archive"; printf 'restored from %s (kept)\\n' "$archive"`,
    ],
    recoverServices: [
      ...startEachOf(["objectServer", "address", "server", ...(o.operatorConsole ? (["console"] as const) : [])]),
      `if [ -n "$down" ]; then echo "these did not start again:\${down%,}; start them with your site's commands and check that they run" >&2; exit 1; fi`,
    ],
  };
}
