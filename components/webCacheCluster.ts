// WebCacheCluster: Oracle AS middle tiers in a Web Cache cluster behind a load balancer, upgraded one
// member at a time in the declared order. A ClusterRollout checks the whole cluster at preview (one
// source release, upgraded members first, every member in every pool) and reconciles the pools before
// anything runs; then each member is a Server of its own whose hops are wrapped in pool steps: out of
// the invalidation pool (the document's order, for a 9.0.2 source; the last member stays) and drained
// from traffic before its upgrade, back after its check; everyone back in the invalidation pool once
// the last member has stopped its 9.0.2 release. 9.0.3 and 9.0.4 clusters are drained from traffic only.
//
// The cluster rolls stop by stop: every member takes the chain's first stop (9.0.2.0 -> 9.0.2.3, the
// patch set) one at a time, then every member takes 10.1.2 in the document's order. Each stop is a
// Server per member (`<member>-<stop>`; the last stop keeps the member's own name), chained in that
// order. 004's Web Cache section says to upgrade "one member at a time" (「キャッシュ・クラスタ・メンバー
// を一度に1つずつアップグレードします」) and gives its four-member example from members all on 9.0.2.x
// (「リリース2(9.0.2.x)で実行される4つのメンバー」), the patch set being what 004 applies to every 9.0.2
// middle tier before 10.1.2 is installed (「10g リリース2(10.1.2)をインストールする前に、…最新パッチ・
// セットを適用します」). Stop by stop keeps both: still one member at a time, and the document's
// invalidation-pool order runs from a cluster all on 9.0.2.3. Member by member through the whole chain
// would leave the last member stopped for its patch set while the 10.1.2 members may take no
// invalidations (004: a 9.0.2 cache cannot take them from 10.1.2 caches): no live member would serve them.
import * as pulumi from "@pulumi/pulumi";
import { oracleAs } from "../providers/catalogs/oracleAs";
import { OracleAsOptions } from "../providers/catalogs/oracleAs/optionTypes";
import { rolloutStops } from "../providers/engine/planning/clusterMember";
import { ClusterMemberArgs, ClusterRollout } from "../providers/cluster/resource";
import { ConnectionArgs } from "../providers/connection";
import { RunControlArgs, Server, runControls } from "../providers/server/resource";
import { FieldNames, fieldsFor } from "../providers/server/fields";

export interface WebCacheClusterArgs extends RunControlArgs {
  /** The release every member should run: "10.1.2". A plain string: the stops on the way are resources of their own. */
  version: string;
  platform?: pulumi.Input<"linux" | "windows">;
  /** The load balancer's machine and its HAProxy runtime API there (socket, default /run/haproxy/admin.sock, or address host:port). */
  balancer: { connection: ConnectionArgs; socket?: string; address?: string };
  /** The balancer's backends: traffic (requests) and invalidation (Web Cache invalidations); these names by default. */
  backends?: { traffic?: string; invalidation?: string };
  /** The members in rollout order, each by its server name in the balancer's backends. */
  members: (ClusterMemberArgs & { options?: Partial<OracleAsOptions> })[];
  /** Options every member shares (installers, homes, ...); a member's own options win. */
  options?: Partial<OracleAsOptions>;
  secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Seconds to wait for a drained member to finish what it serves (default 300). */
  drainSeconds?: number;
  /** Accept that a one-member cluster serves nothing while it is upgraded. */
  allowOutage?: boolean;
  /** The site's read-only command printing a member's installed release, run on each member (004 names no way to read it). */
  versionCommand?: string;
  // fieldNames (RunControlArgs) names this component's arguments here: "version", "members[1].connection.hostKey", "balancer.connection"
}

/** The ClusterRollout's field names: which of the component's arguments fills each property, as the caller calls it. */
export function rolloutFields(members: number, names: FieldNames | undefined): FieldNames {
  const each = Object.fromEntries(Array.from({ length: members }, (_, k) => [`members.${k}`, `members[${k}]`]));
  return fieldsFor(
    {
      target: "version",
      platform: "platform",
      members: "members",
      ...each,
      balancer: "balancer",
      backends: "backends",
      allowOutage: "allowOutage",
      drainSeconds: "drainSeconds",
    },
    names,
  );
}

/** Member k's Server's field names: which of the component's arguments fills each property, as the caller calls it. */
export function memberFields(k: number, names: FieldNames | undefined): FieldNames {
  const own = ["platform", "lockTimeoutSeconds", "stepTimeouts", "clearRun", "secretEnv", "promotion"];
  return fieldsFor(
    {
      target: "version",
      ...Object.fromEntries(own.map((a) => [a, a])),
      connection: `members[${k}].connection`,
      options: `members[${k}].options`,
      "pool.balancer": "balancer",
    },
    names,
  );
}

export class WebCacheCluster extends pulumi.ComponentResource {
  readonly rollout: pulumi.Output<string[]>;
  readonly installedVersions: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: WebCacheClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("upchain:oracle-as:WebCacheCluster", name, {}, opts);
    const names = args.members.map((m) => m.name);
    const backends = { traffic: args.backends?.traffic ?? "traffic", invalidation: args.backends?.invalidation ?? "invalidation" };
    const optionsOf = (m: (typeof args.members)[number]) => ({ ...args.options, ...m.options, webCacheMember: true });
    const rollout = new ClusterRollout(
      `${name}-rollout`,
      {
        product: "oracle-as",
        platform: args.platform,
        target: args.version,
        members: args.members.map((m) => ({ name: m.name, connection: m.connection, options: optionsOf(m) })),
        balancer: args.balancer,
        backends,
        allowOutage: args.allowOutage,
        drainSeconds: args.drainSeconds,
        versionCommand: args.versionCommand,
        fields: rolloutFields(args.members.length, args.fieldNames),
      },
      { parent: this },
    );
    let previous: pulumi.Resource = rollout;
    const versions: Record<string, pulumi.Output<string>> = {};
    // stop by stop: every member to the first stop, one at a time, then every member to the next
    const stops = rolloutStops(oracleAs, oracleAs.defaultReleases, args.version);
    for (const [i, stop] of stops.entries()) {
      const last = i === stops.length - 1;
      // one stop: the member's whole chain, as before any stop was on the way
      const stage = stops.length > 1 ? { upTo: stop, ...(i > 0 ? { after: stops[i - 1] } : {}) } : {};
      for (const [k, m] of args.members.entries()) {
        const server: Server = new Server(
          last ? m.name : `${m.name}-${stop}`,
          {
            product: "oracle-as",
            platform: args.platform,
            target: args.version,
            options: optionsOf(m) as Record<string, unknown>,
            ...runControls(args),
            connection: m.connection,
            versionCommand: args.versionCommand,
            secretEnv: args.secretEnv,
            pool: { balancer: args.balancer, members: names, member: m.name, backends, drainSeconds: args.drainSeconds, ...stage },
            // the component's names, as the caller calls them; not the caller's fieldNames as they are
            fieldNames: undefined,
            fields: memberFields(k, args.fieldNames),
          },
          // one member at a time, in the declared order, after the cluster's own checks
          { parent: this, dependsOn: [previous] },
        );
        if (last) versions[m.name] = server.installedVersion;
        previous = server;
      }
    }
    this.rollout = rollout.rollout;
    this.installedVersions = pulumi.output(versions);
    this.registerOutputs({ rollout: this.rollout, installedVersions: this.installedVersions });
  }
}
