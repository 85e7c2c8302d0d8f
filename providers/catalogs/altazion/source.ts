// Where each Altazion step comes from: 003's sentences (verbatim, French, with their English), the
// site's fields for what 003 leaves open, and upchain's safety additions. The quotes are checked
// against the seed by tests/unit/engine/planning/provenance.test.ts.
import { DOCUMENTS, Provenance, fromDocument, fromSafety, fromSite } from "../../engine/planning/provenance";

const doc = (section: string, quote: string, translation: string): Provenance => fromDocument(DOCUMENTS.altazion, section, quote, translation);

const OPERATIONS = "Opérations à réaliser";
const NOT_REACHABLE = "Que faire si ? / Le site http://localhost:8080 n'est pas accessible";
const LOOPS = "Que faire si ? / L'installation d'une version boucle et ne se fait pas";

export const SOURCE = {
  tellUsers: doc(
    OPERATIONS,
    "Informer les utilisateurs qu'une coupure de quelques minutes est à prévoir sur les services qui sont à mettre à jour",
    "Inform the users that a cut of a few minutes is to be expected on the services to be updated",
  ),
  tellUsersOver: fromSite("options.notify", "003 asks only to warn the users before the cut; the site's notice also tells them when it is over"),
  serviceReady: doc(
    NOT_REACHABLE,
    "Vérifier que le service [e] - service principal (attention, il pourrait être remplacé par un service Altazion - service principal) est en fonctionnement sur la machine",
    "Check that the service [e] - service principal (it may be replaced by a service Altazion - service principal) is running on the machine",
  ),
  foldersFree: doc(
    LOOPS,
    "Avant toutes autres choses, vérifiez qu'aucun explorateur ou ligne de commande n'est ouvert en pointant sur les dossiers applicatifs de la solution, si cela est le cas, fermer ces fenêtres.",
    "Before anything else, check that no explorer or command line is open on the solution's application folders; if so, close these windows.",
  ),
  backup: fromSafety(
    "a restore point of the module's folder before « Installer » (003's service keeps a backup of its own; upchain's is the one its restore puts back)",
  ),
  install: doc(
    "Opérations à réaliser",
    "Pour chaque service, cliquer sur le bouton Installer correspondant.",
    "For each service, click the corresponding Installer button.",
  ),
  poolsStarted: doc(
    LOOPS,
    "Revenir dans le gestionnaire IIS et redemarrez le(s) pool(s) que vous avez arrêté.",
    "Go back to the IIS manager and restart the pool(s) you stopped.",
  ),
  maintenance: doc(
    'Que faire si ? / Après installation, le site reste "en maintenance"',
    "si aucun fichier app_offline.bak n'est présent dans le dossier, renommez le fichier .htm(l) en .bak",
    "if no app_offline.bak file is in the folder, rename the .htm(l) file to .bak",
  ),
  verify: doc(
    LOOPS,
    "lors du retour à la page de liste des mises à jour à installer, l'application reste toujours à mettre à jour.",
    "on returning to the page listing the updates to install, the application is still to be updated (the symptom of a failed install: a done module has left the list).",
  ),
  databaseBackup: fromSite(
    "options.database.backupCommand",
    "003 gives no way to back the database up before its scripts; the site's command is the restore point",
  ),
  checkScripts: doc(
    "Cas particulier de l'application Base de données",
    "Dans ce cas, il vous faudra passer les scripts, un par un, sur la base de données après avoir vérifié leur contenu.",
    "In that case you will have to run the scripts, one by one, on the database after checking their content.",
  ),
  restoreModule: fromSafety("the module's folder put back from the restore point taken before « Installer », only when no install of the vendor's runs"),
  restoreDatabase: fromSite("options.database.restoreCommand", "003 gives no way to restore the database; the site's command puts its backup back"),
  recoverPools: doc(
    LOOPS,
    "Revenir dans le gestionnaire IIS et redemarrez le(s) pool(s) que vous avez arrêté.",
    "Go back to the IIS manager and restart the pool(s) you stopped.",
  ),
  recoverMaintenance: doc(
    'Que faire si ? / Après installation, le site reste "en maintenance"',
    "Cela peut arriver si vous avez fait plusieurs essais d'installation du même module sans succès.",
    "This can happen if you tried to install the same module several times without success.",
  ),
  tellUsersStopped: fromSite(
    "options.notify",
    "003 says nothing of a stopped update; the site's notice tells the users which modules still run their old version",
  ),
};
