// The provenance of a step a test catalog builds: every step has one (engine/planning/catalog.ts), and a test's
// own steps follow no vendor document, so they say so.
import { fromSafety } from "../../providers/engine/planning/provenance";

export const TEST_STEP = fromSafety("a step of a test catalog: no vendor document behind it");
