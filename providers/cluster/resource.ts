// ClusterRollout: the cluster-wide checks and the pools' reconciliation before the members run (see impl.ts).
import * as pulumi from "@pulumi/pulumi";
import { ConnectionArgs } from "../connection";
import { clusterRolloutProvider } from "./provider";

export interface ClusterMemberArgs {
  /** The member's server name in the balancer's backends. */
  name: string;
  connection: ConnectionArgs;
  options?: Record<string, unknown>;
}

export interface ClusterRolloutArgs {
  product: pulumi.Input<string>;
  platform?: pulumi.Input<"linux" | "windows">;
  target: pulumi.Input<string>;
  /** In rollout order. Kept secret: they hold the members' credentials. */
  members: ClusterMemberArgs[];
  balancer: { connection: ConnectionArgs; socket?: string; address?: string };
  backends?: Record<string, string>;
  allowOutage?: boolean;
  /** Seconds a member the reconcile drains may take to finish what it serves (default 300), as the members' own pool steps. */
  drainSeconds?: number;
  /** The site's read-only command printing a member's release, for a product with no documented probe (Oracle AS). */
  versionCommand?: pulumi.Input<string>;
  /** How the declaring code calls these properties ("members.1.connection.hostKey" -> its name): check's failures name them so (server/fields.ts). */
  fields?: Record<string, string>;
}

export class ClusterRollout extends pulumi.dynamic.Resource {
  /** The rollout in run order, as preview shows it: "wc1: invalidation-remove", "wc1: upgrade", ... */
  declare readonly rollout: pulumi.Output<string[]>;
  declare readonly observed: pulumi.Output<{ releases: Record<string, string>; pending: string[]; pools: Record<string, string> }>;

  constructor(name: string, args: ClusterRolloutArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      clusterRolloutProvider,
      name,
      {
        product: args.product,
        platform: args.platform,
        target: args.target,
        memberNames: args.members.map((m) => m.name),
        members: pulumi.secret(args.members),
        balancer: pulumi.secret(args.balancer),
        backends: args.backends,
        allowOutage: args.allowOutage,
        drainSeconds: args.drainSeconds,
        versionCommand: args.versionCommand,
        fields: args.fields,
        rollout: undefined,
        observed: undefined,
      },
      { ...opts, additionalSecretOutputs: ["members", "balancer", ...(opts?.additionalSecretOutputs ?? [])] },
      "upchain",
      "ClusterRollout",
    );
  }
}
