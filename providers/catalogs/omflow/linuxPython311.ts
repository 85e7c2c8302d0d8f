// The 1.2.0.0 hop's environment rebuild on Linux, in 001's order ("Linux Update Version 1.2.0.0
// Steps" 1-8): stop, remove the venv, install Python 3.11, point python3 at it, create the venv,
// install the packages, point Apache's wsgi_module at it; then the patch runs (linux.ts).
import { Hop, Step, shStep as step, uploadStep } from "../../engine/planning/catalog";
import { sitePlaceholder } from "../../engine/planning/provenance";
import { quote as q } from "../../quote";
import { SOURCE } from "./linuxSource";
import { OmflowOptions } from "./options";

type Paths = { server: string; venv: string; work: string; backup: string };

/** The Ubuntu packages of 001 step 3 ("Package list"). */
const PYTHON311_PACKAGES = ["python3.11", "python3.11-dev", "python3.11-venv", "python3-pip"];

/** Every package dpkg has (in any state but gone), one name a line, sorted: what a restore compares against. */
export const DPKG_PRESENT = `dpkg-query -W -f='\${Package} \${Status}\\n' | awk '$NF != "not-installed" && $NF != "config-files" {print $1}' | sort -u`;

/**
 * What the backup notes before the 1.2.0.0 hop so that its restore undoes only what the hop added:
 * the packages dpkg has, the python3 link and alternatives group, and whether the deadsnakes PPA was there.
 */
/** The file, in the restore point, of the packages the install-python step newly installed: the only ones a restore purges. */
export const INSTALLED_BY_HOP = "dpkg-installed-by-hop.txt";

/**
 * The install-python step's first command: when the step ends, however it ends (a failed dpkg -i has
 * already installed some), record what dpkg has now that it did not have before the hop. Taken right
 * after the step, the list leaves out what unattended-upgrades installs later in the hop. The trap
 * keeps the step's own exit status (under set -e, dash would otherwise exit with the trap's).
 */
function recordInstalled(backup: string): string {
  return `record_installed() { rc=$?; ${DPKG_PRESENT} | comm -13 ${q(backup + "/dpkg-before.txt")} - > ${q(backup + "/" + INSTALLED_BY_HOP)} || true; exit "$rc"; }; trap record_installed EXIT`;
}

export function python311State(backup: string): string {
  return [
    `${DPKG_PRESENT} > ${q(backup + "/dpkg-before.txt")}`,
    `readlink /usr/bin/python3 > ${q(backup + "/python3-link")} || true`,
    // the file exists only when the group did
    `if alternatives=$(update-alternatives --list python3 2>/dev/null); then printf '%s\\n' "$alternatives" > ${q(backup + "/python3-alternatives")}; fi`,
    `if grep -rqs deadsnakes /etc/apt/sources.list /etc/apt/sources.list.d; then touch ${q(backup + "/deadsnakes-was-there")}; fi`,
  ].join("\n");
}

/**
 * The old environment's `pip freeze` with every pin kept and only Django raised to 4.2 (001
 * Supplement: "Change the version of django to 4.2 or above"); step 6's packages are added when the
 * old list lacks them. Offline, mod_wsgi comes from its sdist instead (001: "mod\_wsgi will be in tar.gz format").
 */
export function requirementsCommands(pip: string, old: string, next: string, online: boolean): string[] {
  const modWsgi = /^mod[-_.]wsgi([ =<>~!;@[]|$)/i;
  return [
    `set -e; umask 077; ${q(pip)} freeze > ${q(old)}`,
    `sed -E 's/^[Dd][Jj][Aa][Nn][Gg][Oo][ ]*([=<>~!].*)?$/django==4.2/' ${q(old)}${online ? "" : ` | grep -viE ${q(modWsgi.source)}`} > ${q(next)} || true`,
    // step 6's list: django==4.2 ldap3 mod_wsgi openpyxl (mod_wsgi offline from its sdist)
    ...["django==4.2", "ldap3", "openpyxl", ...(online ? ["mod_wsgi"] : [])].map((pkg) => {
      const name = pkg.split("=")[0].replace(/_/g, "[-_.]");
      return `grep -qiE ${q(`^${name}([ =<>~!;@[]|$)`)} ${q(next)} || echo ${q(pkg)} >> ${q(next)}`;
    }),
    `echo "the new environment gets:"; cat ${q(next)}`,
  ];
}

/** Read-only, before anything is stopped: every line of the list has a wheel in the bundle, at its pinned version. */
function wheelhouseCommands(wheels: string, next: string): string[] {
  return [
    `norm() { tr 'A-Z' 'a-z' | sed 's/[-_.][-_.]*/_/g'; }`,
    `have=$(cd ${q(wheels)} && ls -- *.whl | while read -r f; do n=$(echo "$f" | cut -d- -f1 | norm); v=$(echo "$f" | cut -d- -f2); echo "$n==$v"; done); missing=""`,
    `while read -r line; do case "$line" in ''|'#'*|-*) continue ;; esac; ` +
      `n=$(echo "$line" | sed 's/[ =<>~!;@[].*//' | norm); v=$(echo "$line" | sed -n 's/^[^=]*==[ ]*\\([^ ;]*\\).*/\\1/p'); ` +
      `if [ -n "$v" ]; then echo "$have" | grep -qx "$n==$v" || missing="$missing $line"; else echo "$have" | grep -q "^$n==" || missing="$missing $line"; fi; ` +
      `done < ${q(next)}`,
    `if [ -n "$missing" ]; then echo "the offline bundle has no wheel for:$missing (add them: upchain bundle omflow --packages ...)" >&2; exit 1; fi`,
    `echo "every package of the new environment's list has its wheel in the bundle"`,
  ];
}

function installPythonStep(o: OmflowOptions, bundle: string, backup: string): Step {
  if (o.online) {
    return step({
      id: "install-python",
      action: "run",
      title: "Install Python 3.11 online: apt-get update, the deadsnakes PPA, apt-get update, apt-get install (001 step 3, method 1)",
      destructive: true,
      commands: [
        recordInstalled(backup),
        "set -e; export DEBIAN_FRONTEND=noninteractive",
        "apt-get update -y",
        "add-apt-repository ppa:deadsnakes/ppa -y",
        "apt-get update -y",
        `apt-get install -y ${PYTHON311_PACKAGES.join(" ")}`,
      ],
      provenance: SOURCE.installPythonOnline,
    });
  }
  const debs = `${bundle}/debs`;
  return step({
    id: "install-python",
    action: "run",
    title: "Install Python 3.11 offline: dpkg -i the bundle's .deb files, and check dpkg configured every one",
    destructive: true,
    commands: [
      recordInstalled(backup),
      `set -e; cd -- ${q(debs)}`,
      `if ! ls -- *.deb >/dev/null 2>&1; then echo ${q(`the offline bundle has no .deb files in ${debs}; prepare it with upchain bundle omflow --debs`)} >&2; exit 1; fi`,
      // dpkg -i exits non-zero when a dependency is missing and leaves the package unconfigured: that is
      // an error of the bundle (its dependency closure), never skipped
      `rc=0; dpkg -i *.deb || rc=$?`,
      `bad=""; for f in *.deb; do pkg=$(dpkg-deb -f "$f" Package); st=$(dpkg-query -W -f='\${Status}' "$pkg" 2>/dev/null || true); [ "$st" = "install ok installed" ] || bad="$bad $pkg($st)"; done`,
      `if [ -n "$bad" ] || [ "$rc" != 0 ]; then dpkg --audit >&2 || true; echo "dpkg -i left packages not installed or unconfigured:$bad (dpkg exit $rc); the bundle lacks their dependencies for this server's distribution: build it on a machine like this server" >&2; exit 1; fi`,
      `for pkg in ${PYTHON311_PACKAGES.filter((p) => p !== "python3-pip").join(" ")}; do dpkg-query -W -f='\${Status}\\n' "$pkg" 2>/dev/null | grep -qx 'install ok installed' || { echo "$pkg is not installed after dpkg -i: the bundle lacks it" >&2; exit 1; }; done`,
    ],
    provenance: SOURCE.installPythonOffline,
  });
}

function installPackagesSteps(o: OmflowOptions, p: Paths, bundle: string, next: string): Step[] {
  const activate = `. ${q(p.venv + "/bin/activate")}`;
  const offline = o.online ? "" : ` --no-index --find-links ${q(bundle + "/wheels")}`;
  const packages = step({
    id: "install-packages",
    action: "run",
    title: o.online
      ? "Install wheel, then the old environment's packages at their pins with Django 4.2, ldap3, mod_wsgi and openpyxl, from the index"
      : "Install wheel, then the old environment's packages at their pins with Django 4.2, ldap3 and openpyxl, from the bundle's wheels",
    destructive: true,
    commands: [`set -e; ${activate}`, `pip install${offline} wheel`, `pip install${offline} -r ${q(next)}`],
    provenance: SOURCE.installPackages,
  });
  if (o.online) return [packages];
  return [
    packages,
    step({
      id: "install-mod-wsgi",
      action: "run",
      title:
        "Install mod_wsgi from the bundle's tar.gz in the new environment: pip builds and installs the same sdist 001 installs with python setup.py install",
      destructive: true,
      commands: [`set -e; ${activate}`, `pip install --no-index --find-links ${q(bundle + "/wheels")} --no-build-isolation ${q(bundle)}/mod_wsgi-*.tar.gz`],
      provenance: SOURCE.installModWsgi,
    }),
  ];
}

export function python311Steps(o: OmflowOptions, hop: Hop, p: Paths): { beforeStop: Step[]; rebuild: Step[]; afterPatch: Step[] } {
  const bundle = `${p.work}/bundle`;
  const old = `${p.backup}/requirements-old.txt`;
  const next = `${p.work}/requirements.txt`;
  const beforeStop: Step[] = [
    ...(o.online
      ? []
      : [
          uploadStep("sh", {
            id: "upload-bundle",
            title: "Upload the offline bundle (.deb files, wheels, mod_wsgi sdist)",
            source: o.offlineBundle ?? sitePlaceholder("options.offlineBundle"),
            destination: bundle,
            directory: true,
            provenance: SOURCE.uploadBundle,
          }),
        ]),
    step({
      id: "export-packages",
      action: "run",
      title: "Export the old environment's package list (pip freeze), pins kept, Django raised to 4.2, before the environment is removed",
      destructive: false,
      commands: requirementsCommands(p.venv + "/bin/pip", old, next, o.online),
      provenance: SOURCE.exportPackages,
    }),
    ...(o.online
      ? []
      : [
          step({
            id: "check-wheelhouse",
            action: "run",
            title: "Check the bundle has a wheel for every package of the list, at its pin (before anything is stopped)",
            destructive: false,
            commands: wheelhouseCommands(bundle + "/wheels", next),
            provenance: SOURCE.checkWheelhouse,
          }),
        ]),
  ];
  const rebuild: Step[] = [
    step({ id: "stop", action: "run", title: "Stop OMFLOW", destructive: true, commands: [`${q(p.server)} stop`], provenance: SOURCE.stop }),
    step({
      id: "remove-venv",
      action: "run",
      title: `Remove the old environment ${p.venv}/`,
      destructive: true,
      commands: [`rm -rf -- ${q(p.venv + "/")}`],
      provenance: SOURCE.removeVenv,
    }),
    installPythonStep(o, bundle, p.backup),
    step({
      id: "python-alternative",
      action: "run",
      title: "Make python3 call Python 3.11 (update-alternatives)",
      destructive: true,
      commands: ["update-alternatives --install /usr/bin/python3 python3 /usr/bin/python3.11 1"],
      provenance: SOURCE.alternative,
    }),
    step({
      id: "create-venv",
      action: "run",
      title: `Create the Python 3.11 environment ${p.venv}`,
      destructive: true,
      commands: [`python3 -m venv ${q(p.venv)}`],
      provenance: SOURCE.createVenv,
    }),
    ...installPackagesSteps(o, p, bundle, next),
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
      provenance: SOURCE.wsgiModule,
    }),
  ];
  const afterPatch: Step[] = [
    step({
      id: "restart-apache",
      action: "run",
      title: "Restart Apache on the new mod_wsgi, so OMFLOW 1.2.0.0 starts on it",
      destructive: true,
      commands: ["apachectl -k restart || apachectl start"],
      provenance: SOURCE.restartApache,
    }),
  ];
  return { beforeStop, rebuild, afterPatch };
}
