// How the stack file names what a resource's check may refuse: its properties are the provider's own
// (`target`, `connection.privateKey`), the operator wrote `upchain:servers[2].version` and
// `upchain:privateKeyFile`. Handed to each resource as its fieldNames (providers/server/fields.ts).
import { moduleVersions } from "../providers/server/fields";
import { ConfigPath, configField } from "./issues";

/** Where a host's connection fields came from in the stack file. */
export interface ConnectionFieldFacts {
  /** The entry's own user key is set (else upchain:user applies). */
  ownUser: boolean;
  /** Its host key was pinned from upchain:knownHostsFile rather than its own hostKey. */
  hostKeyFromFile: boolean;
  /** The SSH key came from `pulumi config set --secret upchain:privateKey` rather than upchain:privateKeyFile. */
  privateKeyFromSecret: boolean;
}

export interface ServerFieldFacts extends ConnectionFieldFacts {
  /** The server's place in the stack file's upchain:servers (or in the file upchain:serversFile names). */
  position: number;
  /** upchain:serversFile, when the servers are listed there: the server's fields are named in that file. */
  serversFile?: string;
  product: string;
  /** How many modules an Altazion Office server lists (each module's version is its target in the options). */
  modules?: number;
}

/** The names of a connection (`prefix` and below) whose entry is at `entry` in the stack file. */
function connectionNames(prefix: string, entry: ConfigPath, f: ConnectionFieldFacts, serversFile?: string): Record<string, string> {
  const at = (key: string) => configField([...entry, key], serversFile);
  return {
    [prefix]: at("host"),
    [`${prefix}.host`]: at("host"),
    [`${prefix}.port`]: at("port"),
    [`${prefix}.user`]: f.ownUser ? at("user") : "upchain:user",
    [`${prefix}.hostKey`]: f.hostKeyFromFile ? "upchain:knownHostsFile" : at("hostKey"),
    [`${prefix}.privateKey`]: f.privateKeyFromSecret ? "upchain:privateKey" : "upchain:privateKeyFile",
    [`${prefix}.privateKeyPassphrase`]: "upchain:privateKeyPassphrase",
    [`${prefix}.password`]: "upchain:password",
  };
}

/** A HostFacts' names: an upchain:hosts entry is a connection only. */
export function hostFieldNames(position: number, f: ConnectionFieldFacts): Record<string, string> {
  return connectionNames("connection", ["hosts", position], f);
}

export interface ClusterFieldFacts {
  /** The cluster's place in the stack file's upchain:clusters. */
  position: number;
  balancer: ConnectionFieldFacts;
  /** In the stack file's order. */
  members: ConnectionFieldFacts[];
}

/** A WebCacheCluster's names, by its own arguments ("version", "members[1].connection.hostKey"): the component hands them on to its resources. */
export function clusterFieldNames(f: ClusterFieldFacts): Record<string, string> {
  const at = (...rest: (string | number)[]) => configField(["clusters", f.position, ...rest]);
  const own = ["version", "platform", "options", "lockTimeoutSeconds", "stepTimeouts", "drainSeconds", "allowOutage", "backends", "members", "balancer"];
  return {
    ...Object.fromEntries(own.map((k) => [k, at(k)])),
    ...connectionNames("balancer.connection", ["clusters", f.position, "balancer"], f.balancer),
    ...Object.assign(
      {},
      ...f.members.map((m, k) => ({
        [`members[${k}]`]: at("members", k),
        [`members[${k}].options`]: at("members", k, "options"),
        ...connectionNames(`members[${k}].connection`, ["clusters", f.position, "members", k], m),
      })),
    ),
    secretEnv: "upchain:secrets",
    promotion: "upchain:promotion",
  };
}

export function serverFieldNames(f: ServerFieldFacts): Record<string, string> {
  const at = (...rest: string[]) => configField(["servers", f.position, ...rest], f.serversFile);
  const own = ["product", "platform", "releases", "options", "lockTimeoutSeconds", "stepTimeouts", "clearRun", "versionCommand", "current"];
  return {
    ...Object.fromEntries(own.map((k) => [k, at(k)])),
    // an Altazion Office server's target is made of its modules, and so are its options' modules
    target: f.product === "altazion-office" ? at("modules") : at("version"),
    ...(f.product === "altazion-office"
      ? {
          "options.modules": at("modules"),
          ...moduleVersions(f.modules ?? 0, (i) => configField(["servers", f.position, "modules", i, "version"], f.serversFile)),
        }
      : {}),
    ...connectionNames("connection", ["servers", f.position], f, f.serversFile),
    hooks: at("hooks"),
    secretEnv: "upchain:secrets",
    promotion: "upchain:promotion",
  };
}
