// OracleAsServer: the component users instantiate for an Oracle Application Server middle tier.
import * as pulumi from "@pulumi/pulumi";
import { OracleAsOptions } from "../providers/catalogs/oracleAs/options";
import { ConnectionArgs } from "../providers/connection";
import { InstalledVersionArgs, RunControlArgs, RunOutcome, Server, runControls, versionSources } from "../providers/server/resource";

/** 004 names no file or command that tells the installed release: versionCommand or current says it (InstalledVersionArgs). */
export interface OracleAsServerArgs extends RunControlArgs, InstalledVersionArgs {
  /** Like @pulumi/command's remote.ConnectionArgs plus the pinned host key; credentials are kept as secrets. */
  connection: ConnectionArgs;
  /** The release this middle tier should run: "10.1.2" (or "9.0.2.3" to stop after the patch set). */
  version: pulumi.Input<string>;
  platform?: pulumi.Input<"linux" | "windows">;
  /** The homes, the site's installers, the ias_admin password's secret reference, and the optional steps. */
  options?: Partial<OracleAsOptions>;
  /** Secret values the options refer to (`{ UPCHAIN_SECRET_IAS_ADMIN: pulumi.secret(...) }`); see GroupmaxServerArgs. */
  secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class OracleAsServer extends pulumi.ComponentResource {
  readonly installedVersion: pulumi.Output<string>;
  readonly plan: pulumi.Output<{ from: string; to: string; hops: string[]; steps: string[] }>;
  /** How its last run ended (a failure is kept here when onFailure is "record", as in a rollout wave). */
  readonly outcome: pulumi.Output<RunOutcome>;

  constructor(name: string, args: OracleAsServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("upchain:oracle-as:OracleAsServer", name, {}, opts);
    const server = new Server(
      name,
      { product: "oracle-as", platform: args.platform, target: args.version, options: args.options as Record<string, unknown>, ...runControls(args), ...versionSources(args), connection: args.connection, secretEnv: args.secretEnv, fields: { target: "version" } },
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.installedVersion = server.installedVersion;
    this.plan = server.plan;
    this.outcome = server.outcome;
    this.registerOutputs({ installedVersion: this.installedVersion, plan: this.plan, outcome: this.outcome });
  }
}
