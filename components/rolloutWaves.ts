// RolloutWaves: a fleet upgraded in waves with a failure budget, on Pulumi's own dependencies. Each
// wave's servers depend on the previous wave's gate; each gate takes its wave's outcomes as inputs
// (so it waits for them) and fails when the wave's failures are over the budget, and Pulumi then
// starts none of the later servers. Within a wave the servers run side by side, as any independent
// resources do. The servers keep a failure in their `outcome` (onFailure "record") so that the gate,
// not the first failed server, decides; the last gate still fails the run if any server failed.
import * as pulumi from "@pulumi/pulumi";
import { ServerOutcome, WaveSize, splitWaves, waveLabel } from "../providers/engine/planning/waves";
import type { RunOutcome } from "../providers/server/resource";
import { WaveGate } from "../providers/waves/resource";

export interface RolloutWavesArgs {
  /** The servers' names, in rollout order. */
  servers: string[];
  /** Wave sizes in order, each a count or "N%" of the fleet; the last repeats (Ansible's serial). `[1, "25%"]`. */
  waves: WaveSize[];
  /** The share (percent) of a wave that may fail with the next wave still starting; 0 (default): none. */
  maxFailPercentage?: number;
  /**
   * Declares one server: give `onFailure` to its component's args and `opts` (its dependency on the
   * previous wave's gate) to its options. Returns the component (anything with an `outcome`).
   */
  declare: (
    name: string,
    wave: { onFailure: "record"; wave: number; label: string },
    opts: pulumi.ComponentResourceOptions,
  ) => { outcome: pulumi.Output<RunOutcome> };
}

export class RolloutWaves extends pulumi.ComponentResource {
  /** The servers' names by wave, as the rollout runs them. */
  readonly waves: string[][];
  readonly gates: WaveGate[];
  /** "wave 1 of 3: wa1", one line per wave, for the stack's outputs and preview. */
  readonly plan: string[];

  constructor(name: string, args: RolloutWavesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("upchain:rollout:RolloutWaves", name, {}, opts);
    this.waves = splitWaves(args.servers, args.waves);
    this.plan = this.waves.map((w, i) => `${waveLabel(i, this.waves.length)}: ${w.join(", ")}`);
    this.gates = [];
    let previous: WaveGate | undefined;
    this.waves.forEach((names, i) => {
      const label = waveLabel(i, this.waves.length);
      const servers = names.map((n) => args.declare(n, { onFailure: "record", wave: i, label }, previous ? { dependsOn: [previous] } : {}));
      const outcomes = pulumi.all(servers.map((s) => s.outcome)).apply((os) =>
        // a server whose state predates outcomes and that had nothing to do is at its target
        os.map((o, k): ServerOutcome => ({ name: names[k], status: o?.status ?? "ok", ...(o?.error ? { error: o.error } : {}) })),
      );
      previous = new WaveGate(
        `${name}-wave-${i + 1}`,
        {
          wave: label,
          servers: names,
          outcomes,
          maxFailPercentage: args.maxFailPercentage ?? 0,
          later: this.waves.slice(i + 1).flat(),
          earlierFailed: previous?.failed,
          last: i === this.waves.length - 1,
        },
        { parent: this },
      );
      this.gates.push(previous);
    });
    this.registerOutputs({ plan: this.plan });
  }
}
