// Where each OMFLOW Linux step comes from: document 001 (English; 000 is its Japanese twin), the
// site's stack options, or upchain's own safety steps. Quotes are verbatim from the seed file.
import { DOCUMENTS, Provenance, fromDocument, fromSafety, fromSite } from "../../engine/planning/provenance";

const en = DOCUMENTS.omflowEnglish;
const general = (n: number) => `Linux, General Update Steps ${n}`;
const v120 = (n: number) => `Linux, Linux Update Version 1.2.0.0 Steps ${n}`;

export const SOURCE = {
  backup: fromSafety(
    '001 Linux General Update Steps 1 says "Please backup OMFLOW first" and refers to a "Backup and Restore" section that is not among the documents: ' +
      "upchain stops OMFLOW (if it runs), copies the install folder and the Apache site, and notes what the 1.2.0.0 hop may change; the restore puts it all back",
  ),
  backupDatabase: fromSite(
    "options.databaseBackup",
    'OMFLOW uses a database server (001: "Other python packages used by DB"); the documents do not say how to back it up',
  ),
  startAfterBackup: fromSafety("starts OMFLOW again if the backup stopped it, so the copy was consistent and the server runs as before"),
  workFolder: fromSafety(
    'a private (0700, root-owned) folder under /tmp for the patch and bundle, outside the install folder, as 001 extracts in /tmp ("cd /tmp/"), so a patch that cleans OMFLOW\'s folders cannot delete itself',
  ),
  uploadPatch: fromSite("options.patches", "the patch archive for this version; the documents do not say where patches come from"),
  uploadBundle: fromSite(
    "options.offlineBundle",
    'the offline .deb files, wheels and mod_wsgi sdist that 001\'s Supplement has the site download "in an environment similar to the OMFLOW server"',
  ),
  extractPatch: fromDocument(en, general(2), "tar -zxvf [path to patch file]"),
  runPatch: fromDocument(en, general(3), "cd [path to patch file] sudo ./patch.sh"),
  runPatch120: fromDocument(en, v120(8), "cd omflow_patch_1_1_6_4_upgrade4/ # Run the patch ./patch.sh"),
  start: fromDocument(en, general(4), "If the service is not started, start the service"),
  verify: fromSite(
    "options.runningCheck",
    '001 General Update Steps 4 says "Check if the OMFLOW service is running normally" with `omflow_server status` but not what it answers when OMFLOW is stopped: the site\'s command that exits 0 exactly when the service runs',
  ),
  exportPackages: fromDocument(
    en,
    "Linux, Supplement: Export Installed Python Package List from Existing Environment",
    "pip freeze > /tmp/requirements.txt # Change the version of django to 4.2 or above",
  ),
  checkWheelhouse: fromSafety(
    "read-only: every pinned package of the old environment has its wheel in the bundle, checked before anything is stopped or removed",
  ),
  stop: fromDocument(en, v120(1), "omflow_server stop"),
  removeVenv: fromDocument(en, v120(2), "rm -rf /opt/omflow/python/"),
  installPythonOnline: fromDocument(
    en,
    v120(3),
    "apt-get update -y # Add package repository add-apt-repository ppa:deadsnakes/ppa -y # Update package repository apt-get update -y",
  ),
  installPythonOffline: fromDocument(en, "Linux, Supplement: Offline Installation of Ubuntu Packages", "dpkg -i *.deb"),
  alternative: fromDocument(en, v120(4), "update-alternatives --install /usr/bin/python3 python3 /usr/bin/python3.11 1"),
  createVenv: fromDocument(en, v120(5), "python3 -m venv /opt/omflow/python"),
  // the old environment's list with its pins (Django raised), installed as one requirements file: the
  // Supplement's method, not step 6's bare `pip install django==4.2 ldap3 mod_wsgi openpyxl`
  installPackages: fromDocument(
    en,
    "Linux, Supplement: Download Python Package Offline Installation Package (.whl)",
    "[Method 1] Batch download using requirements.txt",
  ),
  // 001 runs `python setup.py install` in the extracted sdist; upchain has pip build and install that
  // same sdist (the step's title says so)
  installModWsgi: fromDocument(
    en,
    "Linux, Supplement: Offline Installation of mod\\_wsgi",
    "# Extract mod_wsgi tar.gz tar zxvf <mod_wsgi file path> cd <path after extracting mod_wsgi> # Simple installation of mod_wsgi python setup.py install",
  ),
  wsgiModule: fromDocument(en, v120(7), "Modify the path of the wsgi\\_module in apache http.conf to the new path"),
  // step 7 points Apache at the new mod_wsgi and step 8 starts OMFLOW 1.2.0.0, which Apache serves
  // through that module: the restart is what makes step 7 take effect (the restore restarts it on the old one)
  restartApache: fromDocument(en, v120(8), "Update and Start OMFLOW 1.2.0.0"),
  restoreFiles: fromSafety(
    '001 Error Handling: "If OMFLOW fails to start the service after the update, follow the "Backup and Restore" section to restore OMFLOW"; that section is not among the documents, so upchain puts back its own restore point',
  ),
  restoreDatabase: fromSite("options.databaseRestore", "the documents do not say how to restore OMFLOW's database"),
  undoPython: fromSafety(
    "puts back what the 1.2.0.0 hop registered outside the install folder: the python3 alternatives group and the .deb packages it newly installed (and the deadsnakes PPA when it added it)",
  ),
  restartAfterRestore: fromSafety(
    "starts Apache and OMFLOW on the restored files and checks the service runs, as 001 General Update Steps 4 checks, the site's way (options.runningCheck)",
  ),
} satisfies Record<string, Provenance>;
