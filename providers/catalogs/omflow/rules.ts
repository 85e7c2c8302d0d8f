// OMFLOW's upgrade rules, each with the place in the vendor document that states it.
// Sources: ../shared/seeds/001_7ff41db2ee37386d.txt (English), 000_e0a95f34f8811c42.txt (Japanese).
import { Rule } from "../../engine/planning/catalog";

const doc = "OMFLOW Version Update (001_7ff41db2ee37386d.txt)";

export const rules = {
  sameFeature: {
    id: "omflow.same-feature",
    text: "same first three numbers: a direct update is allowed (1.1.6.1 > 1.1.6.3)",
    source: `${doc}, Update Rules`,
  },
  nextFeature: {
    id: "omflow.next-feature",
    text: "otherwise only the next feature version is allowed (1.1.6.1 > 1.2.0.0, not 1.1.6.1 > 1.2.0.1): its first release, x.y.z.0",
    source: `${doc}, Update Rules`,
  },
  windowsSequential: {
    id: "omflow.windows-sequential-below-1.1.4.0",
    text: "on Windows, a server below 1.1.4.0 updates in version order up to 1.1.4.0, confirming the service restarted after each",
    source: `${doc}, Windows, General Version Update Steps 5-6`,
  },
  windowsLatest: {
    id: "omflow.windows-direct-from-1.1.4.0",
    text: "on Windows, 1.1.4.0 and later update straight to the target with its one update file",
    source: `${doc}, Windows, General Version Update Steps 5`,
  },
  python311: {
    id: "omflow.1.2.0.0-python-3.11",
    text: "1.2.0.0 moves OMFLOW to Python 3.11 and Django 4.2; earlier versions do not run on Django 4.2, so the new environment and the 1.2.0.0 patch stand or fall together",
    source: `${doc}, Notes for Version 1.2.0.0`,
  },
} satisfies Record<string, Rule>;

export const PYTHON311_VERSION = "1.2.0.0";
export const WINDOWS_CUMULATIVE_FROM = "1.1.4.0";

/**
 * Releases the document itself names, known even when the stack's release list forgets them: 1.1.4.0
 * (Windows step 5: "sequentially update to 1.1.4.0") and 1.2.0.0 ("Starting from version 1.2.0.0").
 * Bugfix releases the list forgets cannot be known: the document lists none.
 */
export const DOCUMENTED_RELEASES = [WINDOWS_CUMULATIVE_FROM, PYTHON311_VERSION] as const;

// On Windows the document's Windows section and its general Update Rules overlap. The Windows section
// wins on Windows: it is about the Windows update file itself ("OMFLOW versions 1.1.4.0 and later can
// directly upgrade to the latest version using the update file"), and the updater checks this server
// may take it (step 5). A Windows hop that crosses 1.2.0.0 carries the Notes for Version 1.2.0.0.
