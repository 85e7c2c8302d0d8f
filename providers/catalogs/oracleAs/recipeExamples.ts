// Example option sets the README's recipe tables plan with (`<!-- recipe ... example=<name> -->`), so the
// steps that only options add are shown: a Web Cache member's propagation, every post-upgrade task, the
// OC4J heap, the Reports server's name and the source's dcmctl leavefarm. Each is a legal stack's
// `options` (tests/unit/catalogs/oracleAs/recipeExamples.test.ts runs it through preview's checks). What
// the site supplies is written as the site's own scripts (C:\site\oracle\..., /srv/site/oracle/...):
// upchain knows nothing of what they hold.
import { RecipeExamples } from "../../recipeTable";

const windowsSite = (script: string) => `& 'C:\\site\\oracle\\${script}.ps1'`;
const linuxSite = (script: string) => `/srv/site/oracle/${script}`;

export const ORACLE_AS_RECIPE_EXAMPLES: RecipeExamples = {
  /** A 9.0.2 member of a Web Cache cluster on Windows: the patch set, then 10.1.2 with every HTTP Server, OC4J and Web Cache task. */
  webCacheMember: {
    windows: {
      sourceHome: "D:\\oracle\\ias902",
      destinationHome: "D:\\oracle\\ias1012",
      windowsSourceService: "OracleIAS902ProcessManager",
      windowsDestinationService: "OracleIAS1012ProcessManager",
      installers: { patchSet: windowsSite("install-patch-set-3038037"), destination: windowsSite("install-10.1.2") },
      iasAdminPassword: "$UPCHAIN_SECRET_IAS_ADMIN",
      infrastructureCheck: windowsSite("infrastructure-release"),
      homeCommands: {
        start: windowsSite("start-home"),
        stop: windowsSite("stop-home"),
        emRunning: windowsSite("em-web-site-runs"),
        emStart: windowsSite("start-em-web-site"),
      },
      prerequisites: { updateOid902Entries: "done", registerModOssoOnWebCachePort: "done" },
      webCacheMember: true,
      webCache: { propagateCommand: windowsSite("propagate-configuration") },
      components: ["httpServer", "oc4j", "webCache"],
      postUpgradeTasks: {
        ossoPartner: "done",
        httpServerFilesOutsideDefaults: "done",
        directiveTargets: windowsSite("copy-directive-targets"),
        defaultDocumentRoot: windowsSite("copy-site-documents"),
        jaznLibraryPaths: { applicationXml: "D:\\oracle\\ias1012\\j2ee\\home\\config\\application.xml" },
        jaznDataFiles: "done",
        applicationXmlCustomizations: "done",
        bc4jRepackaging: "done",
        webCacheWallet: "done",
      },
    },
  },
  /** A 9.0.4 middle tier with Reports on the Linux stand-in: the OC4J heap, the Reports server's name, and the source leaving its farm. */
  reportsDecommission: {
    linux: {
      installers: { destination: linuxSite("install-10.1.2") },
      infrastructureCheck: "none",
      homeCommands: { start: linuxSite("start-home"), stop: linuxSite("stop-home"), reportsServerName: linuxSite("reports-server-name") },
      oc4jMaxHeap: "1024m",
      decommissionSource: true,
      components: ["httpServer", "oc4j", "reports"],
      postUpgradeTasks: {
        ossoPartner: "done",
        httpServerFilesOutsideDefaults: "done",
        directiveTargets: "done",
        defaultDocumentRoot: linuxSite("copy-site-documents"),
        jaznDataFiles: "done",
        applicationXmlCustomizations: "done",
        bc4jRepackaging: "done",
        reportsFiles: linuxSite("apply-reports-customisations"),
        reportsStandaloneServers: "done",
      },
    },
  },
};
