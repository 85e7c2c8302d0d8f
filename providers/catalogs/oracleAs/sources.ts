// Where each Oracle AS step comes from: document 004 (Japanese, the Windows edition of the upgrade
// guide's middle-tier chapter), the site's stack options, or upchain's own safety steps. Quotes are
// verbatim from the seed file (tests/unit/engine/planning/provenance.test.ts checks them), with a translation.
import { DOCUMENTS, Provenance, fromDocument, fromSafety, fromSite } from "../../engine/planning/provenance";

const doc = (section: string, quote: string, translation: string) => fromDocument(DOCUMENTS.oracleAs, section, quote, translation);

export const SOURCE = {
  checkInfrastructure: fromSite(
    "options.infrastructureCheck",
    "004 says the Infrastructure must be started and reachable before the upgrade (「Infrastructureを起動してアクセス可能にする必要があります」) but not how to check it: the site's read-only command",
  ),
  installDestination: fromSite(
    "options.installers.destination",
    "004 installs the new 10.1.2 middle tier first (「最初に新しい10g リリース2(10.1.2)中間層をインストールします」) with Oracle Universal Installer, an interactive program: the site's unattended install",
  ),
  stopEmWebSite: doc(
    "line 36, stopping the Enterprise Manager Web Site",
    "SOURCE_ORACLE_HOME¥bin¥emctl stop",
    "SOURCE_ORACLE_HOME\\bin\\emctl stop (the Upgrade Assistant does not stop it for a 9.0.2 or 9.0.3 source; the source holds the active Enterprise Manager, em_loc, checked at preview: another active home is first stopped there and switched with emctl switch home, a dialog box, by the operator, lines 32-35)",
  ),
  stopOpmn: fromSite(
    "options.homeCommands.stop",
    "004 says OPMN must be stopped, in the source and destination homes, before the Upgrade Assistant starts (「OracleAS Upgrade Assistantを起動する前に、OPMNを停止する必要があります。」) without the command: the site's, run with ORACLE_HOME set to each home",
  ),
  stopForPatchSet: fromSite(
    "options.homeCommands.stop",
    "the site's patch-set installer runs on a stopped home (004 does not describe the patch set's own procedure) and 004 gives no command that stops a home: the site's; the hop's start steps start it again",
  ),
  backup: fromSafety("restore point before the first destructive step (the source home and which home starts at boot); the restore puts it back"),
  applyPatchSet: fromSite(
    "options.installers.patchSet",
    "004 says to apply the latest 9.0.2 patch set (9.0.2.3, 3038037) before installing 10.1.2, obtained from OracleMetaLink, without its install procedure: the site's unattended install",
  ),
  jvmHeap: doc(
    "line 41, memory for the OC4J extract phase",
    "複数のOC4Jインスタンスおよび多数の大規模なアプリケーションをアップグレードするには、上限を1024MBにすると効果的です。",
    "to upgrade several OC4J instances and many large applications, an upper limit of 1024MB is effective (the JavaVM properties of DESTINATION_ORACLE_HOME\\upgrade\\Oc4jPlugin.cfg)",
  ),
  upgradeAssistant: doc(
    "line 72, the command-line Upgrade Assistant",
    "DESTINATION_ORACLE_HOME¥upgrade¥iasua.bat -sourcehome SOURCE_ORACLE_HOME",
    "run the command-line Upgrade Assistant of the destination home against the source home",
  ),
  checkSsl: doc(
    "line 183, 4.6.3.1 アップグレード後のSecure Sockets Layer(SSL)構成の確認",
    "10g リリース2(10.1.2)では、SSL構成は、OPMNによって制御されます。そのため、opmn.xmlファイルおよびhttpd.confファイルの両方で設定が一致していることが重要です。",
    "in 10.1.2 SSL is controlled by OPMN, so the settings in opmn.xml and httpd.conf must agree",
  ),
  reportsServerName: doc(
    "line 370, Reports Services: targets.xml",
    "oracle_repservエントリでは、出現するすべてのnew_server_nameを、中間層のアップグレードの実行前にソースOracleホームで使用されていた元のサーバー名に置換します。",
    "in the oracle_repserv entry, replace every new_server_name with the original server name the source home used before the upgrade (found in DESTINATION_ORACLE_HOME\\reports\\conf\\rwservlet.properties)",
  ),
  startAtBoot: doc(
    "line 133, 4.6.1 アップグレード後のポート値とportlist.iniファイル",
    "そのため、アップグレード後にソースおよびアップグレード先の中間層インスタンスを同時に起動できません。",
    "so after the upgrade the source and destination middle-tier instances cannot be started at the same time (they use the same ports)",
  ),
  startDestination: fromSite(
    "options.homeCommands.start",
    "004 starts the upgraded instance only once the Upgrade Assistant and every manual post-upgrade task are done (「OracleAS Upgrade Assistantの処理が終了し、アップグレード後のすべての手動タスクを完了すると、アップグレードされた中間層インスタンスを起動できます。」), and its steps for starting it are not in the chapter: the site's command, run with ORACLE_HOME set to the destination",
  ),
  startWebCache: doc(
    "line 315, upgrading a Web Cache cluster",
    "opmnctl startproc ias-component=WebCache",
    "start Web Cache's cache server and administration server processes (after each member's upgrade, to synchronise the cluster's configuration)",
  ),
  propagate: fromSite(
    "options.webCache.propagateCommand",
    "004 gives the propagation only as a Web Cache Manager console action (Operations page, 「Operation Needed is Propagate Configuration」); no command line: the site's command that performs it",
  ),
  startConsole: doc(
    "line 519, the 10.1.2 Application Server Control console",
    "DESTINATION_ORACLE_HOME¥bin¥emctl start iasconsole",
    "start the 10.1.2 Application Server Control console of the destination home, so the operator can check the components as 004's verification says",
  ),
  consolePort: doc(
    "line 140, 4.6.1 アップグレード後のポート値とportlist.iniファイル",
    "Application Server Controlコンソールのポートが不明な場合は、Application ServerのOracleホーム内の次の構成ファイルにあるStandaloneConsoleURLエントリで、ポート番号を確認できます。",
    "when the Application Server Control console's port is not known, the StandaloneConsoleURL entry of DESTINATION_ORACLE_HOME\\sysman\\emd\\targets.xml gives it (1810 becomes 1812 after a 9.0.2 or 9.0.3 source)",
  ),
  verify: doc(
    "line 468, verifying the upgrade",
    "次の手順に従って、Oracle HTTP ServerおよびアプリケーションのURLにアクセスできることを確認します。",
    "check that the Oracle HTTP Server and application URLs can be reached (http://midtierhost.mycompany.com:7777)",
  ),
  verifyPatchSet: fromSafety("read-only: the middle tier answers on its HTTP port again after the patch set (004 gives no check for the patch set itself)"),
  startSourceAgain: fromSite(
    "options.homeCommands.start",
    "starts the source home again, as it ran before the hop stopped it; 004 gives no command that starts a home: the site's",
  ),
  startEmAgain: fromSite(
    "options.homeCommands.emStart",
    "starts the Enterprise Manager Web Site again in the home it was stopped in, only if it ran before the hop (options.homeCommands.emRunning tells); 004 gives emctl stop but no command that starts it: the site's",
  ),
  leaveFarm: doc(
    "line 502, decommissioning the source Oracle home",
    "SOURCE_ORACLE_HOME¥dcm¥bin¥dcmctl leavefarm",
    "remove the source instance from the farm (and the Farm page) before the source home is removed",
  ),
  restore: fromSafety("puts back what the hop changed from its restore point: which home starts at boot, and the source home only if it differs"),
  recoverStopDestination: fromSite(
    "options.homeCommands.stop",
    "stops the destination home after a failed hop: it uses the source's ports (004), so the source can run again; 004 gives no command that stops a home: the site's",
  ),
} satisfies Record<string, Provenance>;
