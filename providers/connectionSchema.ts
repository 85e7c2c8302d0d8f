// The connection fields every upchain resource takes (connection.ts), validated with zod: what the
// schema accepts is that Connection with its port and user defaulted (a compile-time test holds them equal).
import { credentialFields } from "./connection";
import { SHORTEST_SECRET, SHORT_SECRET_RULE } from "./errors";
import { z } from "zod";
import { keyscanHostProblem, parseHostKeyPin } from "./transport/hostKey";
import { privateKeyProblem } from "./transport/privateKey";
import { propertiesOf } from "./properties";

/** What Pulumi passes for a value not known yet during preview (its runtime's `unknownValue`). */
const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The pin as given, for its refusal: a host key is public, but a private key pasted by mistake is not shown. */
function shownPin(v: unknown): string {
  const text = String(v);
  if (/PRIVATE KEY/.test(text)) return "a private key";
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

export const connectionSchema = z
  .object({
    host: z.string().min(1, "give the server's address or DNS name"),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1).default("root"),
    privateKey: z.string().optional(),
    // masked in every output like any secret, so at least SHORTEST_SECRET characters
    privateKeyPassphrase: z.string().min(SHORTEST_SECRET, SHORT_SECRET_RULE).optional(),
    password: z.string().min(SHORTEST_SECRET, SHORT_SECRET_RULE).optional(),
    hostKey: z.string({ error: "pin the host's key: the line `ssh-keyscan -t ed25519 HOST` prints, or its SHA256 fingerprint" }).refine(
      (v) => {
        try {
          parseHostKeyPin(v);
          return true;
        } catch {
          return false;
        }
      },
      {
        error: (iss) =>
          `${shownPin(iss.input)} is not an OpenSSH public key ("ssh-ed25519 AAAA...", or the whole line ssh-keyscan prints) nor a fingerprint ("SHA256:..."): paste the line \`ssh-keyscan -t ed25519 HOST\` prints`,
      },
    ),
  })
  .refine((c) => c.privateKey !== undefined || c.password !== undefined, {
    message: "give privateKey (preferred) or password",
    path: ["privateKey"],
  })
  .superRefine((c, ctx) => {
    // a pasted ssh-keyscan line names the host it was scanned from: another host's key must not be pinned here
    const otherHost = c.host === unknownValue || c.hostKey === unknownValue ? undefined : keyscanHostProblem(c.hostKey, c.host, c.port);
    if (otherHost) ctx.addIssue({ code: "custom", path: ["hostKey"], message: otherHost });
    if (c.privateKeyPassphrase !== undefined && c.privateKey === undefined) {
      ctx.addIssue({ code: "custom", path: ["privateKeyPassphrase"], message: "is only used with privateKey, which is not given" });
      return;
    }
    // the key is read at preview, so a key that cannot be used is named before any connection
    if (c.privateKey === undefined || c.privateKey === unknownValue || c.privateKeyPassphrase === unknownValue) return;
    const problem = privateKeyProblem(c.privateKey, c.privateKeyPassphrase);
    if (problem) ctx.addIssue({ code: "custom", path: [problem.field], message: problem.message });
  });

export type ConnectionInput = z.infer<typeof connectionSchema>;

/** zod issues as Pulumi check failures: one per field, named by its dotted path. */
export function toCheckFailures(error: z.ZodError, prefix: string[] = []): { property: string; reason: string }[] {
  return error.issues.map((i) => ({
    property: [...prefix, ...i.path.map(String)].join("."),
    reason: i.message,
  }));
}

/** Resources pass credentials beside the connection (so each can be a secret on its own). */
export function connectionOf(inputs: unknown): unknown {
  const props = propertiesOf(inputs);
  if (props.connection === undefined) return undefined;
  // spread as it came: the schema then says what is wrong with it
  const out: Record<string, unknown> = { ...(props.connection as Record<string, unknown>) };
  for (const k of credentialFields) out[k] = props[k] ?? undefined;
  return out;
}

/** Split validated connection fields back into a connection and credentials, leaving out absent
 * credentials (protobuf structs cannot carry undefined). */
export function withConnection(base: Record<string, unknown>, c: ConnectionInput): Record<string, unknown> {
  const { privateKey, privateKeyPassphrase, password, ...connection } = c;
  const credentials: Record<string, string | undefined> = { privateKey, privateKeyPassphrase, password };
  const out: Record<string, unknown> = { ...base, connection };
  for (const k of credentialFields) {
    delete out[k];
    if (credentials[k] !== undefined) out[k] = credentials[k];
  }
  return out;
}
