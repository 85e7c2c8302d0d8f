// Groupmax's options as plain TypeScript, the type a user's program sees (GroupmaxServerArgs.options):
// no zod in it. options.ts holds the schema that checks them, with each field's rule and default; a
// compile-time test holds the two equal.

/** A service's start, stop and status commands (Linux: the site's; 002 describes no Linux procedure). */
export interface GroupmaxServiceCommands {
  start?: string;
  stop?: string;
  status?: string;
}

/** Groupmax's options once checked, defaults filled (GroupmaxServerArgs takes them Partial). */
export type GroupmaxOptions = {
  /** The site's installer commands for each server (required by the hops that install them). */
  installers: { objectServer?: string; addressServer?: string; mailServer?: string };
  /** Local files to copy to the host before the hop, by destination. */
  uploads: { source: string; destination: string }[];
  installDirs?: string[];
  /** 002: every database file the Groupmax products use. */
  databasePaths?: string[];
  /** The folder of the master management server's journals, or false: the old version kept none. */
  journalDir?: string | false;
  journalPattern: string;
  backupDir?: string;
  servicesFile?: string;
  /** Linux: every service operation is the site's command (002 describes no Linux procedure). */
  commands: {
    objectServer?: GroupmaxServiceCommands;
    address?: GroupmaxServiceCommands;
    server?: GroupmaxServiceCommands;
    console?: GroupmaxServiceCommands;
    /** isOn exits 0 when Address Server starts automatically; off and on switch it. */
    autostart?: { isOn?: string; off?: string; on?: string };
  };
  /** Where advup2_6 is (002 names the command, not its folder); run for Version 2.0 sources. */
  advup?: string;
  /** The site's unattended form of the Address_Mail setup screen's OK (Version 2.0 sources). */
  addressMailSetup?: string;
  /** Start the operator console (運転席) when this server has one. */
  operatorConsole: boolean;
  /** Back up the Version 6 environment at the end (the document recommends it). */
  backupAfterUpgrade: boolean;
  rebootCommand?: string;
  rebootTimeoutSeconds: number;
  /** Windows: the services' names as Get-Service shows them; 002 names none, so no default. */
  windowsServices?: { objectServer?: string; address?: string; server?: string; console?: string };
};
