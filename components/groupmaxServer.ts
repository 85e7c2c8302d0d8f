// GroupmaxServer: the component users instantiate for a Groupmax master management server.
import * as pulumi from "@pulumi/pulumi";
import { GroupmaxOptions } from "../providers/catalogs/groupmax/options";
import { ConnectionArgs } from "../providers/connection";
import { InstalledVersionArgs, RunControlArgs, RunOutcome, Server, runControls, versionSources } from "../providers/server/resource";

/** No Groupmax document names a way to read the installed version: versionCommand or current says it (InstalledVersionArgs). */
export interface GroupmaxServerArgs extends RunControlArgs, InstalledVersionArgs {
  /** Like @pulumi/command's remote.ConnectionArgs (host, port, user, privateKey, password) plus the pinned host key
   * and privateKeyPassphrase for an encrypted key. Credentials are kept as secrets. */
  connection: ConnectionArgs;
  /** The Groupmax version this server should run, in VV-RR form: "06-00". */
  version: pulumi.Input<string>;
  platform?: pulumi.Input<"linux" | "windows">;
  /** The site's installer commands (required), uploads, paths, reboot command and deadline. */
  options?: Partial<GroupmaxOptions>;
  /**
   * Secret values the options refer to as environment variables: `{ UPCHAIN_SECRET_MAILADMINPASSWORD: pulumi.secret(...) }`
   * for an option like `printf '%s' "$UPCHAIN_SECRET_MAILADMINPASSWORD" | installer --password-stdin`. The value reaches
   * the steps on the host through a root-only file, never through the options, the plan or a command line.
   */
  secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class GroupmaxServer extends pulumi.ComponentResource {
  readonly installedVersion: pulumi.Output<string>;
  readonly plan: pulumi.Output<{ from: string; to: string; hops: string[]; steps: string[] }>;
  /** How its last run ended (a failure is kept here when onFailure is "record", as in a rollout wave). */
  readonly outcome: pulumi.Output<RunOutcome>;

  constructor(name: string, args: GroupmaxServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("upchain:groupmax:GroupmaxServer", name, {}, opts);
    const server = new Server(
      name,
      { product: "groupmax", platform: args.platform, target: args.version, options: args.options as Record<string, unknown>, ...runControls(args), ...versionSources(args), connection: args.connection, secretEnv: args.secretEnv, fields: { target: "version" } },
      { parent: this, dependsOn: opts?.dependsOn },
    );
    this.installedVersion = server.installedVersion;
    this.plan = server.plan;
    this.outcome = server.outcome;
    this.registerOutputs({ installedVersion: this.installedVersion, plan: this.plan, outcome: this.outcome });
  }
}
