// The document's steps, once: their order, ids, titles, provenance and which of them change the
// server. Each platform (linux.ts, windows.ts) only renders the commands, so the two can never
// disagree on the order 002 prescribes or on where a step comes from.
import * as path from "path";
import { Hop, Shell, Step, uploadStep } from "../../engine/planning/catalog";
import { DOCUMENTS, Provenance, fromDocument, fromSafety, fromSite } from "../../engine/planning/provenance";
import { describeEntry } from "../../edits/services";
import { GroupmaxSettings } from "./options";
import { needsAdvup, servicesEntriesFor } from "./rules";

export type Installer = "objectServer" | "addressServer" | "mailServer";

/** One platform's commands for one hop. */
export interface GroupmaxCommands {
  shell: Shell;
  /** Where the auto-start setting is kept from its step to the end of the hop (shown in titles). */
  autostartSaved: string;
  /** The journal files the clear-journal step deletes (shown in its title). */
  journalFiles: string;
  /** Windows: a read-only look at the services file before anything stops (besides preview's precheck, which both platforms have). */
  checkServices?: string[];
  stopAddress: string[];
  stopObjectServer: string[];
  autostartOff: string[];
  reboot: { command: string; bootMarker: string };
  backup: string[];
  install: Record<Installer, string[]>;
  /** Empty on both platforms: the executor edits the file itself (engine/running/fileSteps.ts), in the platform's shell. */
  servicesAdd: string[];
  startObjectServer: string[];
  advup: string[];
  addressMailSetup: string[];
  startAddress: string[];
  startServer: string[];
  clearJournal: string[];
  startConsole: string[];
  verify: string[];
  backupV6: string[];
  restoreAutostart: string[];
  restoreBackup: string[];
  recoverServices: string[];
}

/** 002's section for the hop's source: (1) Version 5, (2) Version 3, (3) Version2.0. */
function section(hop: Hop, what: string): string {
  const n = hop.from.startsWith("05-")
    ? "(1) Version 5からのバージョンアップ手順"
    : hop.from.startsWith("03-")
      ? "(2) Version 3からのバージョンアップ手順"
      : "(3) Version2.0からのバージョンアップ手順";
  return `付録A.3 ${n}, ${what}`;
}

/** A 002 sentence (verbatim) with its English, under the hop's section and the step's heading. */
const doc = (hop: Hop, heading: string, quote: string, translation: string): Provenance =>
  fromDocument(DOCUMENTS.groupmax, section(hop, heading), quote, translation);

const step = (c: GroupmaxCommands, id: string, action: Step["action"], title: string, commands: string[], provenance: Provenance, destructive = false): Step =>
  ({
    id,
    action,
    title,
    shell: c.shell,
    commands,
    destructive,
    provenance,
  }) as Step;

/**
 * What the restore point holds: the installation folders, the database files, the services file and
 * the journal folder (clear-journal deletes its files before verify, so a restore after a later failure
 * must bring the old version's journals back). The journal folder comes last: a restore point taken
 * before it was kept still has its other copies at the same numbers (Windows numbers them).
 */
export function kept(o: GroupmaxSettings): string[] {
  return [...o.installDirs, ...o.databasePaths, o.servicesFile, ...(o.journalDir === false ? [] : [o.journalDir])];
}

export function hopStepsFrom(o: GroupmaxSettings, hop: Hop, c: GroupmaxCommands): Step[] {
  const entries = servicesEntriesFor(hop.from);
  const installTitle = { objectServer: "Install Object Server", addressServer: "Update-install Address Server", mailServer: "Update-install Mail Server" };
  const installId = { objectServer: "install-object-server", addressServer: "install-address-server", mailServer: "install-mail-server" };
  const installWhy: Record<Installer, string> = {
    objectServer: "002 refers to 「Groupmax Object Server Version 6 システム管理者ガイド」(Windows用) for Object Server's install; the site's command",
    addressServer: "002: 「Address ServerとMail Serverは更新でインストールしてください。」 (install them as an update); how is the site's command",
    mailServer: "002: 「Address ServerとMail Serverは更新でインストールしてください。」 (install them as an update); how is the site's command",
  };
  const steps: Step[] = o.uploads.map((u, i) =>
    uploadStep(c.shell, {
      id: `upload-${i + 1}`,
      title: `Upload ${path.basename(u.source)} to ${u.destination} (before anything stops)`,
      source: u.source,
      destination: u.destination,
      provenance: fromSite(fieldPathOf(i), "the installers' packages; 002 says nothing of how they reach the server"),
    }),
  );
  if (c.checkServices && entries.length) {
    steps.push(
      step(
        c,
        "check-services",
        "run",
        `Check ${o.servicesFile} for a name or port the hop's entries would clash with (nothing is changed)`,
        c.checkServices,
        fromSafety(
          "a read-only check before anything stops: upchain never overwrites a services entry it did not add, stricter than 002, which only says to add the ports",
        ),
      ),
    );
  }
  steps.push(
    step(
      c,
      "stop-address",
      "run",
      "Stop the mail application and this master management server's address service (other address servers keep running)",
      c.stopAddress,
      doc(
        hop,
        "マスタ管理サーバのアドレスサービスを停止します。",
        "マスタ管理サーバのバージョンアップ作業は停止状態で実行する必要があります。",
        "The master management server must be upgraded while stopped.",
      ),
    ),
    step(
      c,
      "stop-object-server",
      "run",
      "Stop Object Server",
      c.stopObjectServer,
      doc(
        hop,
        "Object Serverを停止します。",
        "データベースファイルのバックアップおよびインストールのために,Object Serverも停止する必要があります。",
        "Object Server must be stopped too, for the database backup and the installation.",
      ),
    ),
    step(
      c,
      "autostart-off",
      "run",
      `If Address Server starts automatically, switch that off (the setting is kept in ${c.autostartSaved} and put back at the end, also on failure)`,
      c.autostartOff,
      doc(
        hop,
        "マシンをシャットダウンし,再起動します。",
        "アドレスサービス(Address Server)が自動的に起動する設定になっている場合は,設定を外して自動的に起動しないようにしてからシャットダウンしてください。",
        "If the address service (Address Server) is set to start automatically, remove that setting before shutting down.",
      ),
    ),
    {
      ...step(
        c,
        "reboot",
        "reboot",
        `Shut the machine down and restart it; wait up to ${o.rebootTimeoutSeconds}s for it to come back`,
        [c.reboot.command],
        doc(hop, "マシンをシャットダウンし,再起動します。", "マシンをシャットダウンし,再起動します。", "Shut the machine down and restart it."),
      ),
      bootMarker: c.reboot.bootMarker,
      timeoutSeconds: o.rebootTimeoutSeconds,
    } as Step,
    step(
      c,
      "backup",
      "backup",
      `Back up ${kept(o).join(", ")} (the installation folders, the database files; the services file${o.journalDir === false ? "" : " and the journal folder"} too, for the restore)`,
      c.backup,
      doc(
        hop,
        "環境をバックアップします。",
        "マスタ管理サーバ上のAddress Server,Mail Serverの全環境をバックアップします。",
        "Back up the whole Address Server and Mail Server environment on the master management server.",
      ),
    ),
    ...(Object.keys(installTitle) as Installer[]).map((k) =>
      step(c, installId[k], "run", `${installTitle[k]} (the site's installer)`, c.install[k], fromSite(`options.installers.${k}`, installWhy[k]), true),
    ),
  );
  if (entries.length) {
    steps.push({
      ...step(
        c,
        "services-add",
        "services-add",
        `Add ${entries.map(describeEntry).join(", ")} to ${o.servicesFile}`,
        c.servicesAdd,
        doc(hop, "servicesファイルを変更します。", "次のポートを追加してください。", "Add the following ports."),
        true,
      ),
      file: o.servicesFile,
      entries,
    } as Step);
  }
  steps.push(
    step(
      c,
      "start-object-server",
      "run",
      "Start Object Server (its start-up check)",
      c.startObjectServer,
      doc(
        hop,
        "Object Serverを起動します。",
        "この起動が,バージョンアップ後のObject Serverの起動確認になります。",
        "This start is the post-upgrade start-up check of Object Server.",
      ),
    ),
  );
  if (needsAdvup(hop.from)) {
    steps.push(
      step(
        c,
        "advup2_6",
        "run",
        `Run advup2_6 (${o.advup}) on the master management server as the system administrator`,
        c.advup,
        doc(
          hop,
          "バージョンアップコマンドを実行します。",
          "advup2_6コマンドをマスタ管理サーバ上で実行してください。実行できるのは,システム管理者だけです。",
          "Run the advup2_6 command on the master management server. Only the system administrator can run it.",
        ),
        true,
      ),
      step(
        c,
        "address-mail-setup",
        "run",
        "Confirm the Address_Mail Server setup (the site's unattended form of its OK button)",
        c.addressMailSetup,
        fromSite(
          "options.addressMailSetup",
          "002: 「Address_Mail Serverセットアップ画面が表示されたらOKボタンを押下してください。」 (press OK on the setup screen); its unattended form is the site's",
        ),
        true,
      ),
    );
  }
  steps.push(
    step(
      c,
      "start-address",
      "run",
      "Start the address service (its start-up check)",
      c.startAddress,
      doc(
        hop,
        "アドレスサービスを起動します。",
        "この起動が,バージョンアップ後のアドレスサービスの起動確認になります。",
        "This start is the post-upgrade start-up check of the address service.",
      ),
    ),
    step(
      c,
      "start-server",
      "run",
      "Start the server (the mail application; its start-up check)",
      c.startServer,
      doc(
        hop,
        "サーバを起動します。",
        "メールサーバの場合は,メールアプリケーションを起動してください。この起動が,バージョンアップ後のサーバの起動確認になります。",
        "For a mail server, start the mail application. This start is the post-upgrade start-up check of the server.",
      ),
    ),
  );
  if (o.journalDir !== false) {
    steps.push(
      step(
        c,
        "clear-journal",
        "run",
        `Delete the master management server's journal files (${c.journalFiles}) kept by the old version; a missing folder is an error`,
        c.clearJournal,
        doc(
          hop,
          "マスタ管理サーバ用のジャーナルをクリアします。",
          "旧バージョンの環境でマスタ管理サーバ用のジャーナルを取得していた場合は,そのジャーナルファイルを削除してください。",
          "If the old version kept journals for the master management server, delete those journal files.",
        ),
        true,
      ),
    );
  }
  if (o.operatorConsole) {
    steps.push(
      step(
        c,
        "start-console",
        "run",
        "Start the operator console (運転席; its start-up check)",
        c.startConsole,
        doc(
          hop,
          "運転席を起動します。",
          "バージョンアップしたサーバに運転席がある場合は,運転席を起動してください。この起動が,バージョンアップ後の運転席の起動確認になります。",
          "If the upgraded server has an operator console, start it. This start is its post-upgrade start-up check.",
        ),
      ),
    );
  }
  steps.push(
    step(
      c,
      "verify",
      "verify",
      `Check that Object Server, the address service and the server${o.operatorConsole ? " and the operator console" : ""} still run after their start-up checks`,
      c.verify,
      doc(
        hop,
        "サーバを起動します。",
        "この起動が,バージョンアップ後のサーバの起動確認になります。",
        "This start is the post-upgrade start-up check of the server.",
      ),
    ),
  );
  if (o.backupAfterUpgrade) {
    steps.push(
      step(
        c,
        "backup-v6",
        "run",
        `Back up the ${hop.to} environment with Object Server stopped, then start it again (recommended, not required: a failure here only warns)`,
        c.backupV6,
        doc(
          hop,
          "Version 6環境をバックアップします。",
          "バックアップは絶対に必要ではありません。",
          "A backup is not strictly required (002 goes on to recommend one at this point, so a disk failure never sends you back to the old version).",
        ),
      ),
    );
  }
  steps.push(
    step(
      c,
      "restore-autostart",
      "run",
      "Put the automatic start setting back if it was changed",
      c.restoreAutostart,
      doc(
        hop,
        "起動設定を戻します。",
        "シャットダウン時に自動起動の設定を変更した場合,自動起動の設定を元に戻してください。",
        "If you changed the automatic start setting at shutdown, put it back.",
      ),
    ),
  );
  return steps;
}

const fieldPathOf = (i: number) => `options.uploads[${i}]`;

/** After a failed hop that changed something: put the restore point back. */
export function restoreStepsFrom(o: GroupmaxSettings, hop: Hop, c: GroupmaxCommands): Step[] {
  return [
    step(
      c,
      "restore-backup",
      "restore",
      `Put back ${kept(o).join(", ")} from the restore point taken before ${hop.to}`,
      c.restoreBackup,
      fromSafety("the restore point taken before the first destructive step comes back over what the failed hop changed"),
      true,
    ),
  ];
}

/** After any failed hop: the auto-start setting back (even when the restore failed), then the old version's services. */
export function recoverStepsFrom(_o: GroupmaxSettings, hop: Hop, c: GroupmaxCommands): Step[] {
  return [
    {
      ...step(
        c,
        "recover-autostart",
        "restore",
        "Put the automatic start setting back",
        c.restoreAutostart,
        fromSafety("puts back the automatic start setting the hop switched off"),
      ),
      always: true,
    },
    step(
      c,
      "recover-services",
      "restore",
      `Start ${hop.from}'s Object Server, address service and server again`,
      c.recoverServices,
      fromSafety("starts again what the failed hop stopped"),
    ),
  ];
}
