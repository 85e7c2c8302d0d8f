// Altazion Office: the modules its update service installs, how their versions are read, and the
// document's rules, each with the place in the vendor procedure that states it.
// Source: ../shared/seeds/003_9c23841344441436.txt (French, « Installer les mises à jour »).
import { Rule } from "../../engine/planning/catalog";
import { moduleSet, paddedNumbers } from "../../engine/planning/version";

const doc = "Altazion Office, Installer les mises à jour (003_9c23841344441436.txt)";

/** The modules the document names (« Les modules ») and the database application (« l'application Base de données »). */
export const MODULES = ["gestioncommerciale", "ecommerce", "phygitalapi", "integration", "database"] as const;
export type Module = (typeof MODULES)[number];
/** The web applications the document's install-loop remedy stops the IIS pool of (« Ecommerce, Gestion commerciale, Phygital »). */
export const WEB_MODULES: readonly Module[] = ["ecommerce", "gestioncommerciale", "phygitalapi"];
/** The modules hooks can be written for: the document's module list under « Configuration avancée ». */
export const HOOK_MODULES: readonly Module[] = ["gestioncommerciale", "ecommerce", "phygitalapi", "integration"];
/** The installation phases, in the order the service runs them (« Les phases d'installations disponibles »). */
export const PHASES = ["STARTUPDATE", "PREBACKUP", "POSTBACKUP", "PREINSTALL", "POSTINSTALL", "ENDUPDATE"] as const;

export const isWebModule = (m: string) => (WEB_MODULES as readonly string[]).includes(m);

/** One module's version: 2 to 4 numbers (written with all 4). The document shows none; the status file's are taken as they are. */
export const moduleVersion = paddedNumbers("5.2.0.0");
/** A server's version: each of its modules' ("ecommerce=5.2.0.0,gestioncommerciale=5.2.0.0"), "latest" meaning what the service has detected. */
export const altazionScheme = moduleSet(moduleVersion, ["latest"]);

export const rules = {
  serviceInstalls: {
    id: "altazion.update-service-installs",
    text: "a module is updated by its update service: the Installer button of the local portal (http://localhost:8080/) installs the version the service has detected, one module after the other",
    source: `${doc}, Opérations à réaliser`,
  },
  tellUsers: {
    id: "altazion.tell-users",
    text: "users are told that the services being updated will be cut for a few minutes",
    source: `${doc}, Opérations à réaliser (« Informer les utilisateurs qu'une coupure de quelques minutes est à prévoir »)`,
  },
  notDetected: {
    id: "altazion.no-version-available",
    text: "a version not detected: the service must run in Automatic (Delayed Start) mode, be restarted and given about 20 minutes; a module missing from applicationspath.config is a rights problem on that folder",
    source: `${doc}, Que faire si ? / Aucune version n'est disponible`,
  },
  portalDown: {
    id: "altazion.portal-unreachable",
    text: "the portal not reachable: the service is stopped or in error; check its start mode, start it, or stop and start it again; if it refuses to start, open a ticket at support.altazion.com",
    source: `${doc}, Que faire si ? / Le site http://localhost:8080 n'est pas accessible`,
  },
  installLoops: {
    id: "altazion.install-loops",
    text: "an install that loops: wait two to three minutes and install again; still looping, for a web module (ecommerce, gestioncommerciale, phygital) stop its IIS pool(s), install again, and start the pool(s) again",
    source: `${doc}, Que faire si ? / L'installation d'une version boucle et ne se fait pas`,
  },
  maintenance: {
    id: "altazion.left-in-maintenance",
    text: "a site left in maintenance: in the module's folder, app_offline.htm (or .html) is renamed to app_offline.bak, or deleted when a .bak is already there",
    source: `${doc}, Que faire si ? / Après installation, le site reste « en maintenance »`,
  },
  customisedDatabase: {
    id: "altazion.customised-database",
    text: "when the database is customised the service cannot install its update: its scripts are run by hand, one by one, after their content was checked",
    source: `${doc}, Cas particulier de l'application Base de données`,
  },
  hooks: {
    id: "altazion.phase-hooks",
    text: "site customisations are PowerShell files named after the phase and the module, in %PROGRAMDATA%\\CPoint\\[e]\\bin\\updates\\scripts; they read E_MODULE_PATH and E_BACKUP_PATH",
    source: `${doc}, Configuration avancée / Variables d'environnement`,
  },
} satisfies Record<string, Rule>;
