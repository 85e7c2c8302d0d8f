// Representative valid Windows options for every catalog with a Windows platform, shared by the tests
// that render every Windows recipe (tests/unit/powershell/*.test.ts).
import { getCatalog, productNames } from "../../providers/catalogs";
import { Catalog } from "../../providers/engine/planning/catalog";
import { Options, RenderSpec } from "./psParse";
// ---------------------------------------------------------------------------------------------
// Representative valid Windows options (as in tests/unit/catalogs/omflow/windows.test.ts,
// groupmaxWindows.test.ts and oracleAs/steps.test.ts): every option that changes what is rendered,
// and the defaults. The site's own commands (installers, addressMailSetup, rebootCommand) are PowerShell
// the stack supplies and are rendered as written, so they are valid PowerShell here.

const omflowPatches = Object.fromEntries(getCatalog("omflow").defaultReleases.map((r) => [r, `C:\\updates\\OMFLOW ${r}.exe`]));

const groupmaxFull: Options = {
  installers: {
    objectServer: "& 'C:\\pkg\\objsrv\\setup.exe' /s",
    addressServer: "& 'C:\\pkg\\address\\setup.exe' /s",
    mailServer: "& 'C:\\pkg\\mail\\setup.exe' /s",
  },
  addressMailSetup: "& 'C:\\pkg\\address\\mailsetup.exe' /confirm",
  uploads: [{ source: "/tmp/pkgs/gm6.zip", destination: "C:\\pkg\\gm6.zip" }],
  installDirs: ["C:\\Groupmax", "D:\\Groupmax Mail"],
  databasePaths: ["C:\\Groupmax\\db", "E:\\gm data"],
  journalDir: "C:\\Groupmax\\journal",
  backupDir: "C:\\upchain\\backups\\groupmax",
  servicesFile: "%SystemRoot%\\System32\\drivers\\etc\\services",
  advup: "C:\\Groupmax\\bin\\advup2_6.exe",
  operatorConsole: true,
  rebootCommand: "Restart-Computer -Force",
  windowsServices: {
    objectServer: "Groupmax Object Server",
    address: "Groupmax Address Server",
    server: "Groupmax Mail Server",
    console: "Groupmax Operator Console",
  },
};

const oracleFull: Options = {
  sourceHome: "D:\\oracle\\ias902",
  destinationHome: "D:\\oracle\\ias1012",
  backupDir: "C:\\upchain\\backups\\oracle-as",
  windowsSourceService: "OracleIAS902ProcessManager",
  windowsDestinationService: "OracleIAS1012ProcessManager",
  installers: {
    patchSet: "& 'D:\\media\\3038037\\setup.exe' -silent -responseFile 'D:\\media\\patch.rsp'",
    destination: "& 'D:\\media\\10.1.2\\setup.exe' -silent",
  },
  iasAdminPassword: "$UPCHAIN_SECRET_IAS_ADMIN",
  // what 004 does to a home without giving the command: the site's PowerShell, run with $env:ORACLE_HOME set
  homeCommands: {
    start: '& "$env:ORACLE_HOME\\opmn\\bin\\opmnctl" startall',
    stop: '& "$env:ORACLE_HOME\\opmn\\bin\\opmnctl" stopall',
    emRunning: "if ((& \"$env:ORACLE_HOME\\bin\\emctl\" status | Out-String) -notmatch 'is running') { throw 'not running' }",
    emStart: '& "$env:ORACLE_HOME\\bin\\emctl" start',
    reportsServerName:
      "(Select-String -LiteralPath \"$env:ORACLE_HOME\\reports\\conf\\rwservlet.properties\" -Pattern '^SERVER_NAME=(.*)$').Matches[0].Groups[1].Value",
  },
};

const altazionWeb: Options = {
  modules: [
    { name: "ecommerce", target: "5.2.0.0", folder: "C:\\inetpub\\altazion\\ecommerce", pools: ["Ecommerce"] },
    { name: "gestioncommerciale", target: "latest", folder: "C:\\inetpub\\altazion\\gestion commerciale", pools: ["GC pool", "GC api"] },
  ],
  // the site's description of its portal (003 gives only its address)
  portal: {
    listedPattern: 'data-module="{module}"',
    installingPattern: "en cours {module}",
    install: { method: "POST", path: "/installer", fields: { module: "{module}" }, tokensFromPage: ["pageToken"] },
  },
  // the site's description of its update service's files (003 says what they hold, not how)
  statusFile: { element: "Module", moduleAttribute: "Name", versionAttribute: "LastDetectedVersion" },
  applicationsFile: { element: "Application", moduleAttribute: "Name", pathAttribute: "Path" },
  dataFolder: "C:\\ProgramData\\CPoint\\[e]",
  backupDir: "C:\\upchain\\backups\\altazion",
  serviceName: "[e] - service principal",
  notify: "Write-EventLog -LogName Application -Source Altazion -EventId 1 -Message $env:UPCHAIN_NOTICE",
};

const altazionDatabase: Options = {
  modules: [
    { name: "database", target: "5.2.0.0", folder: "C:\\altazion\\database" },
    { name: "integration", target: "latest", folder: "C:\\altazion\\integration" },
  ],
  statusFile: { element: "module", moduleAttribute: "name", versionAttribute: "lastDetectedVersion" },
  applicationsFile: { element: "application", moduleAttribute: "name", pathAttribute: "path" },
  database: {
    sqlCommand: "& 'C:\\Program Files\\Microsoft SQL Server\\sqlcmd.exe' -S . -b -i",
    backupCommand: "& 'C:\\tools\\backup-db.ps1'",
    restoreCommand: "& 'C:\\tools\\restore-db.ps1'",
    scriptsFolder: "D:\\altazion\\sql\\{version}",
    reviewedScripts: [
      { name: "001 schema.sql", sha256: "0".repeat(64) },
      { name: "002_data.sql", sha256: "a".repeat(64) },
    ],
  },
};

/**
 * Per product: how to render it (option sets, the fullest first: the hostile values go into the first
 * set of the first spec; older sources that are not releases; the releases when the catalog has no
 * default ones). A product not listed is rendered with its defaults.
 */
export const SPECS: Record<string, RenderSpec[]> = {
  omflow: [
    {
      options: [
        {
          patches: omflowPatches,
          windowsInstallDir: "C:\\Program Files\\OMFLOW Server",
          windowsServiceName: "OMFLOW Server",
          updaterArguments: ["/site-switch"],
          acceptTermsOfUse: true,
          databaseBackup: "& 'C:\\site\\dump.cmd'",
          databaseRestore: "& 'C:\\site\\load.cmd'",
          additionalPythonPackages: ["pymssql==2.2.8"],
          python311Installer: "C:\\updates\\python-3.11.9.exe",
        },
        {},
        { windowsInstallDir: "D:\\Apps\\OMFLOW", windowsServiceName: "OMFLOW" },
      ],
    },
  ],
  groupmax: [
    {
      options: [
        groupmaxFull,
        {},
        { ...groupmaxFull, operatorConsole: false, backupAfterUpgrade: false, addressMailSetup: undefined, uploads: [], journalDir: false },
      ],
      sources: ["02-00", "02-01", "03-00", "05-00"],
    },
  ],
  "oracle-as": [
    {
      options: [
        { ...oracleFull, oc4jMaxHeap: "1024m", webCacheMember: true, decommissionSource: true, httpPort: 7778 },
        {},
        oracleFull,
        { ...oracleFull, iasAdminPassword: undefined, installers: {} },
      ],
      sources: ["9.0.2.0", "9.0.2.3", "9.0.3", "9.0.4"],
    },
  ],
  // the releases are what the host's update service offers (Catalog.offers); these are the ones tests/unit/catalogs/altazion uses
  "altazion-office": [
    {
      options: [altazionWeb, { ...altazionWeb, remedy: true, serviceName: "Altazion - service principal", retryWaitSeconds: 180, notify: undefined }],
      sources: ["ecommerce=5.1.0.0,gestioncommerciale=5.1.0.0"],
      releases: ["ecommerce=5.2.0.0,gestioncommerciale=5.1.0.0", "ecommerce=5.2.0.0,gestioncommerciale=5.2.1.0"],
    },
    {
      options: [
        altazionDatabase,
        {
          ...altazionDatabase,
          database: { sqlCommand: "sqlcmd -S . -b -i", backupCommand: "& 'C:\\tools\\backup-db.ps1' -Full", scriptsFolder: "D:\\altazion\\sql\\{version}" },
        },
      ],
      sources: ["database=5.1.0.0,integration=5.1.0.0"],
      releases: ["database=5.2.0.0,integration=5.1.0.0", "database=5.2.0.0,integration=5.2.0.0"],
    },
  ],
};

/** Every registered product with a Windows platform: filtered, so a new one is included by itself. */
export const windowsProducts: Catalog[] = productNames()
  .map(getCatalog)
  .filter((c) => c.platforms.includes("windows"));
export const specsOf = (c: Catalog): RenderSpec[] => SPECS[c.product] ?? [{}];
