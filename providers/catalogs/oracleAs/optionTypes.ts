// Oracle AS's options as plain TypeScript, the type a user's program sees (OracleAsServerArgs.options,
// WebCacheClusterArgs): no zod in it. options.ts holds the schema that checks them, with each field's
// rule and default; a compile-time test holds the two equal.

/** The middle tier's components that decide which of 004's post-upgrade tasks apply. */
export type OracleAsComponent = "webCache" | "httpServer" | "oc4j" | "forms" | "reports";

/** Oracle AS's options once checked, defaults filled (the components take them Partial). */
export type OracleAsOptions = {
  sourceHome: string;
  destinationHome: string;
  installers: {
    /** Applies the 9.0.2.3 patch set (3038037) to the source home. */
    patchSet?: string;
    /** Installs the 10.1.2 middle tier into destinationHome (a silent Oracle Universal Installer run). */
    destination?: string;
  };
  /** The ias_admin password as a reference to a secret ("$UPCHAIN_SECRET_IAS_ADMIN"), never the password itself. */
  iasAdminPassword?: string;
  backupDir: string;
  /** Raise the Upgrade Assistant's OC4J JVM maximum heap (Oc4jPlugin.cfg, -Xmx), like "1024m". */
  oc4jMaxHeap?: string;
  /** After a good hop, take the source instance out of its farm (dcmctl leavefarm) so it can be removed later. */
  decommissionSource: boolean;
  /** The HTTP port the verify step asks for the running release (Web Cache's listener, 7777 by default). */
  httpPort: number;
  /** A member of a Web Cache cluster: after its upgrade, start Web Cache and propagate the configuration to the cluster. */
  webCacheMember: boolean;
  /** The site's answers for a Web Cache member: the command that performs "Propagate Configuration". */
  webCache: { propagateCommand?: string };
  /** The site's read-only command that exits 0 when the Infrastructure is up and reachable, or "none". */
  infrastructureCheck?: string;
  /** The middle tier's configured components. */
  components?: OracleAsComponent[];
  /** Each applicable post-upgrade task: the site's command, "done", or (jaznLibraryPaths) { applicationXml }. */
  postUpgradeTasks: Record<string, string | { applicationXml: string }>;
  /** Linux: the file that flags which Oracle homes start at boot (`*:<home>:Y`). */
  oratab: string;
  /** Linux: the file naming the active Enterprise Manager home (`DEFAULT=<home>`). */
  emtab: string;
  /** The site's commands for what 004 does to a home without giving the command; no defaults. */
  homeCommands: { start?: string; stop?: string; emRunning?: string; emStart?: string; reportsServerName?: string };
  /** The site's confirmations of 004's tasks before 10.1.2 that upchain cannot do itself. */
  prerequisites: { updateOid902Entries?: "done"; registerModOssoOnWebCachePort?: "done" };
  /** Windows: the OPMN service of the source home (Oracle<HomeName>ProcessManager). */
  windowsSourceService?: string;
  /** Windows: the OPMN service of the destination home. */
  windowsDestinationService?: string;
};
