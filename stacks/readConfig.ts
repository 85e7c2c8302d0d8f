// The stack configuration as the program receives it from Pulumi: every `upchain:*` key, each as
// text, and whether the stack holds it encrypted. All checks run before any is reported, and before
// any resource is declared (so before any SSH connection): one preview shows every mistake.
import * as fs from "fs";
import { isUpchainError } from "../providers/errors";
import {
  ClusterEntry,
  HostEntry,
  NOTHING_DECLARED,
  ROLLOUT_WITHOUT_SERVERS,
  ServerEntry,
  StackConfig,
  StackKey,
  checkStackConfig,
  configError,
  hostKeyFromKnownHosts,
  stackKeys,
} from "./config";
import type { GivenProblem } from "../providers/lookAhead/table";
import { ConfigIssue, configField, issueField } from "./issues";
import { serverEntryProblems } from "./serverEntry";
import { declaredSecrets, referencedSecrets } from "./secrets";
import { readServersFile } from "./serversFile";
import { unknownKeyMessage } from "./suggest";

const NAMESPACE = "upchain:";
// keys whose value is a list or a mapping (the SDK gives them as JSON text)
const STRUCTURED = new Set(["hosts", "servers", "clusters", "rollout", "promotion"]);

/** What the Pulumi SDK tells the program about its configuration (see stacks/index.ts). */
export interface ConfigSource {
  /** Every key the stack sets, as `pulumi.runtime.allConfig()` gives it: mappings and lists as JSON text. */
  values: Record<string, string>;
  /** Whether the stack holds the key's value (for a mapping or list: any part of it) encrypted. */
  isSecret(key: string): boolean;
}

// hostKeyFromFile: pinned from upchain:knownHostsFile (a problem with the key is that file's)
type Pinned<T> = T & { hostKey: string; hostKeyFromFile?: boolean };

export interface StackSettings {
  /** The plain configuration, every host's key pinned (from hostKey or the known_hosts file). */
  config: Omit<StackConfig, "hosts" | "servers" | "clusters"> & { hosts: Pinned<HostEntry>[]; servers: Pinned<ServerEntry>[]; clusters: PinnedCluster[] };
  /** The names in `upchain:secrets`. */
  secretNames: string[];
  /** Per server, in the order of config.servers: the secrets its options reference. */
  serverSecrets: string[][];
  /** Per cluster, in the order of config.clusters: the secrets its options and its members' options reference. */
  clusterSecrets: string[][];
}

type PinnedCluster = Omit<ClusterEntry, "balancer" | "members"> & {
  balancer: Pinned<ClusterEntry["balancer"]>;
  members: Pinned<ClusterEntry["members"][number]>[];
};

export function readStackConfig(source: ConfigSource, stackFile = "the stack file"): StackSettings {
  const given = withServersFile(source);
  const { settings, issues } = inspectStackConfig(given);
  if (issues.length || !settings) throw configError(issues, stackFile, given.serversFile);
  return settings;
}

/** The configuration with the servers' list where the checks read it, and what reading it found. */
interface GivenConfig {
  /** The stack's keys; with upchain:serversFile, upchain:servers holds the file's list. */
  source: ConfigSource;
  /** upchain:serversFile as the stack gives it, when the servers were read from it: their fields are named in it. */
  serversFile?: string;
  /** The file's own problems (unreadable, not a list, an encrypted value in it), or both keys set. */
  issues: ConfigIssue[];
  /** The file named could not be read: "declare at least one server" would be noise. */
  serversUnread: boolean;
}

const BOTH_KEYS =
  "upchain:servers and upchain:serversFile are both set: declare the servers in one place, " +
  "either move upchain:servers' entries into the file and remove the key, or remove upchain:serversFile";

/**
 * upchain:serversFile read in place of upchain:servers. Both at once are refused rather than merged:
 * one list has one order (the waves follow it) and one place where each server is named.
 */
function withServersFile(source: ConfigSource): GivenConfig {
  const key = NAMESPACE + "serversFile";
  const file = source.values[key];
  // a secret or empty value is the schema's and sortKeys' to refuse
  if (file === undefined || file === "" || source.isSecret(key)) return { source, issues: [], serversUnread: false };
  if (source.values[NAMESPACE + "servers"] !== undefined) return { source, issues: [{ path: ["serversFile"], message: BOTH_KEYS }], serversUnread: false };
  const read = readServersFile(file);
  if (!read.servers) return { source, issues: read.issues, serversUnread: true };
  return {
    source: { ...source, values: { ...source.values, [NAMESPACE + "servers"]: JSON.stringify(read.servers) } },
    serversFile: file,
    issues: read.issues,
    serversUnread: false,
  };
}

/** The configuration of a fleet: the servers whose entries are right, and the others' problems for the fleet's table. */
export interface FleetSettings {
  settings: StackSettings;
  /** Per server of settings.config.servers: its place in the stack file's upchain:servers. */
  positions: number[];
  /** The problems of the servers left out, each named as the stack file has it. */
  serverProblems: GivenProblem[];
  /** upchain:serversFile, when the servers were read from it: their fields are named in it. */
  serversFile?: string;
}

/**
 * Like readStackConfig, but a fleet whose only problems are in some servers' own entries is read
 * without those servers, and their problems are handed on: preview shows them in one table with what
 * the other servers' hosts reveal (providers/lookAhead). A problem of the stack as a whole, or of its
 * only server, is still one error with every problem in it.
 */
export function readFleetConfig(source: ConfigSource, stackFile = "the stack file"): FleetSettings {
  const given = withServersFile(source);
  const { serversFile } = given;
  const first = inspectStackConfig(given);
  const raw = serverEntries(given.source);
  if (first.settings && !first.issues.length) return { settings: first.settings, positions: raw.map((_, i) => i), serverProblems: [], serversFile };
  const fail = () => configError(first.issues, stackFile, serversFile);
  const broken = new Set(first.issues.map(serverOf));
  if (broken.has(undefined) || raw.length < 2) throw fail();
  const positions = raw.map((_, i) => i).filter((i) => !broken.has(i));
  // the file's own problems are about the servers left out (any other would have failed above)
  const rest = inspectStackConfig({
    ...given,
    issues: [],
    source: { ...given.source, values: { ...given.source.values, [NAMESPACE + "servers"]: JSON.stringify(positions.map((i) => raw[i])) } },
  });
  // leaving servers out must not make other problems (a wave or an override naming one of them)
  if (rest.issues.length || !rest.settings) throw fail();
  const unnamed = (i: number) => (serversFile === undefined ? `servers[${i}]` : configField(["servers", i], serversFile));
  const nameOf = (i: number) => (isMapping(raw[i]) && typeof raw[i].name === "string" && raw[i].name ? (raw[i].name as string) : unnamed(i));
  // in the stack file's order of servers, each server's problems together
  const ordered = [...first.issues].sort((a, b) => serverOf(a)! - serverOf(b)!);
  return {
    settings: rest.settings,
    positions,
    serverProblems: ordered.map((issue) => ({ server: nameOf(serverOf(issue)!), field: issueField(issue, serversFile), message: issue.message })),
    serversFile,
  };
}

/** The server (its place in upchain:servers) an issue is about; undefined for the stack's other keys. */
function serverOf(issue: ConfigIssue): number | undefined {
  return issue.path[0] === "servers" && typeof issue.path[1] === "number" ? issue.path[1] : undefined;
}

function serverEntries(source: ConfigSource): unknown[] {
  const text = source.values[NAMESPACE + "servers"];
  const list = text === undefined ? undefined : parsed(text);
  return Array.isArray(list) ? list : [];
}

/** Every check, none reported yet: the settings when the configuration can be read, and every problem. */
function inspectStackConfig(given: GivenConfig): { settings?: StackSettings; issues: ConfigIssue[] } {
  const { source, serversFile } = given;
  const { plain, secrets, refusedAsSecret, issues } = sortKeys(source);
  issues.unshift(...given.issues);
  if (
    source.values[NAMESPACE + "privateKeyPassphrase"] !== undefined &&
    !source.values[NAMESPACE + "privateKey"] &&
    !source.values[NAMESPACE + "privateKeyFile"]
  ) {
    issues.push({
      path: ["privateKeyPassphrase"],
      message: "a passphrase without a key: set upchain:privateKey (secret) or upchain:privateKeyFile to the encrypted key it opens",
    });
  }

  const checked = checkStackConfig(plain);
  // "declare at least one host or server" is noise when the servers were refused for holding a secret
  const listRefused = refusedAsSecret.has("hosts") || refusedAsSecret.has("servers") || refusedAsSecret.has("clusters");
  // and so is "declare the rollout's servers" when the file that lists them could not be read
  const serversUnread = given.serversUnread || refusedAsSecret.has("serversFile");
  const noise = (i: ConfigIssue) =>
    ((listRefused || serversUnread) && i.message === NOTHING_DECLARED) || (serversUnread && i.message === ROLLOUT_WITHOUT_SERVERS);
  issues.push(...checked.issues.filter((i) => !noise(i)));
  if (typeof plain.privateKeyFile === "string") issues.push(...unreadable(plain.privateKeyFile, "privateKeyFile"));

  const declared = declaredSecrets(secrets);
  issues.push(...declared.issues);
  const rawServers = Array.isArray(plain.servers) ? plain.servers : [];
  const serverSecrets = rawServers.map((s, i) => {
    const r = referencedSecrets(isMapping(s) ? s.options : undefined, ["servers", i, "options"], declared.names);
    issues.push(...r.issues);
    return r.names;
  });

  const rawClusters = Array.isArray(plain.clusters) ? plain.clusters : [];
  const clusterSecrets = rawClusters.map((c, i) => {
    const cluster = isMapping(c) ? c : {};
    const own = referencedSecrets(cluster.options, ["clusters", i, "options"], declared.names);
    const members = (Array.isArray(cluster.members) ? cluster.members : []).map((m, k) =>
      referencedSecrets(isMapping(m) ? m.options : undefined, ["clusters", i, "members", k, "options"], declared.names),
    );
    issues.push(...own.issues, ...members.flatMap((m) => m.issues));
    return [...new Set([...own.names, ...members.flatMap((m) => m.names)])];
  });

  rawServers.forEach((s, i) => issues.push(...serverEntryProblems(s, i, serversFile)));

  const pinned = checked.config ? pinHostKeys(checked.config, issues) : undefined;
  return { issues, settings: pinned && { config: pinned, secretNames: declared.names, serverSecrets, clusterSecrets } };
}

/** Each `upchain:*` key by kind: plain ones parsed, the secrets map reduced to its names, the rest refused. */
function sortKeys(source: ConfigSource) {
  const issues: ConfigIssue[] = [];
  const plain: Record<string, unknown> = {};
  let secrets: unknown;
  const refusedAsSecret = new Set<string>();
  for (const [fullKey, text] of Object.entries(source.values)) {
    if (!fullKey.startsWith(NAMESPACE)) continue;
    const key = fullKey.slice(NAMESPACE.length);
    if (!Object.hasOwn(stackKeys, key)) {
      issues.push({ path: [key], message: unknownKeyMessage(key, Object.keys(stackKeys)) });
      continue;
    }
    const secret = source.isSecret(fullKey);
    if (stackKeys[key as StackKey] === "plain") {
      if (secret) {
        // getObject would hand the decrypted value to the resources as plain inputs: plaintext state
        refusedAsSecret.add(key);
        issues.push({ path: [key], message: secretInPlainKey(key) });
        continue;
      }
      plain[key] = STRUCTURED.has(key) ? parsed(text) : text;
      continue;
    }
    if (!secret) issues.push({ path: [key], message: plainSecretKey(key) });
    // Only the names are needed here (to check references at preview, before any resource exists);
    // each value is blanked as it is parsed, so no message can ever carry one. The values reach the
    // resources through the secret config API only (index.ts).
    if (key === "secrets") {
      const blanked = parsed(text, (_k, v) => (typeof v === "object" && v !== null ? v : "[secret]"));
      secrets = typeof blanked === "string" ? "[secret]" : blanked; // not JSON: a bare value, itself secret
    }
  }
  return { plain, secrets, refusedAsSecret, issues };
}

/** Every host's key: its own hostKey, or the known_hosts file's line for it (a miss is an issue). */
function pinHostKeys(config: StackConfig, issues: ConfigIssue[]): StackSettings["config"] | undefined {
  const before = issues.length;
  const pin = <T extends { host: string; port?: number; hostKey?: string }>(
    list: "hosts" | "servers" | "clusters",
    h: T,
    i: number | (string | number)[],
  ): Pinned<T> => {
    if (h.hostKey) return { ...h, hostKey: h.hostKey };
    try {
      const found = hostKeyFromKnownHosts(config.knownHostsFile!, h.host, h.port);
      if (found) return { ...h, hostKey: found, hostKeyFromFile: true };
      issues.push({
        path: [list, ...(Array.isArray(i) ? i : [i]), "hostKey"],
        message: `${config.knownHostsFile} has no key for ${h.host}${h.port && h.port !== 22 ? ` port ${h.port}` : ""}; pin one with hostKey or add the host to the known_hosts file`,
      });
    } catch (e) {
      if (!isUpchainError(e)) throw e;
      if (!issues.some((x) => x.path[0] === "knownHostsFile"))
        issues.push({ path: ["knownHostsFile"], message: e.message.replace(/^upchain:knownHostsFile: /, "") });
    }
    return { ...h, hostKey: "" };
  };
  const hosts = config.hosts.map((h, i) => pin("hosts", h, i));
  const servers = config.servers.map((s, i) => pin("servers", s, i));
  const clusters = config.clusters.map((c, i) => ({
    ...c,
    balancer: pin("clusters", c.balancer, [i, "balancer"]),
    members: c.members.map((m, k) => pin("clusters", m, [i, "members", k])),
  }));
  return issues.length === before ? { ...config, hosts, servers, clusters } : undefined;
}

function secretInPlainKey(key: string): string {
  return (
    `holds a value set with --secret; upchain would pass it on decrypted, into the plain state. ` +
    `Move the value to upchain:secrets.<name> (pulumi config set --secret --path 'upchain:secrets.<name>' VALUE) ` +
    `and write $UPCHAIN_SECRET_<NAME> (the name in capitals) where it was` +
    (key === "servers" || key === "hosts" ? "" : `; upchain:${key} itself is not a secret`)
  );
}

function plainSecretKey(key: string): string {
  return key === "secrets"
    ? "is stored unencrypted in the stack file; set each value with pulumi config set --secret --path 'upchain:secrets.<name>' VALUE"
    : `is stored unencrypted in the stack file; set it with pulumi config set --secret upchain:${key}`;
}

/** Mappings and lists arrive as JSON text; anything else is a scalar the schema then refuses by its kind. */
function parsed(text: string, reviver?: (key: string, value: unknown) => unknown): unknown {
  try {
    return JSON.parse(text, reviver);
  } catch {
    return text;
  }
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function unreadable(file: string, key: string): ConfigIssue[] {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return [];
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    const why: Record<string, string> = { ENOENT: "no such file", EACCES: "permission denied", EISDIR: "it is a directory" };
    return [{ path: [key], message: `cannot read ${file}: ${why[code] ?? (e as Error).message}` }];
  }
}
