// OMFLOW on Linux: the general hop and the 1.2.0.0 hop, as POSIX sh. Every value is quoted.
import * as path from "path";
import { Hop, Step, shStep as step, uploadStep } from "../../engine/catalog";
import { quote as q } from "../../quote";
import { OmflowOptions } from "./options";
import { PYTHON311_VERSION } from "./rules";

export { TAR_LITERAL, keepEarlier } from "../restorePoint";
import { TAR_LITERAL, keepEarlier } from "../restorePoint";

export function linuxPaths(o: OmflowOptions, hop: Hop) {
  const server = `${o.installDir}/server/omflow_server`;
  return {
    server,
    venv: `${o.installDir}/python`,
    versionFile: `${o.installDir}/VERSION`,
    work: `${o.installDir}/tmp/upchain/${hop.to}`,
    backup: `${o.backupDir}/${hop.from}-to-${hop.to}`,
  };
}


function backupStep(o: OmflowOptions, hop: Hop): Step {
  const p = linuxPaths(o, hop);
  const conf = p.backup + "/apache-site.conf";
  // The restore point holds the whole install (the venv included) and the Apache site config. It is
  // private: under umask 077 every folder is 0700 and every file 0600 (the copy of the config is
  // chmod-ed, its own mode and owner are noted for the restore).
  return step({
    id: "backup",
    action: "backup",
    title: `Back up ${o.installDir} and ${o.apacheSiteConf} before ${hop.to}`,
    destructive: false,
    commands: [
      `set -e; umask 077; mkdir -p -- ${q(o.backupDir)}`,
      keepEarlier(p.backup),
      `mkdir -m 0700 -- ${q(p.backup)}`,
      // names and the exclusion are literal: GNU tar would otherwise read \ escapes and * or [ patterns in them
      `tar -C / ${TAR_LITERAL} --exclude=${q(o.installDir.replace(/^\//, "") + "/tmp")} -czf ${q(p.backup + "/install.tgz")} ${q(o.installDir.replace(/^\//, ""))}`,
      `if [ -f ${q(o.apacheSiteConf)} ]; then cp -p -- ${q(o.apacheSiteConf)} ${q(conf)}; chmod 0600 ${q(conf)}; stat -c '%a %u:%g' -- ${q(o.apacheSiteConf)} > ${q(conf + ".mode")}; fi`,
      `readlink -f /usr/bin/python3 > ${q(p.backup + "/python3-target")} || true`,
      `touch ${q(p.backup + "/complete")}`,
    ],
    backupDir: p.backup,
  });
}

function patchSteps(o: OmflowOptions, hop: Hop): Step[] {
  const p = linuxPaths(o, hop);
  const source = o.patches[hop.to] ?? "";
  const archive = `${p.work}/${path.basename(source)}`;
  return [
    uploadStep("sh", { id: "upload-patch", title: `Upload the ${hop.to} patch`, source, destination: archive }),
    step({
      id: "extract-patch",
      action: "run",
      title: `Extract the ${hop.to} patch and find its patch.sh`,
      destructive: false,
      // The folder inside an archive need not match the archive's name (the document's own example
      // extracts omflow_patch_1_1_6_4_upgrade3.tar.gz to ..._upgrade4/), so patch.sh is searched for.
      commands: [
        `set -e; rm -rf -- ${q(p.work + "/x")}; mkdir -p ${q(p.work + "/x")}; tar -zxf ${q(archive)} -C ${q(p.work + "/x")}`,
        `found=$(find ${q(p.work + "/x")} -name patch.sh -type f | head -n 1); ` +
          `if [ -z "$found" ]; then echo "the archive holds no patch.sh" >&2; exit 1; fi; dirname "$found" > ${q(p.work + "/patchdir")}`,
      ],
    }),
    step({
      id: "run-patch",
      action: "run",
      title: `Run patch.sh for ${hop.to}`,
      destructive: true,
      commands: [`cd "$(cat ${q(p.work + "/patchdir")})" && sh ./patch.sh`],
    }),
  ];
}

function startStep(o: OmflowOptions, hop: Hop): Step {
  const p = linuxPaths(o, hop);
  return step({
    id: "start",
    action: "run",
    title: "Start OMFLOW if it is not running",
    destructive: false,
    commands: [`${q(p.server)} status || ${q(p.server)} start`],
  });
}

function verifyStep(o: OmflowOptions, hop: Hop): Step {
  const p = linuxPaths(o, hop);
  return step({
    id: "verify",
    action: "verify",
    title: `Check OMFLOW runs and reports ${hop.to}`,
    destructive: false,
    commands: [
      `${q(p.server)} status`,
      `v=$(cat ${q(p.versionFile)}); if [ "$v" != ${q(hop.to)} ]; then echo "OMFLOW reports $v, expected ${hop.to}" >&2; exit 1; fi`,
    ],
    expectVersion: hop.to,
  });
}

/** The 1.2.0.0 hop's environment rebuild: Python 3.11, a new venv, Django 4.2, Apache's wsgi path. */
function python311Steps(o: OmflowOptions, hop: Hop): Step[] {
  const p = linuxPaths(o, hop);
  const pip = `${p.venv}/bin/pip`;
  const bundle = `${p.work}/bundle`;
  const wheels = `${bundle}/wheels`;
  const reqOld = `${p.backup}/requirements-old.txt`;
  const reqNew = `${p.work}/requirements-new.txt`;
  // The new environment always gets these; the rest comes from the old environment's list.
  const base = ["django==4.2", "ldap3", "openpyxl"];
  const offline = `--no-index --find-links ${q(wheels)}`;
  return [
    uploadStep("sh", {
      id: "upload-bundle",
      title: "Upload the offline bundle (Python 3.11 .debs, wheels, mod_wsgi sdist)",
      source: o.offlineBundle ?? "",
      destination: bundle,
      directory: true,
    }),
    step({
      id: "export-packages",
      action: "run",
      title: "Export the old environment's package list (Django raised to 4.2) before it is removed",
      destructive: false,
      commands: [
        // the list is kept with the restore point, so it is private like it
        `set -e; umask 077; ${q(pip)} freeze --all > ${q(reqOld)}`,
        // names only (a line may be "name==1.0" or "name @ file:///..."); the new set pins its own versions
        `sed 's/[ =@<>~!;].*//' ${q(reqOld)} | grep -viE '^(django|ldap3|openpyxl|mod[-_.]wsgi|pip|setuptools|wheel)$' | sort -u > ${q(reqNew)} || true`,
      ],
    }),
    step({
      id: "check-wheelhouse",
      action: "run",
      title: "Check the bundle has a wheel for every package of the old environment (before anything is stopped)",
      destructive: false,
      // wheel file names spell projects with _ and any case; compare normalized names
      commands: [
        `norm() { tr 'A-Z' 'a-z' | sed 's/[-_.][-_.]*/_/g'; }`,
        `have=$(ls ${q(wheels)} | norm); missing=""`,
        `for n in $(cat ${q(reqNew)}); do k=$(echo "$n" | norm); echo "$have" | grep -q "^${"$"}{k}_[0-9]" || missing="$missing $n"; done`,
        `if [ -n "$missing" ]; then echo "the offline bundle has no wheel for:$missing (add them: upchain bundle omflow --packages ...)" >&2; exit 1; fi`,
        `echo "all $(wc -l < ${q(reqNew)}) packages of the old environment are in the bundle"`,
      ],
    }),
    step({
      id: "stop",
      action: "run",
      title: "Stop OMFLOW",
      destructive: true,
      commands: [`${q(p.server)} stop`],
    }),
    step({
      id: "remove-venv",
      action: "run",
      title: `Remove the old environment ${p.venv}`,
      destructive: true,
      commands: [`rm -rf -- ${q(p.venv + "/")}`],
    }),
    step({
      id: "install-python",
      action: "run",
      title: o.online ? "Install Python 3.11 with apt" : "Install Python 3.11 from the bundle's .deb files",
      destructive: true,
      commands: o.online
        ? ["DEBIAN_FRONTEND=noninteractive apt-get install -y python3.11 python3.11-dev python3.11-venv python3-pip"]
        : [`if ls ${q(bundle + "/debs")}/*.deb >/dev/null 2>&1; then dpkg -i ${q(bundle + "/debs")}/*.deb; fi`],
    }),
    step({
      id: "python-alternative",
      action: "run",
      title: "Make python3 point to Python 3.11",
      destructive: true,
      commands: ["update-alternatives --install /usr/bin/python3 python3 /usr/bin/python3.11 1"],
    }),
    step({
      id: "create-venv",
      action: "run",
      title: `Create the Python 3.11 environment ${p.venv}`,
      destructive: true,
      commands: [`python3.11 -m venv ${q(p.venv)}`],
    }),
    step({
      id: "install-packages",
      action: "run",
      title: "Install wheel, Django 4.2, ldap3, openpyxl, mod_wsgi and the old environment's packages",
      destructive: true,
      commands: [
        `set -e; ${q(pip)} install ${offline} wheel setuptools`,
        `${q(pip)} install ${offline} ${base.map(q).join(" ")} -r ${q(reqNew)}`,
        `${q(pip)} install ${offline} --no-build-isolation ${q(bundle)}/mod_wsgi-*.tar.gz`,
      ],
    }),
    step({
      id: "apache-wsgi-module",
      action: "edit",
      title: `Point Apache's wsgi_module in ${o.apacheSiteConf} at the new environment`,
      destructive: true,
      commands: [],
      file: o.apacheSiteConf,
      edit: "wsgi-module",
      valueCommand: `${q(p.venv + "/bin/mod_wsgi-express")} module-location`,
      validate: "apachectl configtest",
    }),
  ];
}

export function linuxHopSteps(o: OmflowOptions, hop: Hop): Step[] {
  const rebuild = hop.to === PYTHON311_VERSION ? python311Steps(o, hop) : [];
  const restartApache: Step[] = rebuild.length
    ? [step({ id: "restart-apache", action: "run", title: "Restart Apache on the new mod_wsgi", destructive: false, commands: ["apachectl -k restart || apachectl start"] })]
    : [];
  return [backupStep(o, hop), ...rebuild, ...patchSteps(o, hop), startStep(o, hop), ...restartApache, verifyStep(o, hop)];
}

export function linuxRestoreSteps(o: OmflowOptions, hop: Hop): Step[] {
  const p = linuxPaths(o, hop);
  const dir = o.installDir.replace(/^\//, "");
  return [
    step({
      id: "restore",
      action: "restore",
      title: `Restore ${o.installDir}, the venv and the Apache config from before ${hop.to}, and start ${hop.from}`,
      destructive: true,
      commands: [
        `set -e; test -f ${q(p.backup + "/complete")}`,
        `${q(p.server)} stop >/dev/null 2>&1 || true`,
        `rm -rf -- ${q(o.installDir + "/")}.[!.]* ${q(o.installDir + "/")}*  2>/dev/null || true`,
        `tar -C / ${TAR_LITERAL} -xzf ${q(p.backup + "/install.tgz")} ${q(dir)}`,
        // the copy in the backup is 0600; the config gets its own mode and owner back
        `if [ -f ${q(p.backup + "/apache-site.conf")} ]; then cp -p -- ${q(p.backup + "/apache-site.conf")} ${q(o.apacheSiteConf)}; ` +
          `if [ -f ${q(p.backup + "/apache-site.conf.mode")} ]; then read -r mode owner < ${q(p.backup + "/apache-site.conf.mode")}; chmod -- "$mode" ${q(o.apacheSiteConf)}; chown -- "$owner" ${q(o.apacheSiteConf)}; fi; fi`,
        `t=$(cat ${q(p.backup + "/python3-target")} 2>/dev/null || true); if [ -n "$t" ] && [ -e "$t" ]; then ln -sf "$t" /usr/bin/python3; fi`,
        `apachectl -k restart >/dev/null 2>&1 || apachectl start >/dev/null 2>&1 || true`,
        `${q(p.server)} status || ${q(p.server)} start`,
        `v=$(cat ${q(p.versionFile)}); if [ "$v" != ${q(hop.from)} ]; then echo "after restore OMFLOW reports $v, expected ${hop.from}" >&2; exit 1; fi`,
      ],
    }),
  ];
}
