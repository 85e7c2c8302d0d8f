// The manual post-upgrade tasks of document 004 that upchain cannot do itself, per configured
// component. 004: 「OracleAS Upgrade Assistantの処理が終了し、アップグレード後のすべての手動タスクを完了すると、
// アップグレードされた中間層インスタンスを起動できます」 — so the destination starts (and a Web Cache member
// returns to traffic) only after each applicable task is done: by the site's command
// (`options.postUpgradeTasks.<task>: "<command>"`) or confirmed by the stack (`"done"`). A missing one is
// refused at preview, every one at once. The list is kept small and each task quotes its sentence.
// (The Reports server name in targets.xml is not here: 004 gives it exactly, so upchain does it.)
import { DOCUMENTS, FromDocument, fromDocument } from "../../engine/planning/provenance";

/** The middle-tier components a site declares in `options.components` (004's post-upgrade sections). */
export const COMPONENTS = ["httpServer", "oc4j", "webCache", "forms", "reports"] as const;
export type Component = (typeof COMPONENTS)[number];

export interface PostUpgradeTask {
  id: string;
  component: Component;
  /** What to do, in a few words (preview's title). */
  what: string;
  /** Only for these sources (004 names the release). */
  onlyFrom?: (from: string) => boolean;
  source: FromDocument;
}

const doc = (section: string, quote: string, translation: string) => fromDocument(DOCUMENTS.oracleAs, section, quote, translation);
const from902 = (v: string) => v.startsWith("9.0.2");

export const POST_UPGRADE_TASKS: PostUpgradeTask[] = [
  {
    id: "ossoPartner",
    component: "httpServer",
    what: "rename the osso.conf partner entry that still names the source home (mod_osso)",
    source: doc(
      "line 185, Oracle HTTP Server post-upgrade tasks",
      "使用するエントリの名前が適切でない場合(ソースOracleホームを表す場合)は、適宜名前を変更します。",
      "if the entry's name is not right (it stands for the source home), rename it",
    ),
  },
  {
    id: "httpServerFilesOutsideDefaults",
    component: "httpServer",
    what: "apply the customisations of httpd.conf, mod_oc4j.conf, mod_osso.conf and moddav.conf kept outside the default location",
    source: doc(
      "line 186, Oracle HTTP Server post-upgrade tasks",
      "httpd.conf、mod_oc4j.conf、mod_osso.confおよびmoddav.confの各ファイルがデフォルトの場所にない場合、ソースOracleホームにあるファイルのカスタマイズ内容をアップグレード先Oracleホームのファイルに適用することによって、手動でこれらのファイルをアップグレードします。",
      "when httpd.conf, mod_oc4j.conf, mod_osso.conf and moddav.conf are not in the default location, upgrade them by hand, applying the source home's customisations to the destination's files",
    ),
  },
  {
    id: "directiveTargets",
    component: "httpServer",
    what: "put the files and folders that Alias, mod_rewrite and ErrorLog directives name where the directives point",
    source: doc(
      "line 187, Oracle HTTP Server post-upgrade tasks",
      "これらのアイテムをすべて手動でアップグレードして、ディレクティブが参照する所定の場所に存在するようにします。",
      "upgrade all these items by hand so they exist where the directives refer to them (Oracle HTTP Server does not start otherwise)",
    ),
  },
  {
    id: "defaultDocumentRoot",
    component: "httpServer",
    what: "upgrade the default DocumentRoot (SOURCE_ORACLE_HOME/Apache/Apache/htdocs), which the Upgrade Assistant does not copy",
    source: doc(
      "line 205, Oracle HTTP Server post-upgrade tasks",
      "このディレクトリは、手動でアップグレードする必要があります。",
      "this directory (the default DocumentRoot, SOURCE_ORACLE_HOME\\Apache\\Apache\\htdocs) must be upgraded by hand",
    ),
  },
  {
    id: "jaznLibraryPaths",
    component: "oc4j",
    what: "add jazn.jar and jazncore.jar to the library path entries of application.xml (JAZN applications that compile dynamically, such as JSP)",
    onlyFrom: from902,
    source: doc(
      "line 218, OC4J post-upgrade tasks (9.0.2 sources)",
      "そのため、JAZNを使用し、動的コンパイル(JSPなど)を必要とするOC4Jアプリケーションのアップグレード後、両方のJARファイルの名前をapplication.xmlファイルのライブラリ・パス・エントリに追加する必要があります。",
      "so after upgrading OC4J applications that use JAZN and need dynamic compilation (JSP, ...), add both JAR files' names to the library path entries of application.xml",
    ),
  },
  {
    id: "jaznDataFiles",
    component: "oc4j",
    what: "copy jazn-data.xml / jazn.xml that an application's orion-application.xml points to outside its EAR, and update the location",
    source: doc(
      "line 213, OC4J post-upgrade tasks",
      "アプリケーションのEARファイルにjazn-data.xmlが含まれていない場合は、新しい10g リリース2(10.1.2)環境にjazn-data.xmlを手動でコピーする必要があります。",
      "when the application's EAR file holds no jazn-data.xml, copy jazn-data.xml into the new 10.1.2 environment by hand",
    ),
  },
  {
    id: "applicationXmlCustomizations",
    component: "oc4j",
    what: "upgrade customised application.xml entries (library paths, Java options, OC4J options) by hand",
    source: doc(
      "line 245, OC4J post-upgrade tasks",
      "ライブラリ・パス、Javaオプション、OC4Jオプションなどのapplication.xmlファイルのエントリをカスタマイズした場合、それを手動でアップグレードする必要があります。",
      "customised application.xml entries such as library paths, Java options and OC4J options must be upgraded by hand",
    ),
  },
  {
    id: "bc4jRepackaging",
    component: "oc4j",
    what: "repackage BC4J applications' EAR files with the 10.1.2 bc4jhtml.jar in WEB-INF/lib before redeploying",
    source: doc(
      "line 309, OC4J post-upgrade tasks",
      "ただし、Oracle Business Components for Java(BC4J)の機能を使用するアプリケーションを再デプロイする前に、アプリケーションの.EARファイルを再パッケージ化する必要があります。",
      "but before redeploying applications that use Oracle Business Components for Java (BC4J), their .EAR files must be repackaged",
    ),
  },
  {
    id: "webCacheWallet",
    component: "webCache",
    what: "check that Web Cache keeps its wallet in the destination home, not the source home",
    source: doc(
      "line 335, Web Cache post-upgrade tasks",
      "そのため、OracleAS Web Cacheをアップグレードした後、WalletがソースOracleホームでなく、アップグレード先Oracleホームに格納されるようにOracleAS Web Cacheが構成されていることを確認します。",
      "so after upgrading Web Cache, check that it is configured to keep its wallet in the destination home, not the source home",
    ),
  },
  {
    id: "formsExecutables",
    component: "forms",
    what: "copy the Forms executables (.fmx) kept in the source home to the same relative path in the destination home",
    source: doc(
      "line 439, Forms Services post-upgrade tasks",
      "OracleAS Forms Servicesの実行可能ファイル(.fmxファイル)がソースOracleホーム内に存在する場合は、それらのファイルをアップグレード先Oracleホームの相対パスに手動でコピーします。",
      "when Forms executables (.fmx files) are in the source home, copy them by hand to the same relative path of the destination home",
    ),
  },
  {
    id: "reportsFiles",
    component: "reports",
    what: "apply customisations of the Reports .bat scripts, rwserver.template and jdbcpds.conf, and copy the report server's cache folder",
    source: doc(
      "line 361, Reports Services post-upgrade tasks",
      "これらのファイルのいずれかをカスタマイズした場合は、アップグレード先Oracleホームの対応するファイルにカスタマイズを適用する必要があります。",
      "if any of these files (the .bat scripts, rwserver.template, jdbcpds.conf) was customised, apply the customisations to the destination home's files",
    ),
  },
  {
    id: "reportsStandaloneServers",
    component: "reports",
    what: "register each standalone Reports server with OPMN and Application Server Control (addNewServerTarget)",
    source: doc(
      "line 374, Reports Services post-upgrade tasks",
      "そのため、スタンドアロンのOracleAS Reports Servicesサーバーを使用している場合は、それらのサーバーを手動でOracle Process Manager and Notification Server(OPMN)およびOracle Enterprise Manager 10g Application Server Controlに登録する必要があります。",
      "so standalone Reports servers must be registered by hand with OPMN and Application Server Control",
    ),
  },
];

/** The tasks that apply to a hop from `from` with these components, in the document's order. */
export function applicableTasks(from: string, components: readonly string[]): PostUpgradeTask[] {
  return POST_UPGRADE_TASKS.filter((t) => components.includes(t.component) && (!t.onlyFrom || t.onlyFrom(from)));
}

/** The stack field that answers a task, as the user writes it. */
export const taskField = (id: string) => `options.postUpgradeTasks.${id}`;

/** The word that confirms a task was done by hand. */
export const DONE = "done";
