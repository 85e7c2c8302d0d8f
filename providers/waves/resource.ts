// WaveGate: the end of one rollout wave. It depends on the wave's servers (their outcomes are its
// inputs) and the next wave's servers depend on it, so Pulumi starts a wave only when the previous
// one has finished and its gate has let it through (see impl.ts for the verdict).
import * as pulumi from "@pulumi/pulumi";
import type { ServerOutcome } from "../engine/planning/waves";
import { waveGateProvider } from "./provider";

export interface WaveGateArgs {
  /** "wave 2 of 4". */
  wave: string;
  /** The wave's servers, by name. */
  servers: string[];
  /** Each server's outcome, from its `outcome` output (name added). */
  outcomes: pulumi.Input<pulumi.Input<ServerOutcome>[]>;
  maxFailPercentage: number;
  /** The servers of the waves after this one: named when the rollout stops here. */
  later: string[];
  /** Failures within the budget in earlier waves (the previous gate's `failed`). */
  earlierFailed?: pulumi.Input<ServerOutcome[]>;
  /** The last wave's gate also fails the run when any server of any wave failed. */
  last: boolean;
}

export class WaveGate extends pulumi.dynamic.Resource {
  /** The failures so far (earlier waves' and this one's), all within their budgets. */
  declare readonly failed: pulumi.Output<ServerOutcome[]>;

  constructor(name: string, args: WaveGateArgs, opts?: pulumi.CustomResourceOptions) {
    super(waveGateProvider, name, { ...args, earlierFailed: args.earlierFailed ?? [], failed: undefined }, opts, "upchain", "WaveGate");
  }
}
