// The Server provider: one managed server of one product at a desired version. check plans the
// whole chain (probing the installed version read-only) so preview shows every hop and step;
// create/update run it; read reports the installed version; delete forgets the server.
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { getCatalog, productNames } from "../catalogs";
import { connectionOf, connectionSchema, toCheckFailures, withConnection } from "../connectionSchema";
import { Catalog, PlanContext } from "../engine/catalog";
import { DEFAULT_STATE_DIR, executePlan } from "../engine/executor";
import { readJournal } from "../engine/journal";
import { Plan, PlanRequest, assertPlanInputs, hopLabel, planUpgrade } from "../engine/planner";
import { UpchainError, isUpchainError } from "../errors";
import { quote } from "../quote";
import { describeEntry } from "../edits/services";
import { entriesOf } from "../engine/fileSteps";
import { precheckPlan } from "../engine/precheck";
import { ReconnectingHost } from "../transport/reconnectingHost";
import { connectSsh, withSsh } from "../transport/ssh";
import { RemoteHost } from "../transport/remoteHost";

const serverSchema = z.object({
  product: z.string().refine((p) => productNames().includes(p), { message: `must be one of: ${productNames().join(", ")}` }),
  platform: z.enum(["linux", "windows"]).default("linux"),
  target: z.string().min(1, "give the version this server should run"),
  releases: z.array(z.string()).optional(),
  options: z.record(z.string(), z.unknown()).default({}),
  /** Names the journal and lock on the host; one per product installation. */
  journalName: z.string().regex(/^[a-z0-9-]+$/).optional(),
  /** How long a run's lock outlives its last heartbeat, i.e. how soon a killed run's lock is taken over. */
  lockTimeoutSeconds: z.number().int().min(5).max(86_400).default(120),
});

type ServerInputs = z.infer<typeof serverSchema>;

/** The chain from `installed` to the server's target, with every input it needs present. */
function planFor(catalog: Catalog, s: ServerInputs, installed: string): Plan {
  const req: PlanRequest = { installed, target: s.target, platform: s.platform, releases: s.releases, options: s.options };
  const plan = planUpgrade(catalog, req);
  assertPlanInputs(catalog, plan, req);
  return plan;
}

function contextOf(catalog: Catalog, s: ServerInputs): PlanContext {
  return { platform: s.platform, releases: [...(s.releases ?? catalog.defaultReleases)], options: s.options };
}

export async function probeInstalled(host: RemoteHost, catalog: Catalog, ctx: PlanContext): Promise<string> {
  const p = catalog.probeVersion(ctx);
  const cmd = p.shell === "powershell" ? `powershell -NoProfile -NonInteractive -Command ${quote(p.command)}` : p.command;
  const r = await host.exec(cmd, { sudo: true });
  const found = r.stdout.trim();
  if (r.code !== 0 || !found) {
    throw new UpchainError(
      "UNKNOWN_VERSION",
      `${host.label}: no ${catalog.title} installation found (${p.command} printed nothing). upchain adopts servers that already run ${catalog.title}; it never installs from nothing.`,
      ["connection", "host"],
    );
  }
  return found;
}

/** The chain as preview shows it: hops, and each step as "hop n. [action] title". */
function planSummary(plan: Plan) {
  return {
    from: plan.from,
    to: plan.to,
    hops: plan.hops.map((h) => `${hopLabel(h)} (${h.rule.id})`),
    steps: plan.steps.map((s) => `${s.hop} ${s.id}: [${s.action}] ${s.title}`),
    // one line per entry: a step title listing six entries is too long for the diff view
    ...(plan.steps.some((s) => s.action === "services-add")
      ? { servicesEntries: plan.steps.flatMap((s) => (s.action === "services-add" ? entriesOf(s).map((e) => `${s.hop} ${String(s.file)} += ${describeEntry(e)}`) : [])) }
      : {}),
  };
}

function failure(e: unknown): pulumi.dynamic.CheckResult {
  if (!isUpchainError(e)) throw e;
  return { failures: [{ property: e.path.length ? e.path.join(".") : "target", reason: `${e.code}: ${e.message}` }] };
}

export async function check(_olds: any, news: any): Promise<pulumi.dynamic.CheckResult> {
  const conn = connectionSchema.safeParse(connectionOf(news));
  const srv = serverSchema.safeParse(news);
  const failures = [...(conn.success ? [] : toCheckFailures(conn.error, ["connection"])), ...(srv.success ? [] : toCheckFailures(srv.error))];
  if (!conn.success || !srv.success) return { failures };
  const catalog = getCatalog(srv.data.product);
  try {
    const [plan, pending] = await withSsh(conn.data, async (h) => {
      const p = planFor(catalog, srv.data, await probeInstalled(h, catalog, contextOf(catalog, srv.data)));
      await precheckPlan(h, p);
      return [p, await readJournal(h, DEFAULT_STATE_DIR, srv.data.journalName ?? srv.data.product)] as const;
    });
    const summary: Record<string, unknown> = planSummary(plan);
    if (pending?.status === "running") {
      summary.resume = `first finishes interrupted run ${pending.run} (${pending.plan.from} -> ${pending.plan.to}) from step ${pending.next + 1} of ${pending.plan.steps.length}`;
    }
    return { inputs: { ...withConnection({ ...news, ...srv.data }, conn.data), plan: summary } };
  } catch (e) {
    return failure(e);
  }
}

async function converge(inputs: any): Promise<any> {
  const c = connectionSchema.parse(connectionOf(inputs));
  const s = serverSchema.parse(inputs);
  const catalog = getCatalog(s.product);
  const ctx = contextOf(catalog, s);
  const log = (line: string) => console.log(`upchain ${c.host}: ${line}`);
  const journalName = s.journalName ?? s.product;
  // a reboot step replaces the connection underneath; everything else keeps this one object
  const host = new ReconnectingHost(await connectSsh(c), (ms) => connectSsh(c, { readyTimeoutMs: ms }));
  try {
    const run = (plan: Plan) =>
      executePlan({ host, catalog, plan, ctx, resource: journalName, lockStaleSeconds: s.lockTimeoutSeconds, log, secrets: [c.privateKey ?? "", c.password ?? ""] });
    // An interrupted run is finished first, whatever version the host reports now: its last hop
    // may have changed the version and still have steps to go (start, check).
    const pending = await readJournal(host, DEFAULT_STATE_DIR, journalName);
    if (pending?.status === "running") await run(pending.plan);
    const plan = planFor(catalog, s, await probeInstalled(host, catalog, ctx));
    if (plan.hops.length) {
      log(`${catalog.title} ${plan.from} -> ${plan.to}: ${plan.hops.map(hopLabel).join(", ")}`);
      await run(plan);
    }
    const now = await probeInstalled(host, catalog, ctx);
    return withConnection({ ...s, plan: inputs.plan, installedVersion: now }, c);
  } finally {
    await host.close();
  }
}

/** Pulumi shows a thrown error's message only: put the code in front, as check's failures have it. */
async function convergeReporting(inputs: any): Promise<any> {
  try {
    return await converge(inputs);
  } catch (e) {
    if (isUpchainError(e)) throw new Error(`${e.code}: ${e.message}`);
    throw e;
  }
}

export async function create(inputs: any): Promise<pulumi.dynamic.CreateResult> {
  const outs = await convergeReporting(inputs);
  return { id: `${outs.product}@${outs.connection.host}:${outs.connection.port}`, outs };
}

export async function update(_id: string, _olds: any, news: any): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: await convergeReporting(news) };
}

export async function diff(_id: string, olds: any, news: any): Promise<pulumi.dynamic.DiffResult> {
  const changed: string[] = [];
  // during up, olds are the last outputs; during refresh, the freshly read ones: either way a server
  // not at its target is a change (refresh shows it as drift)
  if (olds.installedVersion !== news.target) changed.push("target");
  for (const k of ["host", "port", "user", "hostKey"]) if (olds.connection?.[k] !== news.connection?.[k]) changed.push(`connection.${k}`);
  if (olds.privateKey !== news.privateKey) changed.push("privateKey");
  if (olds.password !== news.password) changed.push("password");
  if (JSON.stringify(olds.options ?? {}) !== JSON.stringify(news.options ?? {})) changed.push("options");
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

export async function read(id: string, props: any): Promise<pulumi.dynamic.ReadResult> {
  const c = connectionSchema.parse(connectionOf(props));
  const s = serverSchema.parse(props);
  const catalog = getCatalog(s.product);
  const installedVersion = await withSsh(c, (h) => probeInstalled(h, catalog, contextOf(catalog, s)));
  return { id, props: { ...props, installedVersion } };
}

export async function remove(): Promise<void> {
  // Forgetting a server never uninstalls anything.
}
