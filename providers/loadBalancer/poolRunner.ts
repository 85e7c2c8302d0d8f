// The runner of a cluster member's pool steps, registered with the executor by the server that is a
// member (ExecuteOptions.runners): the step acts on the load balancer, not on the host, so no script
// on the host can fence it; the host's word that the lock is still this run's guards it instead.
import { Run, StepCall, StepOutcome, StepRunner } from "../engine/running/run";
import { stepDeadline } from "../engine/running/stepDeadline";
import { stepOfAction } from "../engine/planning/catalog";
import { applyPools } from "./poolStep";
import { Pools } from "./pools";

/** Pool steps carried out on the balancer `open` connects to (opened when the first pool step runs). Idempotent: a resumed run simply does it again. */
export function poolRunner(open: () => Promise<Pools>): StepRunner {
  return {
    mode: "inline",
    restores: true,
    async run(run: Run, { step, what, out }: StepCall): Promise<StepOutcome> {
      // the lock's check on the host and the balancer's connection side by side: the step follows the
      // one before it as closely as it can (the last old member's stop, then the upgraded members' return)
      const pools = open();
      pools.catch(() => undefined); // awaited below, after the lock's verdict, which comes first
      await run.stillMine(what);
      const result = await applyPools(await pools, stepOfAction(step, "pool"), Date.now() + stepDeadline(step, run.options.stepTimeouts) * 1000);
      out(result.stdout);
      return result;
    },
  };
}
