// A fence that guards nothing, for unit tests of the mechanics a fence wraps (a step's launch, a
// journal's write) when no lock is in play. The fence itself is tested in tests/unit/engine/running/fence.test.ts.
import { Fence } from "../../providers/engine/running/fence";

export const UNFENCED: Fence = { script: (body) => body, check: (r) => r };
