// The Server provider: one managed server of one product at a desired version. check plans the
// whole chain (probing the installed version read-only) so preview shows every hop and step;
// create/update run it; read reports the installed version; delete forgets the server.
import { forTerminal, printableCheck } from "../terminalBoundary";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { getCatalog, productNames } from "../catalogs";
import { loadCatalogModule } from "../catalogs/own";
import { VISIBLE_REASON, hasVisibleText, promotionProblem } from "../engine/promotion";
import { displayLine, flushDisplay } from "../engineLog";
import { connectionOf, connectionSchema, toCheckFailures, withConnection } from "../connectionSchema";
import { Catalog, PlanContext, Platform } from "../engine/catalog";
import { VersionSources, currentProblems, platformShell, trustingNote, versionReached } from "../engine/installedVersion";
import { readOnHost } from "../engine/readOnHost";
import { findInstalled, versionReadAtEnd, writeTracked } from "./installed";
export { probeInstalled } from "./installed";
import { DEFAULT_STATE_DIR, executePlan, restorePending } from "../engine/executor";
import { Journal, RUN_ID, journalPath, readJournal } from "../engine/journal";
import { runRecord, writeRunRecord } from "../engine/runRecord";
import { Plan, PlanRequest, assertPlanInputs, hopLabel, planInputProblems, planUpgrade, replanInterrupted } from "../engine/planner";
import { UpchainError, checkFailure, isUpchainError, SHORTEST_SECRET, SHORT_SECRET_RULE } from "../errors";
import { hostCheckProblems, precheckPlan } from "../engine/precheck";
import { hostChecksFor } from "../engine/powershellVersion";
import { ReconnectingHost } from "../transport/reconnectingHost";
import { connectSsh, withSsh } from "../transport/ssh";
import { countServer } from "../transport/fileLimit";
import { sharedConnections, withSharedSsh } from "../transport/sharedConnections";
import { suggestKey } from "../options/keys";
import { FieldNames, fieldNamesOf, inUserTerms, userField } from "./fields";
export { fieldNamesOf } from "./fields";
import { takeLook } from "./lookAhead";
import { targetProblems } from "./target";
export { targetProblems } from "./target";
import { Resumed, planAfterRun, planSummary, resumedPlan } from "./planSummary";
import { oneLine, progressPrefix } from "../engine/progress";
import { Connection, RemoteHost } from "../transport/remoteHost";
import { MemberStage, clusterMember, stageRequest } from "../engine/clusterMember";
import { Pools } from "../loadBalancer/pools";
import { haproxyPools, runtimeApiSchema } from "../loadBalancer/config";
import { guardProviderProcess } from "../providerProcess";
import { operatorStop } from "../engine/stopSignal";
import { LockHolder, readLockHolder, lockPreviewNote } from "../engine/lock";

// in Pulumi's provider process: hear Ctrl-C, and exit when the engine dies (providerProcess.ts)
guardProviderProcess();

const memberName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "a server name as the balancer has it: letters, digits, '_', '.', ':' and '-'");

const poolSchema = z
  .object({
    balancer: runtimeApiSchema,
    members: z.array(memberName).min(1),
    member: memberName,
    /** The balancer's backend for each pool role of the product (traffic, invalidation, ...); the role's name when absent. */
    backends: z.record(z.string(), memberName).default({}),
    drainSeconds: z.number().int().min(1).max(86_400).default(300),
    /** The stop this Server takes the member to, the cluster rolling stop by stop (engine/clusterMember.ts); the target when absent. */
    upTo: z.string().min(1).optional(),
    /** The stop the member's Server before this one takes it to: preview shows this one's hops from there. */
    after: z.string().min(1).optional(),
  })
  .strict()
  .refine((p) => p.members.includes(p.member), { message: "member must be one of members" });

// zod reports a record key that fails its schema as "Invalid key in record": say the rule instead
const STEP_KEY = /^[a-z0-9-]+$/;
const STEP_KEY_RULE = 'is not a step id or action: give a step id as preview lists it (like backup or run-patch) or an action (run, backup, verify, restore): lowercase letters, digits and "-"';
const SECRET_VARIABLE = /^UPCHAIN_SECRET_[A-Z0-9_]+$/;
const SECRET_VARIABLE_RULE = 'is not a secret\'s variable: UPCHAIN_SECRET_ and then capitals, digits and "_", like UPCHAIN_SECRET_MAILADMINPASSWORD';
// Output is masked by searching it for each secret (errors.ts maskSecrets), which a string of one to
// three characters cannot be: it would mangle ordinary output ("pw" in "pwd"), so it is not masked
// at all, and would show in clear. It is refused instead of shown; such a secret is guessed anyway.
const keyError = (rule: string) => (iss: { code?: string }) => (iss.code === "invalid_key" ? rule : undefined);

const serverSchema = z.object({
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
  versionCommand: z.string().min(1, "give the site's read-only command that prints the installed version, or leave versionCommand out").regex(/^[^\0]*$/, "a command has no NUL character").optional(),
  /** The version the server runs today, as the stack declares it: trusted on first adoption, then the state tracks it. */
  current: z.string().min(1, "give the version the server runs today, or leave current out").optional(),
  /** Names the journal and lock on the host; one per product installation. */
  journalName: z.string().regex(/^[a-z0-9-]+$/, 'names the journal and lock files on the host: lowercase letters, digits and "-", like omflow or omflow-2').optional(),
  /** How long a run's lock outlives its last heartbeat, i.e. how soon a killed run's lock is taken over. */
  lockTimeoutSeconds: z.number().int().min(5).max(86_400).default(120),
  /** Seconds a step may run, by step id or action ("run", "backup", "verify", "restore"). */
  stepTimeouts: z.record(z.string().regex(STEP_KEY), z.number().int().min(1).max(7 * 86_400), { error: keyError(STEP_KEY_RULE) }).default({}),
  /** A run the operator has dealt with by hand: a failed restore to clear, or an interrupted run to abandon. */
  clearRun: z.string().regex(RUN_ID, "the run id the error named, like 20261123T101500-a1b2c3").optional(),
  /** Secret values the steps read as environment variables (from a root-only file on the host, never a command line). */
  secretEnv: z.record(z.string().regex(SECRET_VARIABLE), z.string().min(SHORTEST_SECRET, SHORT_SECRET_RULE), { error: keyError(SECRET_VARIABLE_RULE) }).default({}),
  /** A member of a cluster behind a load balancer: its pools are set around each hop (engine/clusterMember.ts). */
  pool: poolSchema.optional(),
  /** "record": a failed run is kept in the outcome output for a wave's gate, instead of failing the resource. */
  onFailure: z.enum(["fail", "record"]).default("fail"),
  /** How the declaring code calls these properties (see fields.ts): check's failures name the user's fields. */
  fields: z.record(z.string(), z.string()).optional(),
  /** The resource's name in the stack (the Server passes it): progress lines are named by it. */
  resourceName: z.string().max(400).optional(),
  /** The rollout wave the server is in (from 0), kept in the state for `upchain report`. */
  wave: z.number().int().min(0).optional(),
  /** The environment this one is promoted from, and what it runs (engine/promotion.ts). */
  promotion: z
    .strictObject({ from: z.string().min(1), proven: z.array(z.string()), server: z.string().optional(), override: z.string().refine(hasVisibleText, `say why the target goes without the previous environment, ${VISIBLE_REASON}`).optional() })
    .optional(),
});

type ServerInputs = z.infer<typeof serverSchema>;

/** The product's catalog, wrapped with the pool steps of a cluster member when the server is one. */
function catalogFor(s: ServerInputs): Catalog {
  const catalog = getCatalog(s.product);
  if (!s.pool) return catalog;
  if (!catalog.cluster) throw new UpchainError("INVALID_INPUT", `pool: ${catalog.title} has no cluster rollout`, ["pool"]);
  const target = catalog.scheme.normalize(s.target) ?? s.target;
  return clusterMember(catalog, catalog.cluster.policy, { ...s.pool, target });
}

const balancerSecrets = (s: ServerInputs) => {
  const c = s.pool?.balancer.connection as Partial<Connection> | undefined;
  return [c?.privateKey ?? "", c?.password ?? "", c?.privateKeyPassphrase ?? ""];
};

/** A host key mismatch names the field where the user pinned the key (fields.ts). */
const pinnedIn = (fields: FieldNames | undefined, property = "connection.hostKey") => ({ hostKeyField: userField(property, fields) });

/** Opens the balancer's connection when the first pool step needs it; closed with the run. */
function balancerOpener(s: ServerInputs): { open?: () => Promise<Pools>; close: () => Promise<void> } {
  if (!s.pool) return { close: async () => undefined };
  const b = s.pool.balancer;
  let host: RemoteHost | undefined;
  return {
    open: async () => haproxyPools((host ??= await connectSsh(b.connection as Connection, pinnedIn(s.fields, "pool.balancer.connection.hostKey"))), b),
    close: async () => host?.close(),
  };
}

/** A cluster member's stage: the stop this Server takes it to (none: the whole chain). */
const stageOf = (s: ServerInputs): MemberStage | undefined => (s.pool?.upTo === undefined ? undefined : { upTo: s.pool.upTo, after: s.pool.after });

/** The chain from `installed` to the server's target (a cluster member's: to its stage's stop), with every input it needs present. */
function planFor(catalog: Catalog, s: ServerInputs, installed: string): Plan {
  const req: PlanRequest = { installed, target: s.target, platform: s.platform, releases: s.releases, options: s.options, versionCommand: s.versionCommand };
  const plan = planUpgrade(catalog, stageRequest(catalog, req, stageOf(s), false));
  assertPlanInputs(catalog, plan, req);
  return plan;
}

/** The stack's word on the installed version (the site's command, the declared version) and the state's, when the caller has it. */
const sourcesOf = (s: ServerInputs, state?: { installedVersion?: unknown }): VersionSources => ({
  versionCommand: s.versionCommand,
  current: s.current,
  tracked: typeof state?.installedVersion === "string" ? state.installedVersion : undefined,
});

function contextOf(catalog: Catalog, s: ServerInputs): PlanContext {
  return { platform: s.platform, releases: [...(s.releases ?? catalog.defaultReleases)], options: s.options };
}

/** A login user other than root must become root with `sudo -n`; say what sudo said when it cannot. */
export async function assertRoot(host: RemoteHost, user: string, platform: Platform = "linux"): Promise<void> {
  if (platform === "windows") return assertAdministrator(host, user);
  if (user === "root") return;
  const r = await host.exec("id -u", { sudo: true });
  if (r.code === 0 && r.stdout.trim() === "0") return;
  throw new UpchainError(
    "SUDO_REQUIRED",
    `${host.label}: upchain works as root, and user ${user} cannot become root without a password (sudo said: ${(r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`).slice(0, 300)}). ` +
      `Allow it with a sudoers rule such as "${user} ALL=(root) NOPASSWD: ALL" (visudo -f /etc/sudoers.d/upchain), or connect as root.`,
    ["connection", "user"],
  );
}

/**
 * A Windows login has no sudo: upchain works with the account's own rights, which must be an
 * administrator's (OpenSSH gives a member of Administrators an elevated session).
 */
async function assertAdministrator(host: RemoteHost, user: string): Promise<void> {
  const r = await readOnHost(host, { shell: "powershell", command: "([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)" });
  if (r.code === 0 && r.stdout.trim() === "True") return;
  throw new UpchainError(
    "SUDO_REQUIRED",
    `${host.label}: upchain works as an administrator, and the Windows user ${user} is not one in its SSH session (PowerShell said: ${(r.stdout.trim() || r.stderr.trim() || `exit ${r.code}`).replace(/[^\x20-\x7e]/g, "?").slice(0, 200)}). ` +
      `Connect as a member of the local Administrators group (OpenSSH gives it an elevated session), or add ${user} to that group.`,
    ["connection", "user"],
  );
}

/**
 * The journal and the lock of this server's runs. None on Windows: the executor refuses to run a
 * PowerShell plan (engine/executor.ts), so no run ever leaves either there, and their reads are sh.
 */
export async function readRunState(h: RemoteHost, platform: Platform, journalName: string): Promise<[Journal | undefined, LockHolder | undefined]> {
  if (platform === "windows") return [undefined, undefined];
  const [journal, holder] = await Promise.all([readJournal(h, DEFAULT_STATE_DIR, journalName), readLockHolder(h, DEFAULT_STATE_DIR)]);
  return [journal && withPrintableFailure(journal), holder];
}

/**
 * A failed restore's fields are the host's text, quoted in messages (restorePending) and kept in the
 * state (read's failedRestore): each becomes one printable line, so that none can clear the screen,
 * write the clipboard, or add lines of advice that seem to be upchain's.
 */
function withPrintableFailure(j: Journal): Journal {
  if (!j.failure) return j;
  const f = j.failure;
  return { ...j, failure: { hop: oneLine(f.hop), step: oneLine(f.step), restorePoint: oneLine(f.restorePoint), why: oneLine(f.why) } };
}

/** What the host offers to install (catalogs with an update service of their own), and the target with its aliases resolved. */
interface Offered {
  releases?: string[];
  target: string;
  lines?: string[];
}

export async function readOffered(host: RemoteHost, catalog: Catalog, s: ServerInputs, installed: string): Promise<Offered> {
  if (!catalog.offers) return { target: s.target };
  const o = catalog.offers(contextOf(catalog, s));
  const r = await readOnHost(host, o);
  const read = o.read({ code: r.code, stdout: r.stdout, stderr: r.stderr }, installed, s.target);
  if ("problem" in read) throw new UpchainError("HOST_NOT_READY", `${host.label}: ${read.problem}`, ["target"]);
  return { releases: [...(s.releases ?? catalog.defaultReleases), ...read.releases], target: read.target, lines: read.lines };
}

/** The server's inputs as the planner takes them: the host's offer added to the releases, the target resolved. */
const withOffered = (s: ServerInputs, offered: Offered): ServerInputs => ({ ...s, target: offered.target, ...(offered.releases ? { releases: offered.releases } : {}) });

/**
 * The chain `up` runs from `from` (what the host runs now): the host's offer is read again for its
 * releases, but the target must be the one preview resolved and showed (`previewed`, check's
 * resolvedTarget; the stack's own when it named no alias): an update service that detected a newer
 * release since would otherwise have `latest` mean a version nobody previewed or gated. And the
 * promotion gate is checked again on the chain that will run: a server found at its target at
 * preview needed no proof, but one found back on an older release at up does.
 */
export async function planAtUp(host: RemoteHost, catalog: Catalog, s: ServerInputs, from: string, previewed?: unknown): Promise<Plan> {
  const offered = await readOffered(host, catalog, s, from);
  const expected = typeof previewed === "string" ? previewed : s.target;
  const norm = (v: string) => catalog.scheme.normalize(v) ?? v;
  if (norm(offered.target) !== norm(expected)) {
    throw new UpchainError(
      "PLAN_CHANGED",
      `${host.label}: preview resolved the target ${s.target} to ${expected}, but the host now resolves it to ${offered.target}: up runs only what preview showed and checked, and nothing was run. ` +
        `To go to ${offered.target}, run pulumi up again: it previews ${offered.target} and checks it (the promotion gate included) before anything runs.`,
      ["target"],
    );
  }
  const plan = planFor(catalog, withOffered(s, offered), from);
  const unproven = s.promotion && plan.hops.length ? promotionProblem(catalog.scheme, s.product, plan.to, s.promotion) : undefined;
  if (unproven) throw new UpchainError("NOT_PROMOTED", `${host.label}: ${unproven}`, ["target"]);
  return plan;
}

/**
 * Every `$UPCHAIN_SECRET_X` an option refers to must come with a value in secretEnv: a step would
 * otherwise run with an empty password. Checked here too, not only by the stack program, because a
 * program of one's own passes options to the components directly.
 */
export function unresolvedSecretReferences(options: unknown, secretEnv: Record<string, string>): { property: string; reason: string }[] {
  const out: { property: string; reason: string }[] = [];
  const visit = (v: unknown, at: string) => {
    if (typeof v === "string") {
      for (const m of v.matchAll(/\$\{?(UPCHAIN_SECRET_[A-Za-z0-9_]*)/g)) {
        if (!(m[1] in secretEnv)) {
          const known = Object.keys(secretEnv);
          out.push(checkFailure("INVALID_INPUT", at, `refers to $${m[1]}, but no secret of that name is given to this server (${known.length ? `given: ${known.join(", ")}` : "none is given"}); declare it in upchain:secrets or pass it in secretEnv`));
        }
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${at}[${i}]`));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) visit(x, `${at}.${k}`);
  };
  visit(options, "options");
  return out;
}

function failureOf(e: unknown): { property: string; reason: string } {
  if (!isUpchainError(e)) throw e;
  return checkFailure(e.code, e.path.length ? e.path : "target", e.message);
}

/** Rebuild an interrupted run's plan on the controller, from the stack, for the versions its journal names. */
function resumePlan(catalog: Catalog, s: ServerInputs, pending: Journal, where: string): Plan {
  try {
    const req: PlanRequest = { installed: pending.from, target: pending.to, platform: s.platform, releases: s.releases, options: s.options, versionCommand: s.versionCommand };
    const plan = replanInterrupted(catalog, req, pending);
    assertPlanInputs(catalog, plan, req);
    return plan;
  } catch (e) {
    if (!isUpchainError(e)) throw e;
    throw new UpchainError(
      "JOURNAL_INVALID",
      `the journal ${where} names interrupted run ${pending.run} (${pending.from} -> ${pending.to}), which this stack cannot plan (${e.message}). ` +
        `Nothing was run. Put the stack back as it was for that run; or, after checking the host by hand, set clearRun: "${pending.run}" on this server to abandon it.`,
      [],
      { cause: e },
    );
  }
}

/**
 * What the journal on the host means for this run, at preview: a summary line, or an error (a failed
 * restore not cleared, a journal that is not the stack's plan).
 */
function pendingSummary(catalog: Catalog, s: ServerInputs, pending: Journal | undefined, where: string): { text?: string; interrupted?: Journal } {
  if (!pending) return {};
  if (pending.status === "restore-failed") {
    if (s.clearRun === pending.run) return { text: `clears failed run ${pending.run} (clearRun), then plans from what is installed` };
    throw restorePending(where, pending);
  }
  if (pending.status !== "running") return {};
  if (s.clearRun === pending.run) return { text: `abandons interrupted run ${pending.run} (clearRun), then plans from what is installed` };
  resumePlan(catalog, s, pending, where);
  return { text: `first finishes interrupted run ${pending.run} (${pending.from} -> ${pending.to}) from step ${pending.next + 1} of ${pending.steps}`, interrupted: pending };
}

/**
 * The plan preview shows: what is installed to the target; or, while an interrupted run waits, what
 * up will run: that run's chain (its finished steps marked), then the chain from where it ends.
 */
function shownPlan(catalog: Catalog, s: ServerInputs, fromInstalled: Plan, req: PlanRequest, interrupted: Journal | undefined, where: string): { plan: Plan; resumed?: Resumed } {
  if (!interrupted) return { plan: fromInstalled };
  const first = resumePlan(catalog, s, interrupted, where);
  const after = planUpgrade(catalog, stageRequest(catalog, { ...req, installed: interrupted.to }, stageOf(s), true));
  return { plan: resumedPlan(first, after), resumed: { run: interrupted.run, next: interrupted.next, inFlight: interrupted.inFlight?.index } };
}

/**
 * Preview: every problem at once. First what can be checked without touching any host (the fields,
 * the product's options); only when those are right, the read-only look at the host (sudo, installed
 * version, the chain, local files for its hops, the host's files the steps will edit, the journal).
 */
export async function check(olds: any, news: any): Promise<pulumi.dynamic.CheckResult> {
  // a LookAhead checked before this server may already have looked, side by side with the others
  const r = (await takeLook<pulumi.dynamic.CheckResult>(news)) ?? (await checkNow(olds, news));
  return printableCheck(r.failures?.length ? { failures: inUserTerms(r.failures, fieldNamesOf(news)) } : r);
}


/** The look itself: every problem at once, then the chain as preview shows it. */
export async function checkNow(_olds: any, news: any): Promise<pulumi.dynamic.CheckResult> {
  const own = news?.catalogModule === undefined ? undefined : loadCatalogModule(news.catalogModule, String(news.product));
  const conn = connectionSchema.safeParse(connectionOf(news));
  const srv = serverSchema.safeParse(news);
  const failures = [...(own ? [checkFailure("INVALID_INPUT", "catalogModule", own)] : []), ...(conn.success ? [] : toCheckFailures(conn.error, ["connection"])), ...(srv.success ? [] : toCheckFailures(srv.error))];
  if (srv.success) {
    try {
      const s = srv.data;
      failures.push(...targetProblems(getCatalog(s.product), s.target, s.releases));
      failures.push(...currentProblems(getCatalog(s.product), s.current).map((p) => checkFailure("INVALID_INPUT", p.path, p.message)));
      failures.push(...planInputProblems(getCatalog(s.product), [], { platform: s.platform, releases: s.releases, options: s.options }).map((p) => checkFailure("INVALID_INPUT", p.path, p.message)));
      failures.push(...unresolvedSecretReferences(s.options, s.secretEnv));
    } catch (e) {
      failures.push(failureOf(e));
    }
  }
  if (!conn.success || !srv.success || failures.length) return { failures };
  // before the connection: a fleet larger than the process's open-file limit is refused here, not by EMFILE mid-run
  const tooMany = countServer(`${conn.data.host}:${conn.data.port ?? 22}`);
  if (tooMany) return { failures: [failureOf(tooMany)] };
  const s = srv.data;
  const catalog = catalogFor(s);
  const journalName = s.journalName ?? s.product;
  let summary: Record<string, unknown> | undefined;
  let resolvedTarget: string | undefined;
  let trusting: string | undefined;
  try {
    // kept after, for this server's converge in the same up: one login per server (sharedConnections.ts)
    await withSharedSsh(conn.data, async (h) => {
      await assertRoot(h, conn.data.user, s.platform);
      const where = `${h.label}:${journalPath(DEFAULT_STATE_DIR, journalName)}`;
      const looks = await Promise.allSettled([
        (async () => {
          let plan: Plan;
          let offered: Offered;
          let req: PlanRequest;
          try {
            const found = await findInstalled(h, catalog, contextOf(catalog, s), sourcesOf(s, _olds), journalName);
            const installed = found.version;
            // a version not read on the host is said plainly, before the plan that starts from it
            trusting = trustingNote(conn.data.host, found.source, s.current === undefined ? undefined : catalog.scheme.normalize(s.current));
            if (trusting) displayLine(progressPrefix(s.resourceName, conn.data.host))(trusting, { warning: true });
            offered = await readOffered(h, catalog, s, installed);
            const e = withOffered(s, offered);
            req = { installed, target: e.target, platform: e.platform, releases: e.releases, options: e.options, versionCommand: s.versionCommand };
            // a cluster member's stage: its hops to the stage's stop, from the stop the stage before reaches
            plan = planUpgrade(catalog, stageRequest(catalog, req, stageOf(s), true));
          } catch (err) {
            // The host's own diagnosis (a module its update service does not know, a version it has
            // not detected, and why) says more than "not found" or "no chain leads there": when it
            // has one, it stands for the refusal.
            const diagnosable = catalog.offers && (isUpchainError(err, "UNKNOWN_VERSION") || isUpchainError(err, "NO_LEGAL_PATH") || isUpchainError(err, "HOST_NOT_READY"));
            if (!diagnosable) throw err;
            const notReady = await hostCheckProblems(h, hostChecksFor(catalog, [], contextOf(catalog, s)));
            if (!notReady.length) throw err;
            failures.push(...notReady.map((p) => checkFailure("HOST_NOT_READY", p.path, p.message)));
            return undefined;
          }
          const ctx = contextOf(catalog, withOffered(s, offered));
          // only a change needs the previous environment's proof: a server already there stays
          const unproven = s.promotion && plan.hops.length ? promotionProblem(catalog.scheme, s.product, plan.to, s.promotion) : undefined;
          if (unproven) failures.push(checkFailure("NOT_PROMOTED", "target", unproven));
          const missing = planInputProblems(catalog, plan.hops, req);
          failures.push(...missing.map((p) => checkFailure("INVALID_INPUT", p.path, p.message)));
          const notReady = await hostCheckProblems(h, hostChecksFor(catalog, plan.hops, ctx));
          failures.push(...notReady.map((p) => checkFailure("HOST_NOT_READY", p.path, p.message)));
          return { plan, offered, req };
        })(),
        (async () => {
          const [pending, holder] = await readRunState(h, s.platform, journalName);
          // a run still holding the lock: up waits for it (or stops), and the operator is told before
          const lock = holder && lockPreviewNote(holder, s.lockTimeoutSeconds, journalName);
          if (lock) displayLine(progressPrefix(s.resourceName, conn.data.host))(lock, { warning: true });
          return { ...pendingSummary(catalog, s, pending, where), lock };
        })(),
      ]);
      for (const l of looks) if (l.status === "rejected") failures.push(failureOf(l.reason));
      const [plan, resume] = looks;
      if (plan.status === "fulfilled" && plan.value) {
        const { offered, req } = plan.value;
        try {
          const interrupted = resume.status === "fulfilled" ? resume.value.interrupted : undefined;
          const shown = shownPlan(catalog, withOffered(s, offered), plan.value.plan, req, interrupted, where);
          // the host's files as the steps will find them (a services entry already there, or in the way)
          const found = await precheckPlan(h, shown.plan);
          if (resume.status === "fulfilled") {
            summary = planSummary(shown.plan, catalog, found, shown.resumed, contextOf(catalog, withOffered(s, offered)));
            if (offered.lines) summary.offered = offered.lines;
            if (resume.value.text) summary.resume = resume.value.text;
            if (resume.value.lock) summary.lock = resume.value.lock;
            if (trusting) summary.installed = trusting;
            if (s.promotion?.override && plan.value.plan.hops.length) summary.promotion = `OVERRIDE of ${s.promotion.from}: ${s.promotion.override}`;
            if (offered.target !== s.target) resolvedTarget = offered.target;
          }
        } catch (e) {
          failures.push(failureOf(e));
        }
      }
    }, pinnedIn(s.fields));
  } catch (e) {
    failures.push(failureOf(e));
  }
  if (failures.length || !summary) return { failures };
  return { inputs: { ...withConnection({ ...news, ...s }, conn.data), plan: summary, ...(resolvedTarget ? { resolvedTarget } : {}) } };
}

async function converge(inputs: any, olds?: any): Promise<any> {
  const c = connectionSchema.parse(connectionOf(inputs));
  const s = serverSchema.parse(inputs);
  const catalog = catalogFor(s);
  const ctx = contextOf(catalog, s);
  const display = displayLine(progressPrefix(s.resourceName, c.host));
  const log = (line: string) => display(line);
  const status = (line: string) => display(line, { ephemeral: true });
  const journalName = s.journalName ?? s.product;
  // a reboot step replaces the connection underneath; everything else keeps this one object. The first
  // is the one check logged in with, when it is still up (sharedConnections.ts)
  const host = new ReconnectingHost(await sharedConnections.lend(c, pinnedIn(s.fields)), (ms) => connectSsh(c, { readyTimeoutMs: ms, handshakeTries: 1, ...pinnedIn(s.fields) }));
  const balancer = balancerOpener(s);
  try {
    await assertRoot(host, c.user, s.platform);
    const installed = async () => (await findInstalled(host, catalog, ctx, sourcesOf(s, olds), journalName)).version;
    // a product with no documented source: the version each run reaches is kept for the next one
    const tracks = !catalog.probeVersion;
    const keepReached = async (plan: Plan, finished: Journal | undefined) => {
      // a run still "running" (the host was lost) is resumed from its journal, not from a version
      if (!tracks || !finished || finished.status === "running") return;
      const reached = versionReached(plan, finished);
      await writeTracked(host, journalName, reached).catch((e) => log(`could not keep the version reached (${reached}) on the host: ${(e as Error).message}`));
    };
    // what the probe read in the last run's last exec, after its release (engine/runEnd.ts)
    let readAtEnd: { code: number; stdout: string } | undefined;
    const run = async (plan: Plan) => {
      let finished: Journal | undefined;
      readAtEnd = undefined;
      try {
        readAtEnd = (await execute(plan, (j) => (finished = j))).versionAtEnd;
      } finally {
        await keepReached(plan, finished);
      }
    };
    const execute = (plan: Plan, finished: (j: Journal) => void) =>
      executePlan({
        host,
        catalog,
        plan,
        ctx,
        resource: journalName,
        lockStaleSeconds: s.lockTimeoutSeconds,
        stepTimeouts: s.stepTimeouts,
        clearRun: s.clearRun,
        env: s.secretEnv,
        log,
        status,
        secrets: [c.privateKey ?? "", c.password ?? "", ...Object.values(s.secretEnv), ...balancerSecrets(s)],
        pools: balancer.open,
        stop: operatorStop,
        // a copy of the run's timeline on the controller, for `upchain report`
        versionProbe: tracks && s.versionCommand ? { shell: platformShell(s.platform), command: s.versionCommand } : undefined,
        onFinish: (j) => {
          finished(j);
          void writeRunRecord(runRecord(j, plan, catalog, host.label, journalName));
        },
      });
    // An interrupted run is finished first, whatever version the host reports now: its last hop
    // may have changed the version and still have steps to go (start, check). Its plan is made
    // again here from the stack; the executor checks the journal names that very plan.
    const [pending] = await readRunState(host, s.platform, journalName);
    if (pending && (pending.status === "running" || pending.status === "restore-failed") && s.clearRun !== pending.run) {
      const where = `${host.label}:${journalPath(DEFAULT_STATE_DIR, journalName)}`;
      if (pending.status === "restore-failed") throw restorePending(where, pending);
      // a run whose journal keeps its chain is planned from it, whatever the host offers now
      const offeredNow = catalog.offers && pending.chain ? s : withOffered(s, await readOffered(host, catalog, s, await installed()));
      await run(resumePlan(catalog, offeredNow, pending, where));
    }
    const from = await installed();
    readAtEnd = undefined;
    const plan = await planAtUp(host, catalog, s, from, inputs.resolvedTarget);
    if (plan.hops.length || (pending && s.clearRun === pending.run)) {
      if (plan.hops.length) log(`${catalog.title} ${plan.from} -> ${plan.to}: ${plan.hops.map(hopLabel).join(", ")}`);
      await run(plan);
    }
    const now = versionReadAtEnd(catalog, ctx, sourcesOf(s, olds), readAtEnd) ?? (await installed());
    // from now on the state tracks it: a `current` the stack declared is trusted only on first adoption
    if (tracks) await writeTracked(host, journalName, now);
    return withConnection({ ...s, plan: planAfterRun(inputs.plan), installedVersion: now, outcome: { status: "ok" } }, c);
  } finally {
    await balancer.close();
    await host.close();
  }
}

/**
 * Pulumi shows a thrown error's message only: put the code in front, as check's failures have it.
 * A server in a rollout wave (onFailure "record") keeps the failure in its outcome instead, with the
 * version the host runs now, and the wave's gate weighs it against the budget.
 */
async function convergeReporting(inputs: any, olds?: any, id?: string): Promise<any> {
  try {
    return await convergeOrRecord(inputs, olds, id);
  } finally {
    // the run's lines reach the display before its resource is shown done
    await flushDisplay();
  }
}

async function convergeOrRecord(inputs: any, olds?: any, id?: string): Promise<any> {
  let failure: Error;
  try {
    return await converge(inputs, olds);
  } catch (e) {
    if (isUpchainError(e, "STOPPED")) throw await stoppedWithState(inputs, e, olds, id);
    failure = reportedError(e, clusterState(inputs));
  }
  if (inputs.onFailure !== "record") throw failure;
  return failedOutputs(inputs, olds, failure.message, planAfterRun(inputs.plan), (line, prefix) => displayLine(prefix)(`failed, recorded for its wave's gate: ${line}`));
}

/** A run's error as Pulumi prints it and the state keeps it (the host's text in it cleaned: terminalBoundary.ts). */
export const reportedError = forTerminal;

/** The outputs of a run that did not finish: the version the host runs now (or the last known), and the failure. */
async function failedOutputs(inputs: any, olds: any, message: string, plan: unknown, say?: (message: string, prefix: string) => void): Promise<any> {
  const c = connectionSchema.parse(connectionOf(inputs));
  const s = serverSchema.parse(inputs);
  say?.(message, progressPrefix(s.resourceName, c.host));
  const installedVersion = await probeAfterFailure(c, s, olds).catch(() => olds?.installedVersion ?? "unknown");
  return withConnection({ ...s, plan, installedVersion, outcome: { status: "failed", error: message.slice(0, 2000) } }, c);
}

/**
 * A run stopped between hops (Ctrl-C) failed its resource, but the server did move: the error carries
 * the outputs with the version reached, which Pulumi's Node shim passes on as a resource that failed
 * to initialize, so the state records that version and the next up goes on from it.
 */
async function stoppedWithState(inputs: any, e: UpchainError, olds: any, id: string | undefined): Promise<Error> {
  const message = reportedError(e).message;
  const outs = await failedOutputs(inputs, olds, message, inputs.plan);
  // the shim sends these properties as they are: the provider's own reference must be among them
  // Pulumi shows an initialization failure by its reasons, not by its message
  return Object.assign(new Error(message), { id: id ?? serverId(outs), properties: { ...outs, __provider: inputs.__provider }, reasons: [message] });
}

const serverId = (outs: any) => `${outs.product}@${outs.connection.host}:${outs.connection.port}`;

/** What the host runs after a failed run (its hop restored), for the state; throws when it cannot be read. */
async function probeAfterFailure(c: Parameters<typeof withSsh>[0], s: ServerInputs, olds: any): Promise<string> {
  const catalog = catalogFor(s);
  return withSharedSsh(c, async (h) => (await findInstalled(h, catalog, contextOf(catalog, s), sourcesOf(s, olds), s.journalName ?? s.product)).version, pinnedIn(s.fields));
}

/** For a cluster member's failure: which members run what now, and where the rollout stopped. */
function clusterState(inputs: any): string {
  const p = serverSchema.safeParse(inputs);
  if (!p.success || !p.data.pool) return "";
  const { members, member, upTo } = p.data.pool;
  const at = members.indexOf(member);
  const done = members.slice(0, at);
  const rest = members.slice(at);
  const catalog = getCatalog(p.data.product);
  const stop = upTo === undefined ? undefined : catalog.scheme.normalize(upTo);
  if (stop !== undefined && catalog.scheme.compare(stop, catalog.scheme.normalize(p.data.target) ?? p.data.target) < 0) {
    // a stop on the way: every member goes there before any goes further, so the rest is still one class
    return (
      `\nThe rollout stopped at ${member} on the way to ${stop}, a stop every member takes before any goes further: ${done.length ? `${done.join(", ")} run ${stop}; ` : ""}${rest.join(", ")} run the release before it` +
      ` (${member} is back on it unless said otherwise above), every member in its pools. The members after ${member} were not touched, and the next pulumi up continues with ${member}.`
    );
  }
  return (
    `\nThe cluster is left mixed: ${done.length ? `${done.join(", ")} run ${p.data.target}; ` : ""}${rest.join(", ")} run the old release` +
    ` (${member} is back on it unless said otherwise above). The rollout stopped at ${member}: the members after it were not touched,` +
    ` invalidations go only to members on the old release, and the next pulumi up continues with ${member}.`
  );
}

/** A product of the user's own is registered before its inputs are read (the provider process starts without it). */
function registerOwnCatalog(inputs: any): void {
  if (inputs?.catalogModule === undefined) return;
  const problem = loadCatalogModule(inputs.catalogModule, String(inputs.product));
  if (problem) throw new UpchainError("INVALID_INPUT", `catalogModule: ${problem}`, ["catalogModule"]);
}

export async function create(inputs: any): Promise<pulumi.dynamic.CreateResult> {
  registerOwnCatalog(inputs);
  const outs = await convergeReporting(inputs);
  return { id: serverId(outs), outs };
}

export async function update(id: string, olds: any, news: any): Promise<pulumi.dynamic.UpdateResult> {
  registerOwnCatalog(news);
  return { outs: await convergeReporting(news, olds, id) };
}

export async function diff(_id: string, olds: any, news: any): Promise<pulumi.dynamic.DiffResult> {
  // a product of the user's own, registered when its module loads, is compared as its releases below
  if (news?.catalogModule !== undefined) loadCatalogModule(news.catalogModule, String(news.product));
  const changed: string[] = [];
  // during up, olds are the last outputs; during refresh, the freshly read ones: either way a server
  // not at its target is a change (refresh shows it as drift)
  // compared as the product's releases: "10.1.2.0.2" installed is the target "10.1.2"
  const scheme = productNames().includes(news.product) ? getCatalog(news.product).scheme : undefined;
  const same = (a: unknown, b: unknown) => a === b || (scheme !== undefined && typeof a === "string" && typeof b === "string" && scheme.normalize(a) !== undefined && scheme.normalize(a) === scheme.normalize(b));
  // a target alias ("latest") is compared as check resolved it against what the host offers
  // a cluster member's stage (pool.upTo, a stop before the target) is done once the member runs that stop or later
  const stop = news.pool?.upTo;
  const reached = (v: unknown) => scheme !== undefined && typeof v === "string" && scheme.normalize(v) !== undefined && scheme.normalize(stop) !== undefined && scheme.compare(scheme.normalize(v)!, scheme.normalize(stop)!) >= 0;
  if (typeof stop === "string" ? !reached(olds.installedVersion) : !same(olds.installedVersion, news.resolvedTarget ?? news.target)) changed.push("target");
  if (olds.failedRestore) changed.push("failedRestore");
  if (news.clearRun && news.clearRun !== olds.clearRun) changed.push("clearRun");
  for (const k of ["host", "port", "user", "hostKey"]) if (olds.connection?.[k] !== news.connection?.[k]) changed.push(`connection.${k}`);
  if (olds.privateKey !== news.privateKey) changed.push("privateKey");
  if (olds.password !== news.password) changed.push("password");
  if (JSON.stringify(olds.options ?? {}) !== JSON.stringify(news.options ?? {})) changed.push("options");
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

export async function read(id: string, props: any): Promise<pulumi.dynamic.ReadResult> {
  registerOwnCatalog(props);
  const c = connectionSchema.parse(connectionOf(props));
  const s = serverSchema.parse(props);
  const catalog = catalogFor(s);
  const journalName = s.journalName ?? s.product;
  // a server whose version is the state's keeps it: a refresh finds no drift it cannot see
  const [installedVersion, pending] = await withSsh(c, async (h) => [(await findInstalled(h, catalog, contextOf(catalog, s), sourcesOf(s, props), journalName)).version, (await readRunState(h, s.platform, journalName))[0]] as const, pinnedIn(s.fields));
  // a failed restore shows in the state as drift, with where its restore point is
  const failedRestore = pending?.status === "restore-failed" ? { run: pending.run, ...pending.failure } : undefined;
  const { failedRestore: _old, ...rest } = props;
  return { id, props: { ...rest, installedVersion, ...(failedRestore ? { failedRestore } : {}) } };
}

export async function remove(): Promise<void> {
  // Forgetting a server never uninstalls anything.
}
