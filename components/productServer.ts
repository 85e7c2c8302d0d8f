// ProductServer: what every product's server component is: a component resource holding one Server
// of its product, with the same outputs. The per-product components (OmflowServer, GroupmaxServer,
// OracleAsServer, AltazionServer) are thin classes over it: their public names, type tokens (a new
// token would make Pulumi replace every server) and option types stay.
import * as pulumi from "@pulumi/pulumi";
import { ConnectionArgs } from "../providers/connection";
import { InstalledVersionArgs, RunControlArgs, RunOutcome, Server, ServerArgs, runControls, versionSources } from "../providers/server/resource";

/** What every product's server takes; `Options` is the product's options type. */
export interface ProductServerArgs<Options> extends RunControlArgs, InstalledVersionArgs {
  /** Like @pulumi/command's remote.ConnectionArgs (host, port, user, privateKey, password) plus the pinned host key
   * and privateKeyPassphrase for an encrypted key. Credentials are kept as secrets. */
  connection: ConnectionArgs;
  platform?: pulumi.Input<"linux" | "windows">;
  options?: Partial<Options>;
  /**
   * Secret values the options refer to as environment variables: `{ UPCHAIN_SECRET_MAILADMINPASSWORD: pulumi.secret(...) }`
   * for an option like `printf '%s' "$UPCHAIN_SECRET_MAILADMINPASSWORD" | installer --password-stdin`. The value reaches
   * the steps on the host through a root-only file, never through the options, the plan or a command line.
   */
  secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** How a product's component fills its Server: the product, the target, and what differs from the args. */
export interface ProductServerSpec {
  product: string;
  target: pulumi.Input<string>;
  /** The Server's options, when the component builds them (the args' options otherwise). */
  options?: Record<string, unknown>;
  releases?: ServerArgs["releases"];
  /** The component's names for the Server's properties ("version" fills "target"). */
  fields: Record<string, string>;
  /** Resources of the component's own the Server comes after (in place of the component's dependsOn). */
  before?: (parent: pulumi.ComponentResource) => pulumi.Resource | undefined;
}

export class ProductServer<Options> extends pulumi.ComponentResource {
  readonly installedVersion: pulumi.Output<string>;
  readonly plan: pulumi.Output<{ from: string; to: string; hops: string[]; steps: string[] }>;
  /** How its last run ended (a failure is kept here when onFailure is "record", as in a rollout wave). */
  readonly outcome: pulumi.Output<RunOutcome>;

  protected constructor(type: string, name: string, args: ProductServerArgs<Options>, spec: ProductServerSpec, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    const first = spec.before?.(this);
    const server = new Server(
      name,
      {
        product: spec.product,
        platform: args.platform,
        target: spec.target,
        ...(spec.releases !== undefined ? { releases: spec.releases } : {}),
        options: spec.options ?? (args.options as Record<string, unknown>),
        ...runControls(args),
        ...versionSources(args),
        connection: args.connection,
        secretEnv: args.secretEnv,
        fields: spec.fields,
      },
      { parent: this, dependsOn: first ? [first] : opts?.dependsOn },
    );
    this.installedVersion = server.installedVersion;
    this.plan = server.plan;
    this.outcome = server.outcome;
    this.registerOutputs({ installedVersion: this.installedVersion, plan: this.plan, outcome: this.outcome });
  }
}
