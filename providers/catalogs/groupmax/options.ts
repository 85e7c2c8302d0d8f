// Groupmax's options in the stack, validated with zod. Paths and service names default to the
// document's layout per platform; the installers are the site's own commands and have no default.
import { z } from "zod";
import { Platform } from "../../engine/catalog";

const command = z.string().trim().min(1);

export const groupmaxOptionsSchema = z.object({
  /** The site's install commands (POSIX sh on Linux, PowerShell on Windows), run as root / an administrator. */
  installers: z
    .object({ objectServer: command.optional(), addressServer: command.optional(), mailServer: command.optional() })
    .strict()
    .default({}),
  /** Local files or folders copied to the host before anything is stopped (the installers' packages). */
  uploads: z.array(z.object({ source: z.string().min(1), destination: z.string().min(1) })).default([]),
  installDir: z.string().min(1).optional(),
  /** Every database file or folder the Groupmax products use; backed up and restored with the install folder. */
  databasePaths: z.array(z.string().min(1)).min(1).optional(),
  /** Folder of the master management server's journal files, cleared after the upgrade. */
  journalDir: z.string().min(1).optional(),
  journalPattern: z.string().regex(/^[A-Za-z0-9_.*?-]+$/, "a file-name pattern: letters, digits, '_', '.', '-', '*' and '?'").default("*.jnl"),
  backupDir: z.string().min(1).optional(),
  servicesFile: z.string().min(1).optional(),
  /** Linux: the product's control command (start|stop|status <service>, autostart show|on|off). */
  control: z.string().min(1).optional(),
  /** advup2_6, run for Version 2.0 sources; addressMailSetup confirms the Address_Mail setup unattended. */
  advup: z.string().min(1).optional(),
  addressMailSetup: command.optional(),
  /** Start the operator console (運転席) when this server has one. */
  operatorConsole: z.boolean().default(false),
  /** Back up the Version 6 environment at the end (the document recommends it). */
  backupAfterUpgrade: z.boolean().default(true),
  rebootCommand: command.optional(),
  rebootTimeoutSeconds: z.number().int().min(10).max(7200).default(900),
  /** Windows service names. */
  windowsServices: z
    .object({
      objectServer: z.string().min(1).default("Groupmax Object Server"),
      address: z.string().min(1).default("Groupmax Address Server"),
      server: z.string().min(1).default("Groupmax Mail Server"),
      console: z.string().min(1).default("Groupmax Operator Console"),
    })
    .default({ objectServer: "Groupmax Object Server", address: "Groupmax Address Server", server: "Groupmax Mail Server", console: "Groupmax Operator Console" }),
});

export type GroupmaxOptions = z.infer<typeof groupmaxOptionsSchema>;

/** Options with every platform default filled in. */
export type GroupmaxSettings = Required<Omit<GroupmaxOptions, "installers" | "addressMailSetup">> & Pick<GroupmaxOptions, "installers" | "addressMailSetup">;

export function groupmaxSettings(raw: Record<string, unknown>, platform: Platform): GroupmaxSettings {
  const o = groupmaxOptionsSchema.parse(raw);
  const win = platform === "windows";
  const installDir = o.installDir ?? (win ? "C:\\Groupmax" : "/opt/groupmax");
  const join = (...p: string[]) => p.join(win ? "\\" : "/");
  return {
    ...o,
    installDir,
    databasePaths: o.databasePaths ?? [win ? "C:\\Groupmax\\db" : "/var/opt/groupmax/db"],
    journalDir: o.journalDir ?? join(installDir, "journal"),
    backupDir: o.backupDir ?? (win ? "C:\\upchain\\backups\\groupmax" : "/var/backups/upchain/groupmax"),
    // on Windows the path is resolved on the host from %SystemRoot% (see windows.ts)
    servicesFile: o.servicesFile ?? (win ? "%SystemRoot%\\System32\\drivers\\etc\\services" : "/etc/services"),
    control: o.control ?? join(installDir, "bin", "gmaxctl"),
    advup: o.advup ?? join(installDir, "bin", win ? "advup2_6.exe" : "advup2_6"),
    rebootCommand: o.rebootCommand ?? (win ? "Restart-Computer -Force" : "/sbin/reboot"),
  };
}
