// A Pulumi project whose stack manages test hosts as Oracle AS middle tiers (the fake in
// tests/fixtures/oracleAs), with the fake's installers as the site's commands and the ias_admin
// password as a secret.
import { quote } from "../../providers/quote";
import { TestHost, privateKey } from "./hosts";
import { INSTALLER_1012, ORACLE_SITE, PATCHSET_INSTALLER } from "./oracleAsFixture";
import { PulumiProject } from "./pulumi";

export const SOURCE_HOME = "/u01/app/oracle/product/9.0.2 mid";
export const DESTINATION_HOME = "/u01/app/oracle/product/10.1.2 mid";
export const IAS_ADMIN_PASSWORD = "ias-Admin 1";

export function oracleOptions(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sourceHome: SOURCE_HOME,
    destinationHome: DESTINATION_HOME,
    installers: {
      patchSet: `${PATCHSET_INSTALLER} -silent ${quote(`ORACLE_HOME=${SOURCE_HOME}`)}`,
      destination: `${INSTALLER_1012} -silent ${quote(`ORACLE_HOME=${DESTINATION_HOME}`)}`,
    },
    iasAdminPassword: "$UPCHAIN_SECRET_IAS_ADMIN",
    // the test site's answer to 004's tasks before 10.1.2 that upchain cannot do (a 9.0.2 directory's
    // entries, mod_osso on the Web Cache port): the fake has neither to do, so the site confirms both
    prerequisites: { updateOid902Entries: "done", registerModOssoOnWebCachePort: "done" },
    // the test site's answers to what 004 leaves open (see siteTasks)
    infrastructureCheck: "none",
    homeCommands: ORACLE_SITE.homeCommands,
    components: ["httpServer", "oc4j", "webCache"],
    postUpgradeTasks: siteTasks(),
    ...extra,
  };
}

/**
 * The test site's read-only Infrastructure check (004: started and reachable before the upgrade): the
 * source home's ldapsearch asks the site's directory (host and port as the site knows them) for its version
 * and prints it (the release upchain judges the patch-set rule by).
 */
export const infrastructureCheck = (infra: { host: string; port: number }) =>
  `out=$(${quote(`${SOURCE_HOME}/bin/ldapsearch`)} -h ${quote(infra.host)} -p ${infra.port} -b '' -s base 'objectclass=*' orcldirectoryversion) || exit 1; ` +
  `printf '%s\\n' "$out" | sed -n 's/^orcldirectoryversion[=:] *OID *//p'`;

/**
 * The test site's answers to 004's manual post-upgrade tasks: upchain adds the jazn library entries to
 * the destination's application.xml; the site copies its own documents from the default DocumentRoot
 * (never over the 10.1.2 installer's files); the rest the fake does not model, so the site confirms them.
 */
export function siteTasks(): Record<string, unknown> {
  const htdocs = (home: string) => `${home}/Apache/Apache/htdocs`;
  return {
    ossoPartner: "done",
    httpServerFilesOutsideDefaults: "done",
    directiveTargets: "done",
    defaultDocumentRoot: `cp -Rpn -- ${quote(htdocs(SOURCE_HOME) + "/.")} ${quote(htdocs(DESTINATION_HOME) + "/")}`,
    jaznLibraryPaths: { applicationXml: `${DESTINATION_HOME}/j2ee/home/config/application.xml` },
    jaznDataFiles: "done",
    applicationXmlCustomizations: "done",
    bc4jRepackaging: "done",
    webCacheWallet: "done",
    reportsFiles: "done",
    reportsStandaloneServers: "done",
  };
}

export interface OracleServerSpec {
  host: TestHost;
  version?: string;
  options?: Record<string, unknown>;
}

/** (Re)write the stack's servers, then the SSH key and the ias_admin password as secrets. */
export function configureOracle(project: PulumiProject, servers: OracleServerSpec[]): void {
  project.writeConfig({
    "upchain:servers": servers.map((s) => ({
      name: s.host.name,
      host: s.host.host,
      hostKey: s.host.hostKey,
      product: "oracle-as",
      version: s.version ?? "10.1.2",
      options: s.options ?? oracleOptions(),
      // 004 names no file holding the installed release: the site's command reads the fake's inventory
      versionCommand: ORACLE_SITE.versionCommand,
      lockTimeoutSeconds: 30,
    })),
  });
  project.setConfig("upchain:privateKey", privateKey(servers[0].host), true);
  project.ok(["config", "set", "--secret", "--path", "--", "upchain:secrets.ias_admin"], IAS_ADMIN_PASSWORD);
}

export function oracleProject(stack: string, servers: OracleServerSpec[]): PulumiProject {
  const project = new PulumiProject(stack);
  project.init();
  configureOracle(project, servers);
  return project;
}
