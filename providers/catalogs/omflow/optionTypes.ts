// OMFLOW's options as plain TypeScript, the type a user's program sees (OmflowServerArgs.options):
// no zod in it, so a program compiles without zod's typings. options.ts holds the schema that checks
// them, with each field's rule and default; a compile-time test holds the two equal.

/** OMFLOW's options once checked, defaults filled (OmflowServerArgs takes them Partial). */
export type OmflowOptions = {
  /** Local patch archives (Linux .tar.gz) or update files (Windows .exe), by the version they install. */
  patches: Record<string, string>;
  /** Local offline bundle for the 1.2.0.0 hop: debs/, wheels/ and the mod_wsgi sdist (see README). */
  offlineBundle?: string;
  /** The 1.2.0.0 hop installs Python 3.11 with apt (deadsnakes PPA) and its packages from the index, as 001 step 3 method 1, instead of from offlineBundle. */
  online: boolean;
  installDir: string;
  apacheSiteConf: string;
  backupDir: string;
  windowsInstallDir: string;
  /** Windows: the OMFLOW service's name as Windows knows it (Get-Service); no default. */
  windowsServiceName?: string;
  /** The site's command that dumps OMFLOW's database into the hop's private restore point, with OMFLOW stopped. */
  databaseBackup?: string;
  /** The site's command that loads that dump back, in the same folder, with OMFLOW stopped. */
  databaseRestore?: string;
  /** Linux: the site's read-only command that exits 0 exactly when the OMFLOW service runs. */
  runningCheck?: string;
  /** Windows: the arguments that run the site's update file unattended (the document's is interactive). */
  updaterArguments?: string[];
  /** Windows: the site has read and accepts the update file's terms of use (001 Windows step 4). */
  acceptTermsOfUse?: boolean;
  /** Windows, a hop into 1.2.0.0: the Python packages the site added to OMFLOW's Python ([] when none). */
  additionalPythonPackages?: string[];
  /** Windows, a hop into 1.2.0.0 with additional packages: the local Python 3.11 (32 bit) Windows installer. */
  python311Installer?: string;
};
