// Groupmax on Linux: the document's thirteen steps in its order, as POSIX sh over the product's
// control command. Every value is quoted; the site's installer commands are the stack's own text.
import * as path from "path";
import { Hop, Step, shStep as step, uploadStep } from "../../engine/catalog";
import { describeEntry } from "../../engine/fileSteps";
import { quote as q } from "../../quote";
import { GroupmaxSettings } from "./options";
import { needsAdvup, servicesEntriesFor } from "./rules";

/** Identifies the current boot: the kernel's boot id, and PID 1's start time for a container's init. */
export const LINUX_BOOT_MARKER = "cat /proc/sys/kernel/random/boot_id; cut -d' ' -f22 /proc/1/stat";

const rel = (p: string) => p.replace(/^\/+/, "");

export function linuxPaths(o: GroupmaxSettings, hop: Hop) {
  return {
    /** Names the restore point of this hop; the archive itself carries the time it was taken. */
    pointer: `${o.backupDir}/${hop.from}-before-${hop.to}.current`,
    autostartSaved: `${o.backupDir}/autostart-before-${hop.to}`,
    kept: [o.installDir, ...o.databasePaths, o.servicesFile],
  };
}

const ctl = (o: GroupmaxSettings, ...args: string[]) => [q(o.control), ...args].join(" ");

/** The stack's install command, or a line that fails and names the option (preflight stops it first). */
function installer(cmd: string | undefined, option: string): string {
  return cmd ?? `echo ${q(`options.installers.${option} is not set`)} >&2; exit 1`;
}

function restoreAutostart(o: GroupmaxSettings, hop: Hop): string {
  const saved = q(linuxPaths(o, hop).autostartSaved);
  return `if [ -f ${saved} ]; then if [ "$(cat ${saved})" = on ]; then ${ctl(o, "autostart", "on")}; fi; rm -f ${saved}; fi`;
}

export function linuxHopSteps(o: GroupmaxSettings, hop: Hop): Step[] {
  const p = linuxPaths(o, hop);
  const entries = servicesEntriesFor(hop.from);
  const steps: Step[] = o.uploads.map((u, i) =>
    uploadStep("sh", { id: `upload-${i + 1}`, title: `Upload ${path.basename(u.source)} to ${u.destination} (before anything stops)`, source: u.source, destination: u.destination }),
  );
  steps.push(
    step({
      id: "stop-address",
      action: "run",
      title: "Stop the mail application and this master management server's address service (other address servers keep running)",
      destructive: false,
      commands: [ctl(o, "stop", "server"), ctl(o, "stop", "address")],
    }),
    step({ id: "stop-object-server", action: "run", title: "Stop Object Server", destructive: false, commands: [ctl(o, "stop", "objsrv")] }),
    step({
      id: "autostart-off",
      action: "run",
      title: `If Address Server starts automatically, switch that off (the setting is kept in ${p.autostartSaved} and put back at the end, also on failure)`,
      destructive: false,
      commands: [
        `mkdir -p ${q(o.backupDir)}`,
        // a resumed run must not overwrite the setting the first run saved
        `[ -f ${q(p.autostartSaved)} ] || ${ctl(o, "autostart", "show")} > ${q(p.autostartSaved)}`,
        `if [ "$(cat ${q(p.autostartSaved)})" = on ]; then ${ctl(o, "autostart", "off")}; fi`,
      ],
    }),
    {
      id: "reboot",
      action: "reboot",
      shell: "sh",
      title: `Shut the machine down and restart it; wait up to ${o.rebootTimeoutSeconds}s for it to come back`,
      destructive: false,
      commands: [o.rebootCommand],
      bootMarker: LINUX_BOOT_MARKER,
      timeoutSeconds: o.rebootTimeoutSeconds,
    },
    step({
      id: "backup",
      action: "backup",
      title: `Back up ${p.kept.join(", ")} (the installation folder, the database files, the services file)`,
      destructive: false,
      commands: [
        // Object Server must be stopped for the backup; stop whatever the restart brought back
        `${ctl(o, "stop", "server")}; ${ctl(o, "stop", "address")}; ${ctl(o, "stop", "objsrv")}`,
        `mkdir -p ${q(o.backupDir)}; archive=${q(o.backupDir)}/${q(`${hop.from}-before-${hop.to}`)}.$(date +%Y%m%dT%H%M%S).tar.gz`,
        `tar -C / -czpf "$archive.tmp" ${p.kept.map((k) => q(rel(k))).join(" ")}`,
        `tar -tzf "$archive.tmp" > /dev/null && mv "$archive.tmp" "$archive" && sha256sum "$archive" > "$archive.sha256"`,
        `echo "$archive" > ${q(p.pointer)}; echo "restore point: $archive"`,
      ],
    }),
    step({ id: "install-object-server", action: "run", title: "Install Object Server (the site's installer)", destructive: true, commands: [installer(o.installers.objectServer, "objectServer")] }),
    step({ id: "install-address-server", action: "run", title: "Update-install Address Server (the site's installer)", destructive: true, commands: [installer(o.installers.addressServer, "addressServer")] }),
    step({ id: "install-mail-server", action: "run", title: "Update-install Mail Server (the site's installer)", destructive: true, commands: [installer(o.installers.mailServer, "mailServer")] }),
  );
  if (entries.length) {
    steps.push({
      id: "services-add",
      action: "services-add",
      shell: "sh",
      title: `Add ${entries.map(describeEntry).join(", ")} to ${o.servicesFile}`,
      destructive: true,
      commands: [],
      file: o.servicesFile,
      entries,
    });
  }
  steps.push(step({ id: "start-object-server", action: "run", title: "Start Object Server (its start-up check)", destructive: false, commands: [ctl(o, "start", "objsrv"), ctl(o, "status", "objsrv")] }));
  if (needsAdvup(hop.from)) {
    steps.push(
      step({
        id: "advup2_6",
        action: "run",
        title: "Run advup2_6 on the master management server as the system administrator, then confirm the Address_Mail Server setup",
        destructive: true,
        commands: [q(o.advup), ...(o.addressMailSetup ? [o.addressMailSetup] : [])],
      }),
    );
  }
  steps.push(
    step({ id: "start-address", action: "run", title: "Start the address service (its start-up check)", destructive: false, commands: [ctl(o, "start", "address"), ctl(o, "status", "address")] }),
    step({ id: "start-server", action: "run", title: "Start the server (the mail application)", destructive: false, commands: [ctl(o, "start", "server"), ctl(o, "status", "server")] }),
    step({
      id: "clear-journal",
      action: "run",
      title: `Delete the master management server's journal files (${o.journalDir}/${o.journalPattern}) kept by the old version`,
      destructive: true,
      commands: [`for f in ${q(o.journalDir)}/${o.journalPattern}; do if [ -e "$f" ]; then rm -f -- "$f"; echo "deleted $f"; fi; done`],
    }),
  );
  if (o.operatorConsole) {
    steps.push(step({ id: "start-console", action: "run", title: "Start the operator console (運転席)", destructive: false, commands: [ctl(o, "start", "console"), ctl(o, "status", "console")] }));
  }
  steps.push(
    step({
      id: "verify",
      action: "verify",
      title: `Check that ${hop.to} is installed and Object Server, the address service and the server run`,
      destructive: false,
      commands: [
        `v=$(cat ${q(o.installDir + "/VERSION")}); if [ "$v" != ${q(hop.to)} ]; then echo "the installed version reads $v, not ${hop.to}" >&2; exit 1; fi`,
        ctl(o, "status", "objsrv"),
        ctl(o, "status", "address"),
        ctl(o, "status", "server"),
      ],
    }),
  );
  if (o.backupAfterUpgrade) {
    steps.push(
      step({
        id: "backup-v6",
        action: "run",
        title: `Back up the ${hop.to} environment (recommended by the document, so a disk failure never sends you back to ${hop.from})`,
        destructive: false,
        commands: [
          `archive=${q(o.backupDir)}/${q(`${hop.to}-after-upgrade`)}.$(date +%Y%m%dT%H%M%S).tar.gz`,
          `tar -C / -czpf "$archive" ${p.kept.map((k) => q(rel(k))).join(" ")} && sha256sum "$archive" > "$archive.sha256" && echo "saved $archive"`,
        ],
      }),
    );
  }
  steps.push(step({ id: "restore-autostart", action: "run", title: "Put the automatic start setting back if it was changed", destructive: false, commands: [restoreAutostart(o, hop)] }));
  return steps;
}

/** After a failed hop that changed something: stop what runs, check the archive, and put it back. */
export function linuxRestoreSteps(o: GroupmaxSettings, hop: Hop): Step[] {
  const p = linuxPaths(o, hop);
  return [
    step({
      id: "restore-backup",
      action: "restore",
      title: `Put back ${p.kept.join(", ")} from the restore point taken before ${hop.to}`,
      destructive: true,
      commands: [
        `for s in console server address objsrv; do ${ctl(o, "stop", "$s")} || true; done`,
        `archive=$(cat ${q(p.pointer)}); sha256sum -c "$archive.sha256" > /dev/null`,
        `rm -rf -- ${[o.installDir, ...o.databasePaths].map(q).join(" ")}`,
        `tar -C / -xzpf "$archive"; echo "restored from $archive (kept)"`,
      ],
    }),
  ];
}

/** After any failed hop: the auto-start setting back (always), then the old version's services. */
export function linuxRecoverSteps(o: GroupmaxSettings, hop: Hop): Step[] {
  return [
    { ...step({ id: "recover-autostart", action: "restore", title: "Put the automatic start setting back", destructive: false, commands: [restoreAutostart(o, hop)] }), always: true },
    step({
      id: "recover-services",
      action: "restore",
      title: `Start ${hop.from}'s Object Server, address service and server again`,
      destructive: false,
      commands: [ctl(o, "start", "objsrv"), ctl(o, "start", "address"), ctl(o, "start", "server"), ...(o.operatorConsole ? [ctl(o, "start", "console")] : [])],
    }),
  ];
}
