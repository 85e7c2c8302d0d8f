// The stack configuration (stacks/Pulumi.<env>.yaml), validated with zod before any resource is
// declared, so a mistake is reported at preview time with the field that holds it. The schemas are
// strict: a key the program would not read is refused with the near name, not silently dropped.
import * as fs from "fs";
import { z } from "zod";
import { hookPath } from "../components/altazionServer";
import { projectDir } from "../providers/projectDir";
import { sizeProblem } from "../providers/engine/planning/waves";
import { VISIBLE_REASON, hasVisibleText } from "../providers/engine/planning/promotion";
import { UpchainError } from "../providers/errors";
import { keyscanHostProblem } from "../providers/transport/hostKey";
import { ConfigIssue, ConfigPath, issueField } from "./issues";
import { nearestKey, unknownKeyMessage } from "./suggest";

const PRODUCTS = ["omflow", "groupmax", "oracle-as", "altazion-office"] as const;

/** A product name that is not one: the near one when the name looks misspelt, and always the list. */
export function productMessage(input: unknown): string {
  const list = `supported products: ${PRODUCTS.join(", ")}`;
  if (input === undefined) return `missing; ${list}`;
  if (typeof input !== "string") return list;
  // "oracle" for oracle-as: a product named by its first word is more than two edits away
  const near = nearestKey(input, PRODUCTS) ?? (input.length >= 3 ? PRODUCTS.find((p) => p.startsWith(input.toLowerCase())) : undefined);
  return `${JSON.stringify(input)} is not a product; ${near ? `did you mean ${JSON.stringify(near)}? ` : ""}${list}`;
}

const NO_BLANKS = /^[^\s\x00-\x1f\x7f]*$/;

const hostShape = {
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "use letters, digits, '.', '_' and '-' (it names the resource)"),
  host: z.string().min(1, "give the server's address or DNS name").regex(NO_BLANKS, "an address or DNS name has no spaces or control characters"),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).regex(NO_BLANKS, "a user name has no spaces or control characters").optional(),
  /** Pinned host key; when absent it is looked up in knownHostsFile. */
  hostKey: z.string().optional(),
};

/** A managed server: a host plus the product it runs and the version it should reach. */
const serverShape = {
  ...hostShape,
  product: z.enum(PRODUCTS, { error: (iss) => productMessage(iss.input) }),
  platform: z.enum(["linux", "windows"], { error: "platforms: linux, windows" }).default("linux"),
  /** The version the server should run (an Altazion Office server gives its modules' instead). */
  version: z.string().min(1, "give the version this server should run").optional(),
  /** Altazion Office: the modules the server hosts, in update order, each at a version or "latest". */
  modules: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        version: z.string().min(1, 'give the version this module should run, or "latest"'),
        folder: z.string().min(1, "give the folder the module is installed in"),
        pools: z.array(z.string().min(1)).optional(),
      }),
    )
    .min(1, "give the modules this server hosts")
    .optional(),
  /** Altazion Office: the phase hook files (paths in the stack's repository), placed in the update service's scripts folder. */
  hooks: z.array(z.string().min(1)).optional(),
  releases: z.array(z.string()).optional(),
  /**
   * For a product whose documents name no way to read the installed version (omflow, groupmax): the
   * site's read-only command that prints it, run as root in the platform's shell.
   */
  versionCommand: z.string().min(1, "give the site's read-only command that prints the installed version, or leave the key out").optional(),
  /** For the same products: the version the server runs today, trusted on first adoption and then tracked. */
  current: z.string().min(1, "give the version the server runs today, or leave the key out").optional(),
  // Each product checks its own option keys (in the provider); here only that options is a mapping.
  options: z.record(z.string(), z.unknown(), { error: "must be a mapping of the product's options (key: value)" }).optional(),
  lockTimeoutSeconds: z.number().int().min(5).optional(),
  /** Seconds a step may run, by step id or action (run, backup, verify, restore). */
  // zod reports a key that fails its schema as "Invalid key in record": the error says the rule instead
  stepTimeouts: z
    .record(
      z.string().regex(/^[a-z0-9-]+$/),
      z
        .number()
        .int()
        .min(1)
        .max(7 * 86_400),
      {
        error: (iss) =>
          iss.code === "invalid_key"
            ? 'is not a step id or action: give a step id as preview lists it (like backup or run-patch) or an action (run, backup, verify, restore): lowercase letters, digits and "-"'
            : undefined,
      },
    )
    .optional(),
  /** The run id an error named, to clear a failed restore or abandon an interrupted run after checking the host by hand. */
  clearRun: z
    .string()
    .regex(/^\d{8}T\d{6}-[0-9a-f]{6}$/, "the run id the error named, like 20261123T101500-a1b2c3")
    .optional(),
};

const memberName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/,
    "a server name as the load balancer has it: letters, digits, '_', '.', ':' and '-' (it also names the resource)",
  );

/** A cluster behind a load balancer, rolled member by member (the product must have a cluster rollout). */
const clusterShape = {
  name: hostShape.name,
  product: z.enum(["oracle-as"], { error: "products with a cluster rollout: oracle-as" }),
  platform: serverShape.platform,
  version: z.string().min(1, "give the version the cluster's members should run"),
  /** The load balancer's machine (SSH) and its HAProxy runtime API there. */
  balancer: z.strictObject({
    host: hostShape.host,
    port: hostShape.port,
    user: hostShape.user,
    hostKey: hostShape.hostKey,
    socket: z.string().startsWith("/", "the admin socket's absolute path, like /run/haproxy/admin.sock").optional(),
    address: z
      .string()
      .regex(/^[A-Za-z0-9.:[\]-]+:\d{1,5}$/, "host:port as the balancer's machine reaches its runtime API")
      .optional(),
  }),
  /** The balancer's backend names for the pools (traffic, invalidation). */
  backends: z.strictObject({ traffic: memberName.optional(), invalidation: memberName.optional() }).optional(),
  /** In rollout order; each name is the server's name in the balancer's backends. */
  members: z.array(z.strictObject({ ...hostShape, name: memberName, options: serverShape.options })).min(1, "a cluster has at least one member"),
  /** Options every member shares; a member's own options win. */
  options: serverShape.options,
  lockTimeoutSeconds: serverShape.lockTimeoutSeconds,
  stepTimeouts: serverShape.stepTimeouts,
  drainSeconds: z.number().int().min(1).max(86_400).optional(),
  allowOutage: z.boolean().optional(),
  /** The site's read-only command that prints a member's installed release (004 names none); run on every member. */
  versionCommand: serverShape.versionCommand,
};

/** The servers upgraded in waves with a failure budget (components/rolloutWaves.ts), in their declared order. */
const rolloutShape = {
  /** Wave sizes in order, each a number of servers or "N%" of them; the last repeats: [1, "25%"] is a canary, then quarters. */
  waves: z
    .array(z.union([z.number(), z.string()]))
    .min(1, 'give the wave sizes, like [1, "25%"]: a canary of one, then a quarter of the servers at a time')
    .superRefine((sizes, ctx) =>
      sizes.forEach((v, i) => {
        const problem = sizeProblem(v);
        if (problem) ctx.addIssue({ code: "custom", path: [i], message: problem });
      }),
    ),
  /** The share (percent) of a wave's servers that may fail with the next wave still starting (default 0: none). */
  maxFailPercentage: z.number().min(0, "a percentage from 0 to 100").max(100, "a percentage from 0 to 100").optional(),
};

/** The environment this stack is promoted from (components/promotion.ts): prod from staging. */
const promotionShape = {
  /** The stack, as StackReference names it: "staging" (same project and backend) or "organization/upchain/staging". */
  from: z.string().regex(/^[A-Za-z0-9_.\/-]+$/, "a stack name, like staging or organization/upchain/staging"),
  /** Emergencies only: a server (or cluster) name and why it may go to its target first. Shown by every preview. */
  overrides: z
    .record(z.string(), z.string().trim().refine(hasVisibleText, `say why this server goes first, ${VISIBLE_REASON}: the reason is shown by every preview`))
    .optional(),
};

/** Every `upchain:*` key the program reads; those marked secret must be set with `--secret`. */
export const stackKeys = {
  hosts: "plain",
  servers: "plain",
  serversFile: "plain",
  clusters: "plain",
  rollout: "plain",
  promotion: "plain",
  user: "plain",
  privateKeyFile: "plain",
  knownHostsFile: "plain",
  privateKey: "secret",
  privateKeyPassphrase: "secret",
  password: "secret",
  secrets: "secret",
} as const;

export type StackKey = keyof typeof stackKeys;

/** The keys legal in each kind of mapping, for "did you mean" on a key that is not. */
const legalKeys: Record<"top" | "hosts" | "servers" | "clusters" | "rollout" | "promotion", readonly string[]> = {
  top: Object.keys(stackKeys),
  hosts: Object.keys(hostShape),
  servers: Object.keys(serverShape),
  clusters: Object.keys(clusterShape),
  rollout: Object.keys(rolloutShape),
  promotion: Object.keys(promotionShape),
};

export const NOTHING_DECLARED = "declare at least one host, server or cluster";
export const ROLLOUT_WITHOUT_SERVERS = "rollout waves are made of servers: declare them in upchain:servers (a cluster rolls member by member on its own)";

export const stackConfigSchema = z
  .strictObject({
    /** Hosts whose facts are read (no product managed). */
    hosts: z.array(z.strictObject(hostShape)).default([]),
    servers: z.array(z.strictObject(serverShape)).default([]),
    /** A YAML or JSON file holding the servers' list instead of upchain:servers (stacks/serversFile.ts). */
    serversFile: z.string().min(1, "give the path of the file that lists the servers, like fleet/servers.yaml").optional(),
    clusters: z.array(z.strictObject(clusterShape)).default([]),
    rollout: z.strictObject(rolloutShape).optional(),
    promotion: z.strictObject(promotionShape).optional(),
    user: z.string().min(1).regex(NO_BLANKS, "a user name has no spaces or control characters").default("root"),
    /** A file holding the SSH private key; the program reads it and passes it on as a secret. */
    privateKeyFile: z.string().min(1).optional(),
    /** An OpenSSH known_hosts file to pin host keys from, for hosts without their own hostKey. */
    knownHostsFile: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.hosts.length + c.servers.length + c.clusters.length === 0) ctx.addIssue({ code: "custom", path: ["hosts"], message: NOTHING_DECLARED });
    if (c.rollout && !c.servers.length) ctx.addIssue({ code: "custom", path: ["rollout"], message: ROLLOUT_WITHOUT_SERVERS });
    const seen = new Set<string>();
    for (const list of ["hosts", "servers"] as const) {
      c[list].forEach((h, i) => {
        if (seen.has(h.name)) ctx.addIssue({ code: "custom", path: [list, i, "name"], message: `"${h.name}" is declared twice` });
        seen.add(h.name);
        if (!h.hostKey && !c.knownHostsFile) {
          ctx.addIssue({
            code: "custom",
            path: [list, i, "hostKey"],
            message: "pin the host key: set hostKey (the line `ssh-keyscan -t ed25519 HOST` prints) or upchain:knownHostsFile",
          });
        }
        checkHostKey(h, [list, i], ctx);
      });
    }
    c.servers.forEach((sv, i) => {
      const altazion = sv.product === "altazion-office";
      if (altazion && !sv.modules)
        ctx.addIssue({
          code: "custom",
          path: ["servers", i, "modules"],
          message: "an Altazion Office server lists the modules it hosts: - { name: ecommerce, version: latest, folder: ... }",
        });
      if (altazion && sv.version !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["servers", i, "version"],
          message: "an Altazion Office server has no version of its own: give each module's in modules",
        });
      if (!altazion && sv.version === undefined) ctx.addIssue({ code: "custom", path: ["servers", i, "version"], message: "missing; this key is required" });
      if (!altazion)
        for (const k of ["modules", "hooks"] as const)
          if (sv[k] !== undefined) ctx.addIssue({ code: "custom", path: ["servers", i, k], message: `only an Altazion Office server has ${k}` });
      (sv.hooks ?? []).forEach((f, k) => {
        if (!fs.existsSync(hookPath(f)))
          ctx.addIssue({
            code: "custom",
            path: ["servers", i, "hooks", k],
            message: `the hook file ${f} does not exist (paths are relative to the project's folder, ${projectDir()})`,
          });
      });
    });
    const named = [...c.servers.map((sv) => sv.name), ...c.clusters.map((cl) => cl.name)];
    for (const name of Object.keys(c.promotion?.overrides ?? {})) {
      if (!named.includes(name))
        ctx.addIssue({
          code: "custom",
          path: ["promotion", "overrides", name],
          message: `no server or cluster is named ${name}: the names are ${named.join(", ") || "(none declared)"}`,
        });
    }
    const pinHint = "pin the host key: set hostKey (the line `ssh-keyscan -t ed25519 HOST` prints) or upchain:knownHostsFile";
    c.clusters.forEach((cl, i) => {
      for (const n of [cl.name, ...cl.members.map((m) => m.name)]) {
        if (seen.has(n))
          ctx.addIssue({ code: "custom", path: ["clusters", i, "name"], message: `"${n}" is declared twice (cluster and member names name resources)` });
        seen.add(n);
      }
      checkHostKey(cl.balancer, ["clusters", i, "balancer"], ctx);
      cl.members.forEach((m, k) => checkHostKey(m, ["clusters", i, "members", k], ctx));
      if (cl.balancer.socket && cl.balancer.address)
        ctx.addIssue({ code: "custom", path: ["clusters", i, "balancer", "address"], message: "give socket or address, not both" });
      if (!c.knownHostsFile) {
        if (!cl.balancer.hostKey) ctx.addIssue({ code: "custom", path: ["clusters", i, "balancer", "hostKey"], message: pinHint });
        cl.members.forEach((m, k) => {
          if (!m.hostKey) ctx.addIssue({ code: "custom", path: ["clusters", i, "members", k, "hostKey"], message: pinHint });
        });
      }
    });
  });

/**
 * A pasted ssh-keyscan line names the host it was scanned from: another host's or port's line would
 * pin another machine's key. (Whether the key itself is one is checked with the connection, at preview.)
 */
function checkHostKey(h: { host: string; port?: number; hostKey?: string }, at: (string | number)[], ctx: z.RefinementCtx): void {
  if (h.hostKey === undefined) return;
  const problem = keyscanHostProblem(h.hostKey, h.host, h.port ?? 22);
  if (problem) ctx.addIssue({ code: "custom", path: [...at, "hostKey"], message: problem });
}

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type HostEntry = StackConfig["hosts"][number];
export type ServerEntry = StackConfig["servers"][number];
export type ClusterEntry = StackConfig["clusters"][number];

/** The plain (non-secret) part of the configuration, checked: the parsed value or every problem found. */
export function checkStackConfig(raw: Record<string, unknown>): { config?: StackConfig; issues: ConfigIssue[] } {
  const r = stackConfigSchema.safeParse(raw, { error: typeMessage });
  if (r.success) return { config: r.data, issues: [] };
  return { issues: withoutEchoes(r.error.issues.flatMap(toConfigIssues)) };
}

/**
 * "prodcut: did you mean product?" says all there is: the same key reported missing beside it is
 * the same mistake, named twice.
 */
function withoutEchoes(issues: ConfigIssue[]): ConfigIssue[] {
  const meant = new Set(
    issues.flatMap((i) => {
      const near = /did you mean "([^"]+)"\?/.exec(i.message);
      return near ? [JSON.stringify([...i.path.slice(0, -1), near[1]])] : [];
    }),
  );
  return issues.filter((i) => !(i.message.startsWith("missing") && meant.has(JSON.stringify(i.path))));
}

/** Parse raw config values (as `pulumi.Config.getObject` returns them) or throw one clear error. */
export function parseStackConfig(raw: Record<string, unknown>, stackFile = "the stack file"): StackConfig {
  const { config, issues } = checkStackConfig(raw);
  if (config) return config;
  throw configError(issues, stackFile);
}

/**
 * One error listing every problem, each as `upchain:<field>: <what to fix>`; with `serversFile`
 * (upchain:serversFile), a server's as `<file>: [i].<field>: <what to fix>`.
 */
export function configError(issues: readonly ConfigIssue[], stackFile: string, serversFile?: string): UpchainError {
  const lines = issues.map((i) => `  ${issueField(i, serversFile)}: ${i.message}`);
  const where =
    serversFile !== undefined && issues.some((i) => i.path[0] === "servers") ? `${stackFile} and its servers file ${serversFile} have` : `${stackFile} has`;
  return new UpchainError("INVALID_INPUT", `${where} ${lines.length} problem(s):\n${lines.join("\n")}`, [...(issues[0]?.path ?? [])]);
}

function toConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path: ConfigPath = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  if (issue.code !== "unrecognized_keys") return [{ path, message: issue.message }];
  const section = path[0] as keyof typeof legalKeys | undefined;
  const legal = section === undefined ? legalKeys.top : (legalKeys[section] ?? legalKeys.servers);
  return issue.keys.map((k) => ({ path: [...path, k], message: unknownKeyMessage(k, legal) }));
}

// zod's own wording ("Invalid input: expected number, received string") reads as a program's
// error; the operator wrote YAML, so say what YAML value was expected and what was found instead.
function typeMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== "invalid_type") return undefined;
  if (issue.input === undefined) return "missing; this key is required";
  return `expected ${yamlKind(String(issue.expected))}, found ${yamlKindOf(issue.input)}`;
}

function yamlKind(expected: string): string {
  const kinds: Record<string, string> = {
    string: "text",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    array: "a list",
    object: "a mapping",
    record: "a mapping",
  };
  return kinds[expected] ?? expected;
}

function yamlKindOf(value: unknown): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return yamlKind(typeof value);
}

/** Find the pinned key for host[:port] in an OpenSSH known_hosts file (plain, not hashed, entries). */
export function hostKeyFromKnownHosts(file: string, host: string, port = 22): string | undefined {
  const want = port === 22 ? host : `[${host}]:${port}`;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new UpchainError("HOST_KEY_UNKNOWN", `upchain:knownHostsFile: cannot read ${file}: ${(e as Error).message}`, ["knownHostsFile"], { cause: e });
  }
  for (const line of text.split("\n")) {
    const [names, type, key] = line.trim().split(/\s+/);
    if (!names || names.startsWith("#") || !type || !key) continue;
    if (names.split(",").includes(want)) return `${type} ${key}`;
  }
  return undefined;
}
