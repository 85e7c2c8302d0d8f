// The Pulumi program: reads stacks/Pulumi.<stack>.yaml and declares one resource per host.
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { AltazionServer } from "../components/altazionServer";
import { GroupmaxServer } from "../components/groupmaxServer";
import { OmflowServer } from "../components/omflowServer";
import { OracleAsServer } from "../components/oracleAsServer";
import { Promotion, ProvenServer, provenOutput } from "../components/promotion";
import { RolloutWaves } from "../components/rolloutWaves";
import { WebCacheCluster } from "../components/webCacheCluster";
import type { WaveSize } from "../providers/engine/planning/waves";
import { HostFacts } from "../providers/hostFacts/resource";
import { LookAhead } from "../providers/lookAhead/resource";
import { HostEntry } from "./config";
import { isUpchainError } from "../providers/errors";
import { clusterFieldNames, hostFieldNames, serverFieldNames } from "./fieldNames";
import { FleetSettings, readFleetConfig } from "./readConfig";
import { secretEnvOf } from "./secrets";

// isConfigSecret is exported by the SDK at run time but left out of its typings (marked internal);
// it is the only way the program learns that a key was set with --secret.
const sdkConfig = require("@pulumi/pulumi/runtime/config") as { allConfig(): Record<string, string>; isConfigSecret(key: string): boolean };

const cfg = new pulumi.Config("upchain");
const stackFile = `stacks/Pulumi.${pulumi.getStack()}.yaml`;
const fleet = readConfigOrStop();
const { config: settings, serverSecrets, clusterSecrets } = fleet.settings;

/**
 * The stack's configuration, or the program stops with its problems as one message: a RunError is
 * printed as its message alone (no stack trace, no colour codes from Node), and the run fails.
 */
function readConfigOrStop(): FleetSettings {
  try {
    return readFleetConfig({ values: sdkConfig.allConfig(), isSecret: (k) => sdkConfig.isConfigSecret(k) }, stackFile);
  } catch (e) {
    if (isUpchainError(e)) throw new pulumi.RunError(`${e.code}: ${e.message}`);
    throw e;
  }
}

// A key given with `pulumi config set --secret upchain:privateKey` wins over privateKeyFile.
const privateKey: pulumi.Output<string> | undefined =
  cfg.getSecret("privateKey") ?? (settings.privateKeyFile ? pulumi.secret(fs.readFileSync(settings.privateKeyFile, "utf8")) : undefined);
const privateKeyPassphrase = cfg.getSecret("privateKeyPassphrase");
const password = cfg.getSecret("password");
// The values stay inside this secret Output; only the names were read in plain (by readFleetConfig).
const secrets = cfg.getSecretObject<Record<string, unknown>>("secrets");

// how the SSH key was given: names the key's field in a refusal
const privateKeyFromSecret = "upchain:privateKey" in sdkConfig.allConfig();
const connectionFacts = (h: { user?: string; hostKeyFromFile?: boolean }) => ({
  ownUser: h.user !== undefined,
  hostKeyFromFile: h.hostKeyFromFile === true,
  privateKeyFromSecret,
});

function connectionFor(h: Pick<HostEntry, "host" | "port" | "user"> & { hostKey: string }) {
  return { host: h.host, port: h.port, user: h.user ?? settings.user, privateKey, privateKeyPassphrase, password, hostKey: h.hostKey };
}

export const hosts: Record<string, pulumi.Output<unknown>> = {};
settings.hosts.forEach((h, i) => {
  const facts = new HostFacts(h.name, { connection: connectionFor(h), fieldNames: hostFieldNames(i, connectionFacts(h)) });
  hosts[h.name] = pulumi.all([facts.hostname, facts.osPrettyName]).apply(([hostname, os]) => ({ hostname, os }));
});

// With upchain:promotion, each server's target must already run in the stack it is promoted from.
const promotion = settings.promotion ? new Promotion({ from: settings.promotion.from, overrides: settings.promotion.overrides }) : undefined;
// What this stack runs successfully, for the stack promoted from it (its `proven` output).
const provenServers: ProvenServer[] = [];

export const servers: Record<string, pulumi.Output<string>> = {};
// With more than one server, preview looks at their hosts side by side (providers/lookAhead), and
// shows every server's problems in one table: those of the servers' entries left out here too.
const lookAhead = settings.servers.length + fleet.serverProblems.length > 1 ? new LookAhead("look-ahead", undefined, fleet.serverProblems) : undefined;
function declareServer(i: number, wave?: { onFailure: "record"; wave: number }, opts?: pulumi.ComponentResourceOptions) {
  const s = settings.servers[i];
  const names = serverSecrets[i];
  // only the secrets this server's options name: another server's credentials never reach its host
  const secretEnv = names.length && secrets ? pulumi.secret(secrets.apply((all) => secretEnvOf(all, names))) : undefined;
  const fieldNames = serverFieldNames({
    position: fleet.positions[i],
    serversFile: fleet.serversFile,
    product: s.product,
    ...connectionFacts(s),
    modules: s.modules?.length,
  });
  const common = {
    fieldNames,
    connection: connectionFor(s),
    platform: s.platform,
    options: s.options,
    lockTimeoutSeconds: s.lockTimeoutSeconds,
    stepTimeouts: s.stepTimeouts,
    clearRun: s.clearRun,
    secretEnv,
    onFailure: wave?.onFailure,
    wave: wave?.wave,
    lookAhead,
    promotion: promotion?.gate(s.product, s.name),
  };
  const server =
    s.product === "altazion-office"
      ? new AltazionServer(s.name, { ...common, versionCommand: s.versionCommand, current: s.current, modules: s.modules ?? [], hooks: s.hooks }, opts)
      : s.product === "oracle-as"
        ? new OracleAsServer(s.name, { ...common, versionCommand: s.versionCommand, current: s.current, version: s.version! }, opts)
        : // no document names their version source: the stack's versionCommand or current says it
          new { groupmax: GroupmaxServer, omflow: OmflowServer }[s.product](
            s.name,
            { ...common, versionCommand: s.versionCommand, current: s.current, version: s.version!, releases: s.releases },
            opts,
          );
  servers[s.name] = server.installedVersion;
  provenServers.push({ name: s.name, product: s.product, installedVersion: server.installedVersion, outcome: server.outcome });
  return server;
}

// With upchain:rollout the servers go in waves (each wave waits for the previous one's gate);
// without it they all run side by side and any failure stops the run.
const wavePlan = settings.rollout
  ? new RolloutWaves("fleet", {
      servers: settings.servers.map((s) => s.name),
      waves: settings.rollout.waves as WaveSize[],
      maxFailPercentage: settings.rollout.maxFailPercentage,
      declare: (name, wave, opts) =>
        declareServer(
          settings.servers.findIndex((s) => s.name === name),
          wave,
          opts,
        ),
    }).plan
  : undefined;
// the `waves` output only with upchain:rollout: Pulumi warns about an output left undefined
if (wavePlan) module.exports.waves = wavePlan;
if (!settings.rollout) settings.servers.forEach((_, i) => declareServer(i));
lookAhead?.close();

export const clusters: Record<string, pulumi.Output<unknown>> = {};
settings.clusters.forEach((c, i) => {
  const names = clusterSecrets[i];
  const cluster = new WebCacheCluster(c.name, {
    version: c.version,
    platform: c.platform,
    balancer: { connection: connectionFor(c.balancer), socket: c.balancer.socket, address: c.balancer.address },
    backends: c.backends,
    members: c.members.map((m) => ({ name: m.name, connection: connectionFor(m), options: m.options })),
    options: c.options,
    lockTimeoutSeconds: c.lockTimeoutSeconds,
    stepTimeouts: c.stepTimeouts,
    drainSeconds: c.drainSeconds,
    allowOutage: c.allowOutage,
    versionCommand: c.versionCommand,
    promotion: promotion?.gate(c.product, c.name),
    secretEnv: names.length && secrets ? pulumi.secret(secrets.apply((all) => secretEnvOf(all, names))) : undefined,
    fieldNames: clusterFieldNames({ position: i, balancer: connectionFacts(c.balancer), members: c.members.map(connectionFacts) }),
  });
  clusters[c.name] = pulumi.all([cluster.rollout, cluster.installedVersions]).apply(([rollout, installed]) => ({ rollout, installed }));
  c.members.forEach((m) => provenServers.push({ name: m.name, product: c.product, installedVersion: cluster.installedVersions.apply((v) => v[m.name]) }));
});

export const proven = provenOutput(provenServers);
