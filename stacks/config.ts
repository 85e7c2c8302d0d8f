// The stack configuration (stacks/Pulumi.<env>.yaml), validated with zod before any resource is
// declared, so a mistake is reported at preview time with the field that holds it.
import * as fs from "fs";
import { z } from "zod";
import { UpchainError } from "../providers/errors";

const hostSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "use letters, digits, '.', '_' and '-' (it names the resource)"),
  host: z.string().min(1, "give the server's address or DNS name"),
  port: z.number().int().min(1).max(65535).optional(),
  user: z.string().min(1).optional(),
  /** Pinned host key; when absent it is looked up in knownHostsFile. */
  hostKey: z.string().optional(),
});

/** A managed server: a host plus the product it runs and the version it should reach. */
const serverSchema = hostSchema.extend({
  product: z.enum(["omflow", "groupmax"], { error: "supported products: omflow, groupmax" }),
  platform: z.enum(["linux", "windows"]).default("linux"),
  version: z.string().min(1, "give the version this server should run"),
  releases: z.array(z.string()).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  lockTimeoutSeconds: z.number().int().min(5).optional(),
});

export const stackConfigSchema = z
  .object({
    /** Hosts whose facts are read (no product managed). */
    hosts: z.array(hostSchema).default([]),
    servers: z.array(serverSchema).default([]),
    user: z.string().min(1).default("root"),
    /** A file holding the SSH private key; the program reads it and passes it on as a secret. */
    privateKeyFile: z.string().optional(),
    /** An OpenSSH known_hosts file to pin host keys from, for hosts without their own hostKey. */
    knownHostsFile: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.hosts.length + c.servers.length === 0) ctx.addIssue({ code: "custom", path: ["hosts"], message: "declare at least one host or server" });
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

/** Parse raw config values (as `pulumi.Config.getObject` returns them) or throw one clear error. */
export function parseStackConfig(raw: Record<string, unknown>, stackFile = "the stack file"): StackConfig {
  const r = stackConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  upchain:${i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "")}: ${i.message}`);
  throw new UpchainError("INVALID_INPUT", `${stackFile} has ${lines.length} problem(s):\n${lines.join("\n")}`, r.error.issues[0]?.path.map((p) => (typeof p === "number" ? p : String(p))) ?? []);
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
