// OMFLOW on Linux, as document 001's Linux sections write it: back up, extract the patch, run
// `./patch.sh` from its own folder, start OMFLOW if it is not running; the 1.2.0.0 hop rebuilds the
// Python environment first (linuxPython311.ts). Every value is quoted; every step says its source.
import * as path from "path";
import { Hop, Step, shStep as step, uploadStep } from "../../engine/planning/catalog";
import { sitePlaceholder } from "../../engine/planning/provenance";
import { quote as q } from "../../quote";
import { linuxRestoreSteps as restoreSteps } from "./linuxRestore";
import { python311Steps, python311State } from "./linuxPython311";
import { SOURCE } from "./linuxSource";
import { siteCommand } from "./siteCommand";
import { OmflowOptions } from "./options";
import { PYTHON311_VERSION } from "./rules";

import { TAR_LITERAL, keepEarlier } from "../restorePoint";

/** Patches and bundles are unpacked here, outside the install folder, as 001 does in /tmp. */
const WORK_ROOT = "/tmp/upchain-omflow";

function linuxPaths(o: OmflowOptions, hop: Hop) {
  return {
    server: `${o.installDir}/server/omflow_server`,
    venv: `${o.installDir}/python`,
    work: `${WORK_ROOT}/${hop.from}-to-${hop.to}`,
    backup: `${o.backupDir}/${hop.from}-to-${hop.to}`,
  };
}

/**
 * The site's read-only check that exits 0 exactly when the OMFLOW service runs (options.runningCheck).
 * 001 checks with `omflow_server status` but never says what it answers when OMFLOW is stopped, so
 * the answer is the site's; a missing one is refused at preview (preflight.ts), and this placeholder fails.
 */
export const runningCheck = (o: OmflowOptions, p: ReturnType<typeof linuxPaths>) => siteCommand(o.runningCheck, "options.runningCheck", p.backup);

/** Start OMFLOW again only if the backup stopped it (its note says so). */
const startIfBackupStoppedIt = (p: ReturnType<typeof linuxPaths>) => `if [ -f ${q(p.backup + "/omflow-was-running")} ]; then ${q(p.server)} start; fi`;

function backupSteps(o: OmflowOptions, hop: Hop): Step[] {
  const p = linuxPaths(o, hop);
  const conf = p.backup + "/apache-site.conf";
  const dir = o.installDir.replace(/^\//, "");
  return [
    step({
      id: "backup",
      action: "backup",
      title: `Stop OMFLOW if it runs, back up ${o.installDir} and ${o.apacheSiteConf} before ${hop.to} (a consistent copy)`,
      destructive: false,
      // The restore point is private: under umask 077 every folder is 0700 and every file 0600. If the
      // copy fails, OMFLOW is started again before the step fails: nothing was changed.
      commands: [
        `set -e; umask 077; mkdir -p -- ${q(o.backupDir)}`,
        keepEarlier(p.backup),
        `mkdir -m 0700 -- ${q(p.backup)}`,
        `if ${runningCheck(o, p)} >/dev/null 2>&1; then touch ${q(p.backup + "/omflow-was-running")}; ${q(p.server)} stop; fi`,
        `if ! (\nset -e\n` +
          // the whole folder, its tmp included: the restore empties the folder before it extracts this.
          // Names are literal: GNU tar would otherwise read \ escapes and * or [ patterns in them
          `tar -C / ${TAR_LITERAL} -czf ${q(p.backup + "/install.tgz")} ${q(dir)}\n` +
          `if [ -f ${q(o.apacheSiteConf)} ]; then cp -p -- ${q(o.apacheSiteConf)} ${q(conf)}; chmod 0600 ${q(conf)}; stat -c '%a %u:%g' -- ${q(o.apacheSiteConf)} > ${q(conf + ".mode")}; fi\n` +
          (hop.to === PYTHON311_VERSION ? python311State(p.backup) + "\n" : "") +
          `); then ${startIfBackupStoppedIt(p)}; echo "the backup failed; OMFLOW runs as before" >&2; exit 1; fi`,
      ],
      backupDir: p.backup,
      provenance: SOURCE.backup,
    }),
    step({
      id: "backup-database",
      action: "run",
      title: "Back up OMFLOW's database with the site's command (options.databaseBackup), OMFLOW stopped",
      destructive: false,
      commands: [
        `umask 077; if ! ${siteCommand(o.databaseBackup, "options.databaseBackup", p.backup)}; then ${startIfBackupStoppedIt(p)}; echo "options.databaseBackup failed; OMFLOW runs as before" >&2; exit 1; fi`,
        // only a restore point with the database in it is complete: the restore requires this marker
        `touch ${q(p.backup + "/complete")}`,
      ],
      provenance: SOURCE.backupDatabase,
    }),
    step({
      id: "start-after-backup",
      action: "run",
      title: "Start OMFLOW again if the backup stopped it",
      destructive: false,
      commands: [startIfBackupStoppedIt(p)],
      provenance: SOURCE.startAfterBackup,
    }),
  ];
}

/** The private work folder: root's own, 0700, never a link (anyone may create things in /tmp). */
function workFolderStep(hop: Hop, p: ReturnType<typeof linuxPaths>): Step {
  return step({
    id: "work-folder",
    action: "run",
    title: `Create the private folder ${p.work} for the ${hop.to} patch`,
    destructive: false,
    commands: [
      `set -e; umask 077; mkdir -p -- ${q(WORK_ROOT)}`,
      `if [ -L ${q(WORK_ROOT)} ] || [ "$(stat -c '%u' -- ${q(WORK_ROOT)})" != 0 ]; then echo ${q(`${WORK_ROOT} is a link or not root's; remove it and run again`)} >&2; exit 1; fi`,
      `chmod 0700 -- ${q(WORK_ROOT)}; rm -rf -- ${q(p.work)}; mkdir -m 0700 -- ${q(p.work)}`,
    ],
    provenance: SOURCE.workFolder,
  });
}

function patchSteps(o: OmflowOptions, hop: Hop): Step[] {
  const p = linuxPaths(o, hop);
  const source = o.patches[hop.to] ?? "";
  const archive = `${p.work}/${path.basename(source) || "patch.tar.gz"}`;
  const x = `${p.work}/x`;
  return [
    uploadStep("sh", {
      id: "upload-patch",
      title: `Upload the ${hop.to} patch`,
      source: source || sitePlaceholder(`options.patches["${hop.to}"]`),
      destination: archive,
      provenance: SOURCE.uploadPatch,
    }),
    step({
      id: "extract-patch",
      action: "run",
      title: `Extract the ${hop.to} patch in ${p.work} and find its patch.sh`,
      destructive: false,
      provenance: SOURCE.extractPatch,
      // The folder inside an archive need not match the archive's name (001's own example extracts
      // omflow_patch_1_1_6_4_upgrade3.tar.gz to ..._upgrade4/), so patch.sh is looked for.
      commands: [
        `set -e; rm -rf -- ${q(x)}; mkdir -m 0700 -- ${q(x)}; cd ${q(x)}; tar -zxvf ${q(archive)}`,
        `found=$(find ${q(x)} -maxdepth 2 -name patch.sh -type f); n=$(printf '%s' "$found" | grep -c . || true)`,
        `if [ "$n" != 1 ]; then echo "the archive ${path.basename(archive)} holds $n patch.sh files at its top (expected one): $found" >&2; exit 1; fi`,
        `dirname -- "$found" > ${q(p.work + "/patchdir")}`,
      ],
    }),
  ];
}

/**
 * `./patch.sh` as root from its own folder, so its shebang picks its shell (a #!/bin/bash patch fails
 * under sh). Only a patch.sh without the execute bit is handed to the interpreter its #! line names.
 */
export function runPatchCommands(patchDirFile: string): string[] {
  return [
    `set -e; cd -- "$(cat ${q(patchDirFile)})"`,
    `if [ -x ./patch.sh ]; then ./patch.sh; else\n` +
      `  line=$(head -n 1 ./patch.sh)\n` +
      `  case "$line" in '#!'*) interpreter=\${line#??} ;; *) echo "patch.sh has no execute bit and no #! line naming its interpreter; ask the vendor for a proper archive" >&2; exit 1 ;; esac\n` +
      `  echo "patch.sh has no execute bit: running it with its #! interpreter:$interpreter"\n` +
      `  $interpreter ./patch.sh\n` +
      `fi`,
  ];
}

function runPatchStep(o: OmflowOptions, hop: Hop): Step {
  const p = linuxPaths(o, hop);
  return step({
    id: "run-patch",
    action: "run",
    title: `Run ./patch.sh for ${hop.to} from its own folder`,
    destructive: true,
    commands: runPatchCommands(p.work + "/patchdir"),
    provenance: hop.to === PYTHON311_VERSION ? SOURCE.runPatch120 : SOURCE.runPatch,
  });
}

function startAndVerify(o: OmflowOptions, hop: Hop): Step[] {
  const p = linuxPaths(o, hop);
  return [
    step({
      id: "start",
      action: "run",
      title: "Start OMFLOW if it is not running",
      destructive: false,
      commands: [`${runningCheck(o, p)} || ${q(p.server)} start`],
      provenance: SOURCE.start,
    }),
    // the document's criterion of a good update: the service runs (001 Error Handling: "If OMFLOW
    // fails to start the service after the update ... restore"), checked the site's way (runningCheck);
    // the installed version is the site's versionCommand's business, checked by the planner where given
    step({
      id: "verify",
      action: "verify",
      title: "Check the OMFLOW service is running (options.runningCheck)",
      destructive: false,
      commands: [runningCheck(o, p)],
      provenance: SOURCE.verify,
    }),
  ];
}

export function linuxHopSteps(o: OmflowOptions, hop: Hop): Step[] {
  const p = linuxPaths(o, hop);
  const prepare = [...backupSteps(o, hop), workFolderStep(hop, p), ...patchSteps(o, hop)];
  if (hop.to !== PYTHON311_VERSION) return [...prepare, runPatchStep(o, hop), ...startAndVerify(o, hop)];
  const { beforeStop, rebuild, afterPatch } = python311Steps(o, hop, p);
  return [...prepare, ...beforeStop, ...rebuild, runPatchStep(o, hop), ...afterPatch, ...startAndVerify(o, hop)];
}

export function linuxRestoreSteps(o: OmflowOptions, hop: Hop): Step[] {
  return restoreSteps(o, hop, linuxPaths(o, hop));
}
