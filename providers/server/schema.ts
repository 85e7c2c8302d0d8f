// The Server's properties: what Pulumi hands each entry of the provider (`unknown` until it is parsed
// here, once per entry) and what the provider hands back.
import { z } from "zod";
import { productNames } from "../catalogs";
import { hasVisibleText, VISIBLE_REASON } from "../engine/planning/promotion";
import { RUN_ID } from "../engine/running/journal";
import { ConnectionInput, connectionOf, connectionSchema, toCheckFailures } from "../connectionSchema";
import { SHORTEST_SECRET, SHORT_SECRET_RULE, UpchainError } from "../errors";
import { runtimeApiSchema } from "../loadBalancer/config";
import { suggestKey } from "../options/keys";
import { forTerminal } from "../terminalBoundary";
import { propertiesOf } from "../properties";
import { CheckFailure } from "./fields";

const memberName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "a server name as the balancer has it: letters, digits, '_', '.', ':' and '-'");

const poolSchema = z
  .object({
    balancer: runtimeApiSchema,
    members: z.array(memberName).min(1),
    member: memberName,
    /** The balancer's backend for each pool role of the product (traffic, invalidation, ...); the role's name when absent. */
    backends: z.record(z.string(), memberName).default({}),
    drainSeconds: z.number().int().min(1).max(86_400).default(300),
    /** The stop this Server takes the member to, the cluster rolling stop by stop (engine/planning/clusterMember.ts); the target when absent. */
    upTo: z.string().min(1).optional(),
    /** The stop the member's Server before this one takes it to: preview shows this one's hops from there. */
    after: z.string().min(1).optional(),
  })
  .strict()
  .refine((p) => p.members.includes(p.member), { message: "member must be one of members" });

// zod reports a record key that fails its schema as "Invalid key in record": say the rule instead
const STEP_KEY = /^[a-z0-9-]+$/;
const STEP_KEY_RULE =
  'is not a step id or action: give a step id as preview lists it (like backup or run-patch) or an action (run, backup, verify, restore): lowercase letters, digits and "-"';
const SECRET_VARIABLE = /^UPCHAIN_SECRET_[A-Z0-9_]+$/;
const SECRET_VARIABLE_RULE = 'is not a secret\'s variable: UPCHAIN_SECRET_ and then capitals, digits and "_", like UPCHAIN_SECRET_MAILADMINPASSWORD';
// Output is masked by searching it for each secret (errors.ts maskSecrets), which a string of one to
// three characters cannot be: it would mangle ordinary output ("pw" in "pwd"), so it is not masked
// at all, and would show in clear. It is refused instead of shown; such a secret is guessed anyway.
const keyError = (rule: string) => (iss: { code?: string }) => (iss.code === "invalid_key" ? rule : undefined);

export const serverSchema = z.object({
  product: z.string().refine((p) => productNames().includes(p), {
    error: (iss) => {
      const near = typeof iss.input === "string" ? suggestKey(iss.input, productNames()) : undefined;
      return `${near ? `did you mean "${near}"? ` : ""}must be one of: ${productNames().join(", ")}, or a product of your own with its catalogModule`;
    },
  }),
  /** A product of the user's own: their program's catalog module (catalogs/own.ts). */
  catalogModule: z.string().optional(),
  platform: z.enum(["linux", "windows"]).default("linux"),
  target: z.string().min(1, "give the version this server should run"),
  releases: z.array(z.string()).optional(),
  options: z.record(z.string(), z.unknown()).default({}),
  /** The site's read-only command that prints the installed version, for a product whose documents name no way to read it. */
  versionCommand: z
    .string()
    .min(1, "give the site's read-only command that prints the installed version, or leave versionCommand out")
    .regex(/^[^\0]*$/, "a command has no NUL character")
    .optional(),
  /** The version the server runs today, as the stack declares it: trusted on first adoption, then the state tracks it. */
  current: z.string().min(1, "give the version the server runs today, or leave current out").optional(),
  /** Names the journal and lock on the host; one per product installation. */
  journalName: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'names the journal and lock files on the host: lowercase letters, digits and "-", like omflow or omflow-2')
    .optional(),
  /** How long a run's lock outlives its last heartbeat, i.e. how soon a killed run's lock is taken over. */
  lockTimeoutSeconds: z.number().int().min(5).max(86_400).default(120),
  /** Seconds a step may run, by step id or action ("run", "backup", "verify", "restore"). */
  stepTimeouts: z
    .record(
      z.string().regex(STEP_KEY),
      z
        .number()
        .int()
        .min(1)
        .max(7 * 86_400),
      { error: keyError(STEP_KEY_RULE) },
    )
    .default({}),
  /** A run the operator has dealt with by hand: a failed restore to clear, or an interrupted run to abandon. */
  clearRun: z.string().regex(RUN_ID, "the run id the error named, like 20261123T101500-a1b2c3").optional(),
  /** Secret values the steps read as environment variables (from a root-only file on the host, never a command line). */
  secretEnv: z
    .record(z.string().regex(SECRET_VARIABLE), z.string().min(SHORTEST_SECRET, SHORT_SECRET_RULE), { error: keyError(SECRET_VARIABLE_RULE) })
    .default({}),
  /** A member of a cluster behind a load balancer: its pools are set around each hop (engine/planning/clusterMember.ts). */
  pool: poolSchema.optional(),
  /** "record": a failed run is kept in the outcome output for a wave's gate, instead of failing the resource. */
  onFailure: z.enum(["fail", "record"]).default("fail"),
  /** How the declaring code calls these properties (see fields.ts): check's failures name the user's fields. */
  fields: z.record(z.string(), z.string()).optional(),
  /** The resource's name in the stack (the Server passes it): progress lines are named by it. */
  resourceName: z.string().max(400).optional(),
  /** The rollout wave the server is in (from 0), kept in the state for `upchain report`. */
  wave: z.number().int().min(0).optional(),
  /** The environment this one is promoted from, and what it runs (engine/planning/promotion.ts). */
  promotion: z
    .strictObject({
      from: z.string().min(1),
      proven: z.array(z.string()),
      server: z.string().optional(),
      override: z.string().refine(hasVisibleText, `say why the target goes without the previous environment, ${VISIBLE_REASON}`).optional(),
    })
    .optional(),
});

export type ServerInputs = z.infer<typeof serverSchema>;

/** A Server's properties as one entry of the provider takes them, parsed once. */
export interface ServerGiven {
  server: ServerInputs;
  connection: ConnectionInput;
  /** Everything Pulumi passed, for what goes back as it came (the provider's own reference, the preview's plan). */
  raw: Record<string, unknown>;
  /** The target alias check resolved against what the host offers (`latest` -> 4): up must find the same (planFromHost.ts). */
  resolvedTarget?: string;
}

/**
 * The properties parsed; or every problem with them at once (the connection's named under
 * `connection`), with the server's own fields when only the connection is wrong: preview checks
 * those further without a host.
 */
export function parseServer(
  raw: unknown,
): { given: ServerGiven; failures?: undefined } | { given?: undefined; server?: ServerInputs; failures: CheckFailure[] } {
  const conn = connectionSchema.safeParse(connectionOf(raw));
  const srv = serverSchema.safeParse(raw);
  if (!conn.success)
    return {
      failures: [...toCheckFailures(conn.error, ["connection"]), ...(srv.success ? [] : toCheckFailures(srv.error))],
      ...(srv.success ? { server: srv.data } : {}),
    };
  if (!srv.success) return { failures: toCheckFailures(srv.error) };
  const props = propertiesOf(raw);
  const resolvedTarget = typeof props.resolvedTarget === "string" ? props.resolvedTarget : undefined;
  return { given: { server: srv.data, connection: conn.data, raw: props, ...(resolvedTarget === undefined ? {} : { resolvedTarget }) } };
}

/**
 * For create, update and read, whose properties check (or a run) has passed already: any problem
 * left is refused, all at once, as Pulumi prints a failure (terminalBoundary.ts).
 */
export function givenServer(raw: unknown): ServerGiven {
  const r = parseServer(raw);
  if (r.failures)
    throw forTerminal(new UpchainError("INVALID_INPUT", r.failures.map((f) => `${f.property}: ${f.reason}`).join("\n"), [r.failures[0]?.property ?? ""]));
  return r.given;
}

/** The version the state holds from the server's last run or refresh (the old outputs), when it holds one. */
export const priorVersion = (olds: unknown): string | undefined => {
  const v = propertiesOf(olds).installedVersion;
  return typeof v === "string" ? v : undefined;
};

/** How the run went: "failed" only for a server whose failures are recorded for its wave's gate (onFailure "record"), or a stopped run. */
export type RunOutcome = { status: "ok" } | { status: "failed"; error: string };

type Credentials = Pick<ConnectionInput, "privateKey" | "privateKeyPassphrase" | "password">;

/** A Server's outputs: its inputs as parsed, the connection and its credentials apart (each can be a secret), and the run's result. */
export type ServerOutputs = ServerInputs &
  Credentials & {
    connection: Omit<ConnectionInput, keyof Credentials>;
    /** Preview's summary of the chain (planSummary.ts), as the state keeps it. */
    plan: unknown;
    installedVersion: string;
    outcome: RunOutcome;
  };

export function serverOutputs(given: ServerGiven, run: { plan: unknown; installedVersion: string; outcome: RunOutcome }): ServerOutputs {
  const { privateKey, privateKeyPassphrase, password, ...connection } = given.connection;
  // an absent credential is left out, not undefined: protobuf structs cannot carry undefined
  const credentials = Object.fromEntries(Object.entries({ privateKey, privateKeyPassphrase, password }).filter(([, v]) => v !== undefined)) as Credentials;
  return { ...given.server, ...run, connection, ...credentials };
}

export const serverId = (outs: ServerOutputs) => `${outs.product}@${outs.connection.host}:${outs.connection.port}`;

/**
 * What diff compares, old and new: either may be a state an older upchain wrote, so nothing here is
 * refused; a property that is not what it should be is compared as it is, or as absent.
 */
const comparedSchema = z.object({
  product: z.unknown().optional(),
  catalogModule: z.unknown().optional(),
  target: z.unknown().optional(),
  resolvedTarget: z.unknown().optional(),
  installedVersion: z.unknown().optional(),
  failedRestore: z.unknown().optional(),
  clearRun: z.unknown().optional(),
  connection: z.record(z.string(), z.unknown()).catch({}),
  privateKey: z.unknown().optional(),
  password: z.unknown().optional(),
  options: z.unknown().optional(),
  pool: z.object({ upTo: z.unknown() }).catch({ upTo: undefined }),
});

export type Compared = z.infer<typeof comparedSchema>;
export const comparedOf = (props: unknown): Compared => comparedSchema.parse(propertiesOf(props));
