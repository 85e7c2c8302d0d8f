// OMFLOW's Linux restore after a failed hop: the files of the restore point, the database by the
// site's command, what the 1.2.0.0 hop registered outside the install folder, then Apache and OMFLOW
// started and checked the way 001 checks a running OMFLOW. Nothing here reads a version file.
import { Hop, Step, shStep as step } from "../../engine/planning/catalog";
import { quote as q } from "../../quote";
import { TAR_LITERAL } from "../restorePoint";
import { siteCommand } from "./siteCommand";
import { DPKG_PRESENT, INSTALLED_BY_HOP } from "./linuxPython311";
import { SOURCE } from "./linuxSource";
import { OmflowOptions } from "./options";
import { PYTHON311_VERSION } from "./rules";

type Paths = { server: string; venv: string; work: string; backup: string };

/**
 * Undo the 1.2.0.0 hop's registrations: the python3 alternative (the group removed when there was
 * none, and /usr/bin/python3 put back as it was), the .deb packages the install-python step newly installed, and the
 * deadsnakes PPA when the hop added it. Each is noted by the backup (linuxPython311.ts python311State).
 */
export function undoPython311Commands(backup: string): string[] {
  const b = (f: string) => q(`${backup}/${f}`);
  return [
    `set -e; test -f ${b("dpkg-before.txt")}`,
    `if [ -f ${b("python3-alternatives")} ]; then ` +
      `if ! grep -qx /usr/bin/python3.11 ${b("python3-alternatives")} && update-alternatives --list python3 2>/dev/null | grep -qx /usr/bin/python3.11; then update-alternatives --remove python3 /usr/bin/python3.11; fi; ` +
      `elif update-alternatives --list python3 >/dev/null 2>&1; then update-alternatives --remove-all python3; fi`,
    `link=$(cat ${b("python3-link")} 2>/dev/null || true); if [ ! -f ${b("python3-alternatives")} ] && [ -n "$link" ]; then ln -sfn -- "$link" /usr/bin/python3; fi`,
    // only what the install-python step installed (and is still there): a package another installer
    // (unattended-upgrades) added during the hop is not the hop's to remove; no record, nothing installed
    `added=$(if [ -f ${b(INSTALLED_BY_HOP)} ]; then ${DPKG_PRESENT} | comm -12 ${b(INSTALLED_BY_HOP)} -; fi)`,
    `if [ -n "$added" ]; then echo "removing the packages the hop installed:" $added; dpkg --purge $added; fi`,
    `if [ ! -f ${b("deadsnakes-was-there")} ] && grep -rqs deadsnakes /etc/apt/sources.list /etc/apt/sources.list.d; then add-apt-repository --remove ppa:deadsnakes/ppa -y; fi`,
  ];
}

export function linuxRestoreSteps(o: OmflowOptions, hop: Hop, p: Paths): Step[] {
  const dir = o.installDir.replace(/^\//, "");
  const files = step({
    id: "restore",
    action: "restore",
    title: `Stop OMFLOW and restore ${o.installDir} (its Python environment included) and ${o.apacheSiteConf} from before ${hop.to}`,
    destructive: true,
    commands: [
      `set -e; test -f ${q(p.backup + "/complete")}`,
      `${q(p.server)} stop >/dev/null 2>&1 || true`,
      `rm -rf -- ${q(o.installDir + "/")}.[!.]* ${q(o.installDir + "/")}*  2>/dev/null || true`,
      `tar -C / ${TAR_LITERAL} -xzf ${q(p.backup + "/install.tgz")} ${q(dir)}`,
      // the copy in the backup is 0600; the config gets its own mode and owner back
      `if [ -f ${q(p.backup + "/apache-site.conf")} ]; then cp -p -- ${q(p.backup + "/apache-site.conf")} ${q(o.apacheSiteConf)}; ` +
        `if [ -f ${q(p.backup + "/apache-site.conf.mode")} ]; then read -r mode owner < ${q(p.backup + "/apache-site.conf.mode")}; chmod -- "$mode" ${q(o.apacheSiteConf)}; chown -- "$owner" ${q(o.apacheSiteConf)}; fi; fi`,
    ],
    provenance: SOURCE.restoreFiles,
  });
  const database = step({
    id: "restore-database",
    action: "restore",
    title: "Restore OMFLOW's database with the site's command (options.databaseRestore)",
    destructive: true,
    commands: [siteCommand(o.databaseRestore, "options.databaseRestore", p.backup)],
    provenance: SOURCE.restoreDatabase,
  });
  const python: Step[] =
    hop.to === PYTHON311_VERSION
      ? [
          step({
            id: "undo-python",
            action: "restore",
            title: "Undo what the hop registered: the python3 alternative, the .deb packages it newly installed, the deadsnakes PPA it added",
            destructive: true,
            commands: undoPython311Commands(p.backup),
            provenance: SOURCE.undoPython,
          }),
        ]
      : [];
  const check = siteCommand(o.runningCheck, "options.runningCheck", p.backup);
  const start = step({
    id: "restart-after-restore",
    action: "restore",
    title: `Start Apache and OMFLOW ${hop.from} on the restored files, and check the service runs`,
    destructive: true,
    commands: [`apachectl -k restart >/dev/null 2>&1 || apachectl start`, `${check} || ${q(p.server)} start`, check],
    provenance: SOURCE.restartAfterRestore,
  });
  return [files, database, ...python, start];
}
