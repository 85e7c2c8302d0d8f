// OMFLOW's upgrade rules, each with the place in the vendor document that states it.
// Sources: ../shared/seeds/001_7ff41db2ee37386d.txt (English), 000_e0a95f34f8811c42.txt (Japanese).
import { Rule } from "../../engine/catalog";

const doc = "OMFLOW Version Update (001_7ff41db2ee37386d.txt)";

export const rules = {
  sameFeature: {
    id: "omflow.same-feature",
    text: "same first three numbers: a direct update is allowed (1.1.6.1 > 1.1.6.3)",
    source: `${doc}, Update Rules`,
  },
  nextFeature: {
    id: "omflow.next-feature",
    text: "otherwise only the next feature version is allowed (1.1.6.1 > 1.2.0.0, not 1.1.6.1 > 1.2.0.1)",
    source: `${doc}, Update Rules`,
  },
  windowsSequential: {
    id: "omflow.windows-sequential-below-1.1.4.0",
    text: "on Windows, a server below 1.1.4.0 updates in version order up to 1.1.4.0, confirming the service restarted after each",
    source: `${doc}, Windows, General Version Update Steps 5-6`,
  },
  python311: {
    id: "omflow.1.2.0.0-python-3.11",
    text: "1.2.0.0 moves OMFLOW to Python 3.11 and Django 4.2; earlier versions do not run on Django 4.2, so the new environment and the 1.2.0.0 patch stand or fall together",
    source: `${doc}, Notes for Version 1.2.0.0`,
  },
} satisfies Record<string, Rule>;

// Where the document's Windows note ("1.1.4.0 and later can directly upgrade to the latest version")
// overlaps the general rules, upchain keeps the general rules on Windows too: they are stricter,
// and 1.2.0.0 must be a stop of its own because the Python 3.11 move happens there.
export const PYTHON311_VERSION = "1.2.0.0";
export const WINDOWS_CUMULATIVE_FROM = "1.1.4.0";
