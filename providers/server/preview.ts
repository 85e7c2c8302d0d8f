// Preview's side of the Server: check plans the whole chain (probing the installed version read-only)
// so preview shows every hop and step, or names every problem at once; diff says whether up has work.
import type * as pulumi from "@pulumi/pulumi";
import { getCatalog, productNames } from "../catalogs";
import { loadCatalogModule } from "../catalogs/own";
import { withConnection } from "../connectionSchema";
import { Catalog } from "../engine/planning/catalog";
import { stageRequest } from "../engine/planning/clusterMember";
import { DEFAULT_STATE_DIR, restorePending } from "../engine/running/executor";
import { VersionSource, currentProblems, trustingNote } from "../engine/planning/installedVersion";
import { Journal, journalPath } from "../engine/running/journal";
import { lockPreviewNote } from "../engine/running/lock";
import { Plan, planInputProblems, planUpgrade } from "../engine/planning/planner";
import { hostChecksFor } from "../engine/planning/powershellVersion";
import { hostCheckProblems, precheckPlan } from "../engine/planning/precheck";
import { progressPrefix } from "../engine/running/progress";
import { displayLine } from "../engineLog";
import { checkFailure, isUpchainError } from "../errors";
import { printableCheck } from "../terminalBoundary";
import { countServer } from "../transport/fileLimit";
import { RemoteHost } from "../transport/remoteHost";
import { withSharedSsh } from "../transport/sharedConnections";
import { CheckFailure, fieldNamesOf, inUserTerms } from "./fields";
import { assertRoot, pinnedIn, readRunState } from "./hostState";
import { takeLook } from "./lookAhead";
import { HostPlan, VersionReads, catalogFor, contextOf, planFromHost, resumePlan, stageOf } from "./planFromHost";
import { Resumed, planSummary, resumedPlan } from "./planSummary";
import { propertiesOf } from "../properties";
import { Compared, ServerGiven, ServerInputs, comparedOf, parseServer, priorVersion } from "./schema";
import { targetProblems } from "./target";

type Checked = pulumi.dynamic.CheckResult<Record<string, unknown>>;

/**
 * Preview: every problem at once. First what can be checked without touching any host (the fields,
 * the product's options); only when those are right, the read-only look at the host (sudo, installed
 * version, the chain, local files for its hops, the host's files the steps will edit, the journal).
 */
export async function check(olds: unknown, news: unknown): Promise<Checked> {
  // a LookAhead checked before this server may already have looked, side by side with the others
  const r = (await takeLook<Checked>(propertiesOf(news))) ?? (await checkNow(olds, news));
  return printableCheck(r.failures?.length ? { failures: inUserTerms(r.failures, fieldNamesOf(news)) } : r);
}

/** The look itself: every problem at once, then the chain as preview shows it. */
export async function checkNow(olds: unknown, news: unknown): Promise<Checked> {
  const props = propertiesOf(news);
  const own = props.catalogModule === undefined ? undefined : loadCatalogModule(props.catalogModule, String(props.product));
  const parsed = parseServer(news);
  const server = parsed.given ? parsed.given.server : parsed.server;
  const failures = [
    ...(own ? [checkFailure("INVALID_INPUT", "catalogModule", own)] : []),
    ...(parsed.failures ?? []),
    ...(server ? problemsWithoutHost(server) : []),
  ];
  if (!parsed.given || failures.length) return { failures };
  const { connection } = parsed.given;
  // before the connection: a fleet larger than the process's open-file limit is refused here, not by EMFILE mid-run
  const tooMany = countServer(`${connection.host}:${connection.port ?? 22}`);
  if (tooMany) return { failures: [failureOf(tooMany)] };
  const looked = await lookAtHost(parsed.given, priorVersion(olds), failures);
  if (failures.length || !looked) return { failures };
  return {
    inputs: {
      ...withConnection({ ...props, ...parsed.given.server }, connection),
      plan: looked.summary,
      ...(looked.resolvedTarget ? { resolvedTarget: looked.resolvedTarget } : {}),
    },
  };
}

/** The target, the declared version, the product's options and the secrets they name: all checked without a host. */
function problemsWithoutHost(s: ServerInputs): CheckFailure[] {
  const out: CheckFailure[] = [];
  try {
    out.push(...targetProblems(getCatalog(s.product), s.target, s.releases));
    out.push(...currentProblems(getCatalog(s.product), s.current).map((p) => checkFailure("INVALID_INPUT", p.path, p.message)));
    out.push(
      ...planInputProblems(getCatalog(s.product), [], { platform: s.platform, releases: s.releases, options: s.options }).map((p) =>
        checkFailure("INVALID_INPUT", p.path, p.message),
      ),
    );
    out.push(...unresolvedSecretReferences(s.options, s.secretEnv));
  } catch (e) {
    out.push(failureOf(e));
  }
  return out;
}

/**
 * Every `$UPCHAIN_SECRET_X` an option refers to must come with a value in secretEnv: a step would
 * otherwise run with an empty password. Checked here too, not only by the stack program, because a
 * program of one's own passes options to the components directly.
 */
export function unresolvedSecretReferences(options: unknown, secretEnv: Record<string, string>): CheckFailure[] {
  const out: CheckFailure[] = [];
  const visit = (v: unknown, at: string) => {
    if (typeof v === "string") {
      for (const m of v.matchAll(/\$\{?(UPCHAIN_SECRET_[A-Za-z0-9_]*)/g)) {
        if (!(m[1] in secretEnv)) {
          const known = Object.keys(secretEnv);
          out.push(
            checkFailure(
              "INVALID_INPUT",
              at,
              `refers to $${m[1]}, but no secret of that name is given to this server (${known.length ? `given: ${known.join(", ")}` : "none is given"}); declare it in upchain:secrets or pass it in secretEnv`,
            ),
          );
        }
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${at}[${i}]`));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) visit(x, `${at}.${k}`);
  };
  visit(options, "options");
  return out;
}

function failureOf(e: unknown): CheckFailure {
  if (!isUpchainError(e)) throw e;
  return checkFailure(e.code, e.path.length ? e.path : "target", e.message);
}

/**
 * The read-only look at the host, its problems added to `failures`: the chain from what is installed
 * and the journal and lock of its runs, read side by side, then the host's files the steps will edit.
 */
async function lookAtHost({ server: s, connection }: ServerGiven, tracked: string | undefined, failures: CheckFailure[]) {
  const catalog = catalogFor(s);
  const journalName = s.journalName ?? s.product;
  // a warning before the plan (a version not read on the host, a run holding the lock); the display is reached only then
  const warn = (line: string) => displayLine(progressPrefix(s.resourceName, connection.host))(line, { warning: true });
  let trusting: string | undefined;
  let shown: { summary: Record<string, unknown>; resolvedTarget?: string } | undefined;
  try {
    // kept after, for this server's converge in the same up: one login per server (sharedConnections.ts)
    await withSharedSsh(
      connection,
      async (h) => {
        await assertRoot(h, connection.user, s.platform);
        const where = `${h.label}:${journalPath(DEFAULT_STATE_DIR, journalName)}`;
        const onInstalled = (found: { source: VersionSource }) => {
          // a version not read on the host is said plainly, before the plan that starts from it
          trusting = trustingNote(connection.host, found.source, s.current === undefined ? undefined : catalog.scheme.normalize(s.current));
          if (trusting) warn(trusting);
        };
        const [planned, pending] = await Promise.allSettled([
          chainFromHost(h, catalog, s, { journalName, tracked }, onInstalled, failures),
          (async () => {
            const [journal, holder] = await readRunState(h, s.platform, journalName);
            // a run still holding the lock: up waits for it (or stops), and the operator is told before
            const lock = holder && lockPreviewNote(holder, s.lockTimeoutSeconds, journalName);
            if (lock) warn(lock);
            return { ...pendingSummary(catalog, s, journal, where), lock };
          })(),
        ]);
        for (const l of [planned, pending]) if (l.status === "rejected") failures.push(failureOf(l.reason));
        if (planned.status !== "fulfilled" || !planned.value) return;
        const hp = planned.value;
        try {
          const interrupted = pending.status === "fulfilled" ? pending.value.interrupted : undefined;
          const { plan, resumed } = shownPlan(catalog, hp, interrupted, where);
          // the host's files as the steps will find them (a services entry already there, or in the way)
          const found = await precheckPlan(h, plan);
          if (pending.status !== "fulfilled") return;
          const summary: Record<string, unknown> = planSummary(plan, catalog, found, resumed, contextOf(catalog, hp.server));
          if (hp.offered.lines) summary.offered = hp.offered.lines;
          if (pending.value.text) summary.resume = pending.value.text;
          if (pending.value.lock) summary.lock = pending.value.lock;
          if (trusting) summary.installed = trusting;
          if (s.promotion?.override && hp.plan.hops.length) summary.promotion = `OVERRIDE of ${s.promotion.from}: ${s.promotion.override}`;
          shown = { summary, ...(hp.offered.target !== s.target ? { resolvedTarget: hp.offered.target } : {}) };
        } catch (e) {
          failures.push(failureOf(e));
        }
      },
      pinnedIn(s.fields),
    );
  } catch (e) {
    failures.push(failureOf(e));
  }
  return shown;
}

/** The chain from what the host runs, its problems added to `failures`; undefined when the host's own diagnosis stands for the refusal. */
async function chainFromHost(
  h: RemoteHost,
  catalog: Catalog,
  s: ServerInputs,
  reads: VersionReads,
  onInstalled: (found: { source: VersionSource }) => void,
  failures: CheckFailure[],
): Promise<HostPlan | undefined> {
  let hp: HostPlan;
  try {
    hp = await planFromHost(h, catalog, s, reads, { at: "preview", onInstalled });
  } catch (err) {
    // The host's own diagnosis (a module its update service does not know, a version it has
    // not detected, and why) says more than "not found" or "no chain leads there": when it
    // has one, it stands for the refusal.
    const diagnosable =
      catalog.offers && (isUpchainError(err, "UNKNOWN_VERSION") || isUpchainError(err, "NO_LEGAL_PATH") || isUpchainError(err, "HOST_NOT_READY"));
    if (!diagnosable) throw err;
    const notReady = await hostCheckProblems(h, hostChecksFor(catalog, [], contextOf(catalog, s)));
    if (!notReady.length) throw err;
    failures.push(...notReady.map((p) => checkFailure("HOST_NOT_READY", p.path, p.message)));
    return undefined;
  }
  // only a change needs the previous environment's proof: a server already there stays
  if (hp.unproven) failures.push(checkFailure("NOT_PROMOTED", "target", hp.unproven));
  failures.push(...hp.missing.map((p) => checkFailure("INVALID_INPUT", p.path, p.message)));
  const notReady = await hostCheckProblems(h, hostChecksFor(catalog, hp.plan.hops, contextOf(catalog, hp.server)));
  failures.push(...notReady.map((p) => checkFailure("HOST_NOT_READY", p.path, p.message)));
  return hp;
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
  return {
    text: `first finishes interrupted run ${pending.run} (${pending.from} -> ${pending.to}) from step ${pending.next + 1} of ${pending.steps}`,
    interrupted: pending,
  };
}

/**
 * The plan preview shows: what is installed to the target; or, while an interrupted run waits, what
 * up will run: that run's chain (its finished steps marked), then the chain from where it ends.
 */
function shownPlan(catalog: Catalog, hp: HostPlan, interrupted: Journal | undefined, where: string): { plan: Plan; resumed?: Resumed } {
  if (!interrupted) return { plan: hp.plan };
  const first = resumePlan(catalog, hp.server, interrupted, where);
  const after = planUpgrade(catalog, stageRequest(catalog, { ...hp.req, installed: interrupted.to }, stageOf(hp.server), true));
  return { plan: resumedPlan(first, after), resumed: { run: interrupted.run, next: interrupted.next, inFlight: interrupted.inFlight?.index } };
}

/**
 * Whether up has work. During up, olds are the last outputs; during refresh, the freshly read ones:
 * either way a server not at its target is a change (refresh shows it as drift).
 */
export function diff(olds: unknown, news: unknown): pulumi.dynamic.DiffResult {
  const [was, now] = [comparedOf(olds), comparedOf(news)];
  // a product of the user's own, registered when its module loads, is compared as its releases below
  if (now.catalogModule !== undefined) loadCatalogModule(now.catalogModule, String(now.product));
  const changed: string[] = [];
  if (!atTarget(was, now)) changed.push("target");
  if (was.failedRestore) changed.push("failedRestore");
  if (now.clearRun && now.clearRun !== was.clearRun) changed.push("clearRun");
  for (const k of ["host", "port", "user", "hostKey"]) if (was.connection[k] !== now.connection[k]) changed.push(`connection.${k}`);
  if (was.privateKey !== now.privateKey) changed.push("privateKey");
  if (was.password !== now.password) changed.push("password");
  if (JSON.stringify(was.options ?? {}) !== JSON.stringify(now.options ?? {})) changed.push("options");
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

/** Compared as the product's releases: "10.1.2.0.2" installed is the target "10.1.2". */
function atTarget(was: Compared, now: Compared): boolean {
  const scheme = typeof now.product === "string" && productNames().includes(now.product) ? getCatalog(now.product).scheme : undefined;
  const norm = (v: unknown) => (scheme !== undefined && typeof v === "string" ? scheme.normalize(v) : undefined);
  // a cluster member's stage (pool.upTo, a stop before the target) is done once the member runs that stop or later
  const stop = now.pool.upTo;
  if (typeof stop === "string")
    return (
      scheme !== undefined &&
      norm(was.installedVersion) !== undefined &&
      norm(stop) !== undefined &&
      scheme.compare(norm(was.installedVersion)!, norm(stop)!) >= 0
    );
  // a target alias ("latest") is compared as check resolved it against what the host offers
  const target = now.resolvedTarget ?? now.target;
  return was.installedVersion === target || (norm(was.installedVersion) !== undefined && norm(was.installedVersion) === norm(target));
}
