// The stack configuration (stacks/Pulumi.<env>.yaml), validated with zod before any resource is
// declared, so a mistake is reported at preview time with the field that holds it. The schemas are
// strict: a key the program would not read is refused with the near name, not silently dropped.
import * as fs from "fs";
import { z } from "zod";
import { UpchainError } from "../providers/errors";
import { ConfigIssue, ConfigPath, configField } from "./issues";
import { unknownKeyMessage } from "./suggest";

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
  product: z.enum(["omflow", "groupmax"], { error: "supported products: omflow, groupmax" }),
  platform: z.enum(["linux", "windows"], { error: "platforms: linux, windows" }).default("linux"),
  version: z.string().min(1, "give the version this server should run"),
  releases: z.array(z.string()).optional(),
  // Each product checks its own option keys (in the provider); here only that options is a mapping.
  options: z.record(z.string(), z.unknown(), { error: "must be a mapping of the product's options (key: value)" }).optional(),
  lockTimeoutSeconds: z.number().int().min(5).optional(),
  /** Seconds a step may run, by step id or action (run, backup, verify, restore). */
  stepTimeouts: z.record(z.string().regex(/^[a-z0-9-]+$/, "a step id or action (run, backup, verify, restore)"), z.number().int().min(1).max(7 * 86_400)).optional(),
  /** The run id an error named, to clear a failed restore or abandon an interrupted run after checking the host by hand. */
  clearRun: z.string().regex(/^\d{8}T\d{6}-[0-9a-f]{6}$/, "the run id the error named, like 20261123T101500-a1b2c3").optional(),
};

/** Every `upchain:*` key the program reads; those marked secret must be set with `--secret`. */
export const stackKeys = {
  hosts: "plain",
  servers: "plain",
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
const legalKeys: Record<"top" | "hosts" | "servers", readonly string[]> = {
  top: Object.keys(stackKeys),
  hosts: Object.keys(hostShape),
  servers: Object.keys(serverShape),
};

export const NOTHING_DECLARED = "declare at least one host or server";

export const stackConfigSchema = z
  .strictObject({
    /** Hosts whose facts are read (no product managed). */
    hosts: z.array(z.strictObject(hostShape)).default([]),
    servers: z.array(z.strictObject(serverShape)).default([]),
    user: z.string().min(1).regex(NO_BLANKS, "a user name has no spaces or control characters").default("root"),
    /** A file holding the SSH private key; the program reads it and passes it on as a secret. */
    privateKeyFile: z.string().min(1).optional(),
    /** An OpenSSH known_hosts file to pin host keys from, for hosts without their own hostKey. */
    knownHostsFile: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.hosts.length + c.servers.length === 0) ctx.addIssue({ code: "custom", path: ["hosts"], message: NOTHING_DECLARED });
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
      });
    }
  });

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type HostEntry = StackConfig["hosts"][number];
export type ServerEntry = StackConfig["servers"][number];

/** The plain (non-secret) part of the configuration, checked: the parsed value or every problem found. */
export function checkStackConfig(raw: Record<string, unknown>): { config?: StackConfig; issues: ConfigIssue[] } {
  const r = stackConfigSchema.safeParse(raw, { error: typeMessage });
  if (r.success) return { config: r.data, issues: [] };
  return { issues: r.error.issues.flatMap(toConfigIssues) };
}

/** Parse raw config values (as `pulumi.Config.getObject` returns them) or throw one clear error. */
export function parseStackConfig(raw: Record<string, unknown>, stackFile = "the stack file"): StackConfig {
  const { config, issues } = checkStackConfig(raw);
  if (config) return config;
  throw configError(issues, stackFile);
}

/** One error listing every problem, each as `upchain:<field>: <what to fix>`. */
export function configError(issues: readonly ConfigIssue[], stackFile: string): UpchainError {
  const lines = issues.map((i) => `  ${configField(i.path)}: ${i.message}`);
  return new UpchainError("INVALID_INPUT", `${stackFile} has ${lines.length} problem(s):\n${lines.join("\n")}`, [...(issues[0]?.path ?? [])]);
}

function toConfigIssues(issue: z.core.$ZodIssue): ConfigIssue[] {
  const path: ConfigPath = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
  if (issue.code !== "unrecognized_keys") return [{ path, message: issue.message }];
  const legal = path.length === 0 ? legalKeys.top : legalKeys[path[0] === "hosts" ? "hosts" : "servers"];
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
  const kinds: Record<string, string> = { string: "text", number: "a number", int: "a whole number", boolean: "true or false", array: "a list", object: "a mapping", record: "a mapping" };
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
    throw new UpchainError("HOST_KEY_UNKNOWN", `upchain:knownHostsFile: cannot read ${file}: ${(e as Error).message}`, ["knownHostsFile"]);
  }
  for (const line of text.split("\n")) {
    const [names, type, key] = line.trim().split(/\s+/);
    if (!names || names.startsWith("#") || !type || !key) continue;
    if (names.split(",").includes(want)) return `${type} ${key}`;
  }
  return undefined;
}
