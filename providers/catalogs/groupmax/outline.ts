// The document's steps, once: their order, ids, titles and which of them change the server. Each
// platform (linux.ts, windows.ts) only renders the commands, so the two can never disagree on the
// order the document prescribes.
import * as path from "path";
import { Hop, Shell, Step, uploadStep } from "../../engine/catalog";
import { describeEntry } from "../../edits/services";
import { GroupmaxSettings } from "./options";
import { needsAdvup, servicesEntriesFor } from "./rules";

export type Installer = "objectServer" | "addressServer" | "mailServer";

/** One platform's commands for one hop. */
export interface GroupmaxCommands {
  shell: Shell;
  /** Where the auto-start setting is kept from its step to the end of the hop (shown in titles). */
  autostartSaved: string;
  /** The journal files the clear-journal step deletes (shown in its title). */
  journalFiles: string;
  stopAddress: string[];
  stopObjectServer: string[];
  autostartOff: string[];
  reboot: { command: string; bootMarker: string };
  backup: string[];
  install: Record<Installer, string[]>;
  /** For review only on Linux (the executor edits the file itself); the script itself on Windows. */
  servicesAdd: string[];
  startObjectServer: string[];
  advup: string[];
  startAddress: string[];
  startServer: string[];
  clearJournal: string[];
  startConsole: string[];
  verify: string[];
  backupV6: string[];
  restoreAutostart: string[];
  restoreBackup: string[];
  recoverServices: string[];
}

const step = (c: GroupmaxCommands, id: string, action: Step["action"], title: string, commands: string[], destructive = false): Step => ({
  id,
  action,
  title,
  shell: c.shell,
  commands,
  destructive,
}) as Step;

export function kept(o: GroupmaxSettings): string[] {
  return [o.installDir, ...o.databasePaths, o.servicesFile];
}

export function hopStepsFrom(o: GroupmaxSettings, hop: Hop, c: GroupmaxCommands): Step[] {
  const entries = servicesEntriesFor(hop.from);
  const installTitle = { objectServer: "Install Object Server", addressServer: "Update-install Address Server", mailServer: "Update-install Mail Server" };
  const installId = { objectServer: "install-object-server", addressServer: "install-address-server", mailServer: "install-mail-server" };
  const steps: Step[] = o.uploads.map((u, i) =>
    uploadStep(c.shell, { id: `upload-${i + 1}`, title: `Upload ${path.basename(u.source)} to ${u.destination} (before anything stops)`, source: u.source, destination: u.destination }),
  );
  steps.push(
    step(c, "stop-address", "run", "Stop the mail application and this master management server's address service (other address servers keep running)", c.stopAddress),
    step(c, "stop-object-server", "run", "Stop Object Server", c.stopObjectServer),
    step(c, "autostart-off", "run", `If Address Server starts automatically, switch that off (the setting is kept in ${c.autostartSaved} and put back at the end, also on failure)`, c.autostartOff),
    {
      ...step(c, "reboot", "reboot", `Shut the machine down and restart it; wait up to ${o.rebootTimeoutSeconds}s for it to come back`, [c.reboot.command]),
      bootMarker: c.reboot.bootMarker,
      timeoutSeconds: o.rebootTimeoutSeconds,
    } as Step,
    step(c, "backup", "backup", `Back up ${kept(o).join(", ")} (the installation folder, the database files, the services file)`, c.backup),
    ...(Object.keys(installTitle) as Installer[]).map((k) => step(c, installId[k], "run", `${installTitle[k]} (the site's installer)`, c.install[k], true)),
  );
  if (entries.length) {
    steps.push({ ...step(c, "services-add", "services-add", `Add ${entries.map(describeEntry).join(", ")} to ${o.servicesFile}`, c.servicesAdd, true), file: o.servicesFile, entries } as Step);
  }
  steps.push(step(c, "start-object-server", "run", "Start Object Server (its start-up check)", c.startObjectServer));
  if (needsAdvup(hop.from)) {
    steps.push(step(c, "advup2_6", "run", "Run advup2_6 on the master management server as the system administrator, then confirm the Address_Mail Server setup", c.advup, true));
  }
  steps.push(
    step(c, "start-address", "run", "Start the address service (its start-up check)", c.startAddress),
    step(c, "start-server", "run", "Start the server (the mail application)", c.startServer),
    step(c, "clear-journal", "run", `Delete the master management server's journal files (${c.journalFiles}) kept by the old version`, c.clearJournal, true),
  );
  if (o.operatorConsole) steps.push(step(c, "start-console", "run", "Start the operator console (運転席)", c.startConsole));
  steps.push(step(c, "verify", "verify", `Check that ${hop.to} is installed and Object Server, the address service and the server run`, c.verify));
  if (o.backupAfterUpgrade) {
    steps.push(step(c, "backup-v6", "run", `Back up the ${hop.to} environment (recommended by the document, so a disk failure never sends you back to ${hop.from})`, c.backupV6));
  }
  steps.push(step(c, "restore-autostart", "run", "Put the automatic start setting back if it was changed", c.restoreAutostart));
  return steps;
}

/** After a failed hop that changed something: put the restore point back. */
export function restoreStepsFrom(o: GroupmaxSettings, hop: Hop, c: GroupmaxCommands): Step[] {
  return [step(c, "restore-backup", "restore", `Put back ${kept(o).join(", ")} from the restore point taken before ${hop.to}`, c.restoreBackup, true)];
}

/** After any failed hop: the auto-start setting back (even when the restore failed), then the old version's services. */
export function recoverStepsFrom(_o: GroupmaxSettings, hop: Hop, c: GroupmaxCommands): Step[] {
  return [
    { ...step(c, "recover-autostart", "restore", "Put the automatic start setting back", c.restoreAutostart), always: true },
    step(c, "recover-services", "restore", `Start ${hop.from}'s Object Server, address service and server again`, c.recoverServices),
  ];
}
