// Server: one managed server of one product, at a desired version.
import * as pulumi from "@pulumi/pulumi";
import { ConnectionArgs, credentialFields, credentialInputs } from "../connection";
import type { LookAhead } from "../lookAhead/resource";
import type { PromotionGate } from "../engine/planning/promotion";
import { serverProvider } from "./provider";

/** How a run behaves on the server: how soon a dead run's lock is taken over, step deadlines, clearing a run by hand. */
export interface RunControlArgs {
  /** Seconds after its last heartbeat that a dead run's lock is taken over (default 120). */
  lockTimeoutSeconds?: pulumi.Input<number>;
  /** Seconds a step may run before it is stopped and its hop restored, by step id or by action ("run", "backup", "verify", "restore"). */
  stepTimeouts?: pulumi.Input<Record<string, pulumi.Input<number>>>;
  /**
   * The id of a run an error named, once you have dealt with the server by hand: a failed restore
   * (every run is refused until then) or an interrupted run to abandon. Remove it again afterwards.
   */
  clearRun?: pulumi.Input<string>;
  /**
   * What a failed run makes of the resource. "fail" (the default): the resource fails, and Pulumi
   * starts nothing that depends on it. "record": the failure (its hop restored as always) is kept in
   * `outcome` and the resource succeeds, so a rollout wave's gate (components/waves.ts) can weigh it
   * against the wave's failure budget; the gate, not the server, then stops the run.
   */
  onFailure?: pulumi.Input<"fail" | "record">;
  /** The rollout wave the server is in, from 0 (RolloutWaves sets it): `upchain report` marks the waves with it. */
  wave?: pulumi.Input<number>;
  /**
   * A LookAhead shared by a fleet's servers: preview looks at all their hosts side by side instead of
   * one after the other (Pulumi checks resources one at a time). Close it once all are declared.
   */
  lookAhead?: LookAhead;
  /**
   * The environment this stack is promoted from and the versions it runs successfully for this product
   * (read from that stack's `proven` output with a StackReference; see components/promotion.ts):
   * preview refuses a target it does not run yet, unless `override` gives the reason.
   */
  promotion?: pulumi.Input<PromotionGate>;
  /**
   * How your program calls the fields, when preview should name them your way: a Server property
   * (or the start of one: "options", "connection.privateKey") -> your name for it. The stack program
   * gives its keys ("upchain:servers[2].version"); a component's own argument names are the default.
   */
  fieldNames?: Record<string, string>;
}

/** The run controls of a component's args, as Server inputs. */
export function runControls(a: RunControlArgs): RunControlArgs {
  return {
    lockTimeoutSeconds: a.lockTimeoutSeconds,
    stepTimeouts: a.stepTimeouts,
    clearRun: a.clearRun,
    onFailure: a.onFailure,
    wave: a.wave,
    lookAhead: a.lookAhead,
    promotion: a.promotion,
    fieldNames: a.fieldNames,
  };
}

/**
 * How upchain knows the version a server runs, for a product whose documents name no way to read it
 * (OMFLOW, Groupmax): the site's command, else the version tracked since the last run, else `current`.
 */
export interface InstalledVersionArgs {
  /**
   * The site's read-only command that prints the installed version, run as root in the platform's
   * shell (sh; PowerShell on Windows). Its output must be the version alone; it is checked, never
   * shown. With it, each hop's verify also checks that it prints the hop's target.
   */
  versionCommand?: pulumi.Input<string>;
  /**
   * The version the server runs today, as you declare it: trusted on first adoption (preview says
   * so), then upchain tracks the version each run reaches. Not needed with versionCommand.
   */
  current?: pulumi.Input<string>;
}

/** The version sources of a component's args, as Server inputs. */
export const versionSources = (a: InstalledVersionArgs): InstalledVersionArgs => ({ versionCommand: a.versionCommand, current: a.current });

/** How the server's last run ended: "ok" (at its target), or "failed" with the error (onFailure "record"). */
export interface RunOutcome {
  status: "ok" | "failed";
  error?: string;
}

export interface ServerArgs extends RunControlArgs, InstalledVersionArgs {
  /** One of upchain's products (omflow, groupmax, oracle-as, altazion-office), or one of your own with catalogModule. */
  product: pulumi.Input<string>;
  /**
   * For a product of your own: a JavaScript module of your Pulumi program, relative to its project
   * folder (where Pulumi.yaml is; like "./catalogs/myProduct"), or an installed package's name, that
   * exports `catalog` (a Catalog). The provider process loads it, so it must be plain JavaScript
   * (compile a TypeScript catalog first).
   */
  catalogModule?: pulumi.Input<string>;
  platform?: pulumi.Input<"linux" | "windows">;
  /** The version the server should run; upchain walks the legal chain to it. */
  target: pulumi.Input<string>;
  /** Releases you have patches for; the catalog's list when absent. */
  releases?: pulumi.Input<pulumi.Input<string>[]>;
  options?: pulumi.Input<Record<string, unknown>>;
  journalName?: pulumi.Input<string>;
  connection: ConnectionArgs;
  /**
   * Secret values the steps read as environment variables (UPCHAIN_SECRET_<NAME> -> value), so an
   * option can say `printf '%s' "$UPCHAIN_SECRET_MAILADMINPASSWORD" | installer --password-stdin`
   * and the value itself is never in the options, the plan or a command line. Kept secret.
   */
  secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** A member of a cluster behind a load balancer (see components/webCacheCluster.ts). Kept secret: it holds the balancer's credentials. */
  pool?: pulumi.Input<MemberPoolArgs>;
  /** A component's names for the properties it fills (its `version` is the Server's `target`); fieldNames wins over them. */
  fields?: Record<string, string>;
}

/** Where a cluster member sits behind its load balancer. */
export interface MemberPoolArgs {
  /** The balancer's machine (an SSH connection) and its runtime API there (socket, or address host:port). */
  balancer: { connection: ConnectionArgs; socket?: string; address?: string };
  /** Every member's server name in the balancer, in rollout order. */
  members: string[];
  /** This server's name in the balancer. */
  member: string;
  /** The balancer's backend for each pool role (traffic, invalidation); the role's name when absent. */
  backends?: Record<string, string>;
  /** Seconds to wait for a drained member to finish what it serves (default 300). */
  drainSeconds?: number;
  /** The stop this Server takes the member to, the cluster rolling stop by stop (engine/planning/clusterMember.ts); the target when absent. */
  upTo?: string;
  /** The stop the member's Server before this one takes it to: preview shows this one's hops from there. */
  after?: string;
}

export class Server extends pulumi.dynamic.Resource {
  declare readonly installedVersion: pulumi.Output<string>;
  /** The chain preview showed; `installed` says when its start is the stack's or the state's word, not read on the host. */
  declare readonly plan: pulumi.Output<{ from: string; to: string; hops: string[]; steps: string[]; installed?: string }>;
  declare readonly outcome: pulumi.Output<RunOutcome>;

  constructor(name: string, args: ServerArgs, opts?: pulumi.CustomResourceOptions) {
    const { host, port, user, hostKey } = args.connection;
    const { lookAhead, fieldNames, ...controls } = runControls(args);
    const fields = { ...args.fields, ...fieldNames };
    const props = {
      product: args.product,
      catalogModule: args.catalogModule,
      platform: args.platform,
      target: args.target,
      releases: args.releases,
      options: args.options ?? {},
      journalName: args.journalName,
      versionCommand: args.versionCommand,
      current: args.current,
      // the provider is not told the URN: progress lines name the server by this
      resourceName: name,
      ...controls,
      fields: Object.keys(fields).length ? fields : undefined,
      connection: { host, port, user, hostKey },
      ...credentialInputs(args.connection),
      secretEnv: args.secretEnv === undefined ? undefined : pulumi.secret(args.secretEnv),
      pool: args.pool === undefined ? undefined : pulumi.secret(args.pool),
    };
    // Pulumi's SDK makes an Output for every key it is given, set or not, each with promises whose stack
    // traces it captures: at 500 servers that was most of the program's 33 s (docs/fleets.md). An input
    // left unset is left out; the state is the same, since the SDK stores no undefined input.
    const inputs = Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined));
    lookAhead?.add(inputs, name);
    // after the LookAhead, so that it is checked first (a dependsOn given as an Output is left as it is)
    const given = opts?.dependsOn;
    const dependsOn = !lookAhead
      ? given
      : Array.isArray(given)
        ? [lookAhead, ...given]
        : given === undefined
          ? [lookAhead]
          : pulumi.Resource.isInstance(given)
            ? [lookAhead, given]
            : given;
    super(
      serverProvider,
      name,
      { ...inputs, installedVersion: undefined, plan: undefined, outcome: undefined },
      { ...opts, dependsOn, additionalSecretOutputs: [...credentialFields, "secretEnv", "pool", ...(opts?.additionalSecretOutputs ?? [])] },
      "upchain",
      "Server",
    );
  }
}
