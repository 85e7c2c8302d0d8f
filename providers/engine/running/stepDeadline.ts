// How long a step may run before the run gives up on it: the stack's word, then the catalog's, then a default.
import { Step } from "../planning/catalog";

/** How long a step may run when neither the stack nor the catalog says: generous, but not forever. */
export const DEFAULT_STEP_SECONDS: Record<string, number> = { backup: 4 * 3600, run: 2 * 3600, verify: 15 * 60, restore: 4 * 3600, pool: 15 * 60, http: 3600 };

/** The stack's setting for the step's id, then the catalog's for the step, then the stack's for its action, then the default. */
export function stepDeadline(step: Step, timeouts: Record<string, number> = {}): number {
  const own = typeof step.timeoutSeconds === "number" && step.action !== "reboot" ? step.timeoutSeconds : undefined;
  return timeouts[step.id] ?? own ?? timeouts[step.action] ?? DEFAULT_STEP_SECONDS[step.action] ?? 2 * 3600;
}
