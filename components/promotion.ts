// Environments promoted in order (dev -> staging -> prod). Each stack publishes what it runs
// successfully as its `proven` output; the next stack reads it with Pulumi's own StackReference and
// gives each server a gate, so that preview refuses a target the previous environment does not run
// yet (providers/engine/planning/promotion.ts), unless an override names the server and says why.
import * as pulumi from "@pulumi/pulumi";
import { PromotionGate, Proven, addProven } from "../providers/engine/planning/promotion";
import type { RunOutcome } from "../providers/server/resource";

export interface PromotionArgs {
  /** The stack this one is promoted from, as StackReference names it ("staging", or "org/project/staging"). */
  from: string;
  /** Emergencies: server name -> the reason it may go to its target without the previous environment. */
  overrides?: Record<string, string>;
}

/** Reads the previous environment once; hands each server its gate. */
export class Promotion {
  private readonly proven: pulumi.Output<Proven>;

  constructor(
    readonly args: PromotionArgs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const ref = new pulumi.StackReference(`promoted-from-${args.from.replace(/[^A-Za-z0-9_.-]/g, "-")}`, { name: args.from }, opts);
    // a stack that published nothing yet proves nothing
    this.proven = ref.getOutput("proven").apply((p) => (p && typeof p === "object" ? (p as Proven) : {}));
    for (const [server, reason] of Object.entries(args.overrides ?? {})) {
      // not awaited (a constructor cannot): the SDK sends its log calls in order and the program waits for them before it ends
      void pulumi.log.warn(`promotion OVERRIDE: ${server} may go to its target without ${args.from} running it first, because: ${reason}`);
    }
  }

  /** The gate of one server of `product`. */
  gate(product: string, server: string): pulumi.Output<PromotionGate> {
    const override = this.args.overrides?.[server];
    return this.proven.apply((p) => ({ from: this.args.from, proven: Object.keys(p[product] ?? {}), server, ...(override ? { override } : {}) }));
  }
}

/** What a server contributes to its stack's `proven` output. */
export interface ProvenServer {
  name: string;
  product: string;
  installedVersion: pulumi.Output<string>;
  outcome?: pulumi.Output<RunOutcome>;
}

/** The stack's `proven` output: per product, per version, the servers that run it and whose last run succeeded. */
export function provenOutput(servers: ProvenServer[]): pulumi.Output<Proven> {
  return pulumi
    .all(servers.map((s) => pulumi.all([s.installedVersion, s.outcome ?? pulumi.output(undefined)])))
    .apply((runs) =>
      runs.reduce((into, [version, outcome], i) => addProven(into, servers[i].product, version, servers[i].name, outcome?.status !== "failed"), {} as Proven),
    );
}
