// Altazion Office's options as plain TypeScript, the type a user's program sees (AltazionServerArgs.options):
// no zod in it. options.ts holds the schema that checks them, with each field's rule and default; a
// compile-time test holds the two equal.

export type AltazionModuleName = "gestioncommerciale" | "ecommerce" | "phygitalapi" | "integration" | "database";

/** A module the server hosts, as the Server receives it (AltazionServer builds it from its modules). */
export interface AltazionModuleOptions {
  name: AltazionModuleName;
  /** The version it must run, or "latest". */
  target: string;
  folder: string;
  /** A web module's IIS application pool(s). */
  pools?: string[];
}

/** Altazion Office's options once checked, defaults filled. */
export type AltazionOptions = {
  modules: AltazionModuleOptions[];
  dataFolder: string;
  serviceName: string;
  /** status.xml's shape, when the site's differs from the assumed one. */
  statusFile?: { element: string; moduleAttribute: string; versionAttribute: string };
  /** applicationspath.config's shape, when the site's differs from the assumed one. */
  applicationsFile?: { element: string; moduleAttribute: string; pathAttribute: string };
  /** The portal, in the shape of the site's description of it. */
  portal: {
    port: number;
    listPath: string;
    listedPattern?: string;
    installingPattern?: string;
    install?: { method: "POST" | "GET"; path: string; fields: Record<string, string>; tokensFromPage?: string[] };
  };
  retryWaitSeconds: number;
  remedy: boolean;
  detectionWaitSeconds: number;
  notify?: string;
  backupDir: string;
  /** The customised database's update: the site's SQL command, its backup and restore, the reviewed scripts. */
  database?: {
    sqlCommand: string;
    backupCommand: string;
    restoreCommand?: string;
    scriptsFolder: string;
    reviewedScripts?: { name: string; sha256: string }[];
  };
};
