// ClusterRollout: what only the whole cluster can tell, checked at preview and kept true at each run.
// Preview reads every member's release and interrupted run (read-only) and the balancer's pools, and
// refuses what the rollout cannot do: members not yet upgraded on releases that are not one source and
// the stops of its chain (what a stopped rollout leaves is accepted), an upgraded member after one that
// is not (members are upgraded in the declared order), a member missing from a pool, a pool state an
// operator set (never undone), a one-member cluster (it cannot keep serving) unless an outage is
// accepted. It shows the rollout order. At `up` it first reconciles the pools with what each member
// runs, a member with an interrupted run counting as the one being upgraded (the last old one, seen
// down, as having stopped its old release), so a run killed mid-rollout resumes from pools that match
// the cluster. The members themselves are Servers with pool steps (engine/planning/clusterMember.ts).
import { printable, printableCheck } from "../terminalBoundary";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { getCatalog, productNames } from "../catalogs";
import { connectionSchema, toCheckFailures } from "../connectionSchema";
import { Catalog, platformShell, probedVersion } from "../engine/planning/catalog";
import { DEFAULT_STATE_DIR } from "../engine/running/executor";
import { readJournal } from "../engine/running/journal";
import { applyPools } from "../loadBalancer/poolStep";
import { Pools as DesiredPools, Rollout, RolloutStage, desiredPools, rolloutOrder, samePools, stagedRolloutOrder } from "../engine/planning/rollout";
import { UpchainError, checkFailure, isUpchainError } from "../errors";
import { haproxyPools, runtimeApiSchema } from "../loadBalancer/config";
import { OwnStates, foreignStates } from "../loadBalancer/ledger";
import { AdminState, ServerState, adminStates } from "../loadBalancer/pools";
import { Connection } from "../transport/remoteHost";
import { withSsh } from "../transport/ssh";
import { withArticle } from "../article";
import { propertiesOf } from "../properties";
import { CheckFailure, FieldNames, fieldNamesOf, inUserTerms, userField } from "../server/fields";

const memberName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, "a server name as the balancer has it: letters, digits, '_', '.', ':' and '-'");

export const clusterSchema = z.object({
  product: z.string().refine((p) => productNames().includes(p), { message: `must be one of: ${productNames().join(", ")}` }),
  platform: z.enum(["linux", "windows"]).default("linux"),
  target: z.string().min(1),
  members: z
    .array(
      z
        .object({ name: memberName, connection: connectionSchema, options: z.record(z.string(), z.unknown()).default({}), journalName: z.string().optional() })
        .strict(),
    )
    .min(1, "a cluster has at least one member"),
  balancer: runtimeApiSchema,
  backends: z.record(z.string(), memberName).default({}),
  allowOutage: z.boolean().default(false),
  /** Seconds a drained member may take to finish what it serves, when the reconcile drains one (as the members' pool steps). */
  drainSeconds: z.number().int().min(1).max(86_400).default(300),
  versionCommand: z.string().min(1).optional(),
});

export type ClusterInputs = z.infer<typeof clusterSchema>;

export interface Observed {
  releases: Record<string, string>;
  /** Members with an interrupted run (their journal is still running). */
  pending: string[];
  /** backend/server -> state, as the balancer reads. */
  pools: Record<string, string>;
  /** Members HAProxy's health checks find down in the traffic backend (a stopped release). */
  down?: string[];
  /** backend/server -> the state upchain set there and has not given back (loadBalancer/ledger.ts). */
  own?: Record<string, string>;
}

const backendOf = (s: ClusterInputs, role: string) => s.backends[role] ?? role;
const byBackend = (s: ClusterInputs, p: DesiredPools) => Object.fromEntries(Object.entries(p).map(([role, v]) => [backendOf(s, role), v]));

/** The pools' roles for a cluster whose members not yet upgraded run `source` (none: every member runs the target). */
function policyOf(catalog: Catalog, source: string | undefined) {
  if (!catalog.cluster) throw new UpchainError("INVALID_INPUT", `product: ${catalog.title} has no cluster rollout`, ["product"]);
  return catalog.cluster.policy(source);
}

/** A connection's error, placed at the connection it is about (a member's, the balancer's), so that check names that field. */
async function at<T>(where: (string | number)[], run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (isUpchainError(e) && e.path[0] === "connection") throw new UpchainError(e.code, e.message, [...where, ...e.path], { cause: e });
    throw e;
  }
}

/** The connection options of the one at `where`: a host key mismatch names the field the user pinned it in. */
const pinnedIn = (fields: FieldNames | undefined, where: string) => ({ hostKeyField: userField(`${where}.connection.hostKey`, fields) });

async function observe(s: ClusterInputs, catalog: Catalog, fields?: FieldNames): Promise<Observed> {
  const releases: Record<string, string> = {};
  const pending: string[] = [];
  await Promise.all(
    s.members.map((m, k) =>
      at(["members", k], () =>
        withSsh(
          m.connection as Connection,
          async (h) => {
            // a member's release: the document's probe, else the site's versionCommand (004 names no way to read it)
            const ctx = { platform: s.platform, releases: catalog.defaultReleases, options: { ...catalog.cluster?.memberOptions, ...m.options } };
            const p = catalog.probeVersion
              ? catalog.probeVersion(ctx)
              : s.versionCommand
                ? { shell: platformShell(s.platform), command: s.versionCommand }
                : undefined;
            if (!p)
              throw new UpchainError(
                "INVALID_INPUT",
                `versionCommand: ${catalog.title} has no documented way to read a member's release, which a cluster rollout needs: give versionCommand, your site's read-only command that prints it`,
                ["versionCommand"],
              );
            const r = await h.exec(p.command, { sudo: true });
            const v = catalog.scheme.normalize(probedVersion(p, r.stdout));
            if (r.code !== 0 || !v)
              throw new UpchainError(
                "COMMAND_FAILED",
                `members: ${m.name} (${h.label}) does not report ${withArticle(catalog.title)} release: ${(r.stderr || r.stdout).trim().slice(0, 300) || "no output"}`,
                ["members"],
              );
            releases[m.name] = v;
            const j = await readJournal(h, DEFAULT_STATE_DIR, m.journalName ?? s.product);
            if (j?.status === "running") pending.push(m.name);
          },
          pinnedIn(fields, `members.${k}`),
        ),
      ),
    ),
  );
  const [states, own] = await at(["balancer"], () =>
    withSsh(
      s.balancer.connection as Connection,
      async (h): Promise<[ServerState[], OwnStates]> => {
        const lb = haproxyPools(h, s.balancer);
        return [await lb.read(), await lb.ownStates()];
      },
      pinnedIn(fields, "balancer"),
    ),
  );
  const pools = Object.fromEntries(states.map((x) => [`${x.backend}/${x.server}`, x.admin]));
  const traffic = backendOf(s, policyOf(catalog, undefined).traffic);
  const down = s.members.map((m) => m.name).filter((n) => states.some((x) => x.backend === traffic && x.server === n && x.health === "down"));
  return { releases, pending: s.members.map((m) => m.name).filter((n) => pending.includes(n)), pools, down, own: Object.fromEntries(own) };
}

/**
 * The releases the members not yet upgraded may run: one source and the stops of its chain to the
 * target (a stopped rollout leaves a member on an intermediate stop, like 9.0.2.3 on the way from
 * 9.0.2.0), lowest first; and the members on none of them.
 */
function oldChain(
  catalog: Catalog,
  s: ClusterInputs,
  target: string,
  old: string[],
  releases: Record<string, string>,
): { source?: string; stops: string[]; off: string[] } {
  const sorted = [...new Set(old.map((n) => releases[n]))].sort((a, b) => catalog.scheme.compare(a, b));
  if (!sorted.length) return { stops: [], off: [] };
  const source = sorted[0];
  const ctx = { platform: s.platform, releases: catalog.defaultReleases, options: { ...catalog.cluster?.memberOptions } };
  const stops = [source, ...catalog.requiredStops(source, target, ctx).map((x) => x.version)];
  const off = old.filter((n) => !stops.some((v) => catalog.scheme.compare(v, releases[n]) === 0));
  return { source, stops, off };
}

/** What the cluster's state allows, as check failures; and the pools it should be in now. */
export function judge(
  s: ClusterInputs,
  catalog: Catalog,
  o: Observed,
): { problems: string[]; upgraded: Set<string>; upgrading?: string; desired: DesiredPools; source?: string; stops: string[] } {
  const names = s.members.map((m) => m.name);
  const target = catalog.scheme.normalize(s.target) ?? s.target;
  const upgraded = new Set(names.filter((n) => catalog.scheme.compare(o.releases[n], target) >= 0));
  const problems: string[] = [];
  const old = names.filter((n) => !upgraded.has(n));
  const chain = oldChain(catalog, s, target, old, o.releases);
  if (chain.off.length) {
    problems.push(
      `the members not yet on ${target} run different releases (${old.map((n) => `${n} ${o.releases[n]}`).join(", ")}): a rollout starts from one release, ` +
        `its members on that release or on a later stop of its chain (${[...chain.stops, target].join(" -> ")}); ${chain.off.join(", ")} ${chain.off.length > 1 ? "are" : "is"} on none of them: ` +
        `bring them to one first (upgrade ${chain.off.length > 1 ? "them" : "it"} on ${chain.off.length > 1 ? "their" : "its"} own, outside the cluster's members, or declare a cluster per release)`,
    );
  }
  const firstOld = names.findIndex((n) => !upgraded.has(n));
  const late = firstOld < 0 ? [] : names.slice(firstOld + 1).filter((n) => upgraded.has(n));
  if (late.length)
    problems.push(
      `${late.join(", ")} already run ${target} but come after ${names[firstOld]}, which does not: members are upgraded in the declared order, so list the upgraded ones first`,
    );
  if (names.length === 1 && old.length && !s.allowOutage)
    problems.push(`a one-member cluster cannot keep serving while ${names[0]} is upgraded: add members, or set allowOutage: true`);
  if (o.pending.length > 1) problems.push(`${o.pending.join(" and ")} both have an interrupted run: finish or clear them one at a time`);
  const policy = policyOf(catalog, chain.source);
  // for the pools, a member has left the old release when its release is of another class than the
  // source (its policy as a source differs): a member on a stop within the class (9.0.2.3 from
  // 9.0.2.0) takes invalidations like the source's members
  const left = new Set(names.filter((n) => chain.source !== undefined && !chain.off.includes(n) && !samePools(policy, policyOf(catalog, o.releases[n]))));
  const sameClass = names.filter((n) => !left.has(n));
  // members rolled member by member through the whole chain (an earlier upchain): a member already
  // off the old release while another has a stop of the class still ahead would take invalidations
  // again during that stop, which the stop-by-stop rollout never leaves
  const ahead =
    chain.source === undefined || !left.size
      ? []
      : sameClass.filter((n) => {
          const at = chain.stops.findIndex((v) => catalog.scheme.compare(v, o.releases[n]) === 0);
          return at >= 0 && chain.stops.slice(at + 1).some((v) => samePools(policy, policyOf(catalog, v)));
        });
  if (ahead.length) {
    const next = chain.stops.find((v) => catalog.scheme.compare(v, o.releases[ahead[0]]) > 0);
    problems.push(
      `${[...left].join(", ")} already ${left.size > 1 ? "run" : "runs"} ${[...new Set([...left].map((n) => o.releases[n]))].join(", ")} while ${ahead.join(", ")} ${ahead.length > 1 ? "have" : "has"} yet to reach ${next}: the cluster rolls stop by stop (every member to ${next} before any goes further, so that a member of the old release always takes what only it may take), ` +
        `and an earlier rollout took ${left.size > 1 ? "them" : "it"} further. To go on, declare the cluster with only ${sameClass.join(", ")} and version ${next}, run up (${[...left].join(", ")} ${left.size > 1 ? "stay" : "stays"} out of the pools upchain took ${left.size > 1 ? "them" : "it"} out of), then declare every member and version ${target} again`,
    );
  }
  const upgrading = o.pending[0];
  // a killed run of the last old member: once it is down, its old release no longer serves, and the
  // upgraded members take the old-release-only pools again (invalidation service first)
  const lastOld = upgrading !== undefined && sameClass.every((n) => n === upgrading);
  const desired = desiredPools(names, left, upgrading, policy, lastOld && (o.down ?? []).includes(upgrading));
  for (const [backend, servers] of Object.entries(byBackend(s, desired))) {
    for (const server of Object.keys(servers))
      if (!(`${backend}/${server}` in o.pools))
        problems.push(
          `the balancer has no server ${server} in backend ${backend}: add every member to every pool backend (${Object.keys(desired)
            .map((r) => `${r}: ${backendOf(s, r)}`)
            .join(", ")})`,
        );
  }
  const current = new Map(Object.entries(o.pools).filter((e): e is [string, AdminState] => (adminStates as readonly string[]).includes(e[1])));
  const own = new Map(Object.entries(o.own ?? {}).filter((e): e is [string, "drain" | "maint"] => e[1] === "drain" || e[1] === "maint"));
  problems.push(...foreignStates(current, byBackend(s, desired), own));
  return { problems, upgraded, upgrading, desired, source: chain.source, stops: chain.stops };
}

/**
 * The rollout preview shows, stop by stop (the members' Servers run it so, components/webCacheCluster.ts):
 * every member to the chain's first stop, one at a time, then every member to the next. A stage's hop
 * takes members off the old release when it reaches a release the source's old-release-only pools
 * must not hold (of another class: its policy differs); a stage within the class moves each member alone.
 */
export function clusterRollout(s: ClusterInputs, catalog: Catalog, o: Observed, j: { upgraded: Set<string>; source?: string; stops: string[] }): Rollout {
  const names = s.members.map((m) => m.name);
  if (j.source === undefined) return rolloutOrder(names, j.upgraded, policyOf(catalog, undefined));
  const target = catalog.scheme.normalize(s.target) ?? s.target;
  const chain = [...j.stops, target];
  const stages: RolloutStage[] = chain.slice(1).map((to, i) => {
    const from = chain[i];
    const policy = policyOf(catalog, from);
    return { from, to, policy, leaves: !samePools(policy, policyOf(catalog, to)) };
  });
  const at = Object.fromEntries(
    names.map((n) => [
      n,
      j.upgraded.has(n)
        ? stages.length
        : Math.max(
            0,
            chain.findIndex((v) => catalog.scheme.compare(v, o.releases[n]) === 0),
          ),
    ]),
  );
  return stagedRolloutOrder(names, stages, at);
}

function poolsMatch(s: ClusterInputs, desired: DesiredPools, o: Observed): boolean {
  return Object.entries(byBackend(s, desired)).every(([b, servers]) => Object.entries(servers).every(([sv, want]) => o.pools[`${b}/${sv}`] === want));
}

function membersFailure(reason: string): CheckFailure {
  return { property: "members", reason };
}

/**
 * Every failure is named in the reason as the user wrote the field (server/fields.ts), never as the
 * failure's property: the engine prints a property's whole value beside it, and the members' value is
 * every member's connection and options.
 */
export async function check(olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult> {
  const r = await checkCluster(olds, news);
  return printableCheck(r.failures?.length ? { failures: inUserTerms(r.failures, fieldNamesOf(news)) } : r);
}

async function checkCluster(_olds: unknown, news: unknown): Promise<pulumi.dynamic.CheckResult> {
  const parsed = clusterSchema.safeParse(news);
  if (!parsed.success) return { failures: toCheckFailures(parsed.error) };
  const s = parsed.data;
  const names = s.members.map((m) => m.name);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) return { failures: [checkFailure("INVALID_INPUT", "members", `${[...new Set(twice)].join(", ")} named twice`)] };
  try {
    const catalog = getCatalog(s.product);
    const o = await observe(s, catalog, fieldNamesOf(news));
    const j = judge(s, catalog, o);
    if (j.problems.length) return { failures: j.problems.map((reason) => checkFailure("INVALID_INPUT", "members", reason)) };
    const order = clusterRollout(s, catalog, o, j).entries.map((e) => `${e.member}: ${e.action}`);
    return { inputs: { ...propertiesOf(news), observed: { ...o, poolsMatch: poolsMatch(s, j.desired, o) }, rollout: order } };
  } catch (e) {
    if (!isUpchainError(e)) return { failures: [membersFailure((e as Error).message)] };
    return { failures: [checkFailure(e.code, e.path.length ? e.path : "members", e.message)] };
  }
}

/** The members' names in the order declared, from properties check returned (or the state kept). */
const memberNamesOf = (props: Record<string, unknown>): unknown[] => (Array.isArray(props.members) ? props.members.map((m) => propertiesOf(m).name) : []);

/** diff reads what check returned (news) and the state (olds): its own outputs, strings where it wrote strings. */
export async function diff(_id: string, oldProps: unknown, newProps: unknown): Promise<pulumi.dynamic.DiffResult> {
  const [olds, news] = [propertiesOf(oldProps), propertiesOf(newProps)];
  const observed = propertiesOf(news.observed);
  const changed: string[] = [];
  const target = String(news.target);
  const releases = Object.values(propertiesOf(observed.releases)).map(String);
  const catalog = getCatalog(String(news.product));
  const t = catalog.scheme.normalize(target) ?? target;
  if (releases.some((v) => catalog.scheme.compare(v, t) < 0)) changed.push("rollout");
  if (news.observed && !observed.poolsMatch) changed.push("pools");
  if (JSON.stringify(memberNamesOf(olds)) !== JSON.stringify(memberNamesOf(news))) changed.push("members");
  return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
}

/** The reconcile's pool step: the pools the cluster's state calls for, drained within the stack's drainSeconds (as the members' own pool steps). */
export function reconcileStep(s: ClusterInputs, j: { desired: DesiredPools }): { pools: Record<string, Record<string, AdminState>>; drainSeconds: number } {
  return { pools: byBackend(s, j.desired), drainSeconds: s.drainSeconds };
}

/** Put the pools where the members' releases (and an interrupted run) say they belong. */
async function reconcile(inputs: unknown): Promise<{ id: string; outs: Record<string, unknown> }> {
  const s = clusterSchema.parse(inputs);
  const catalog = getCatalog(s.product);
  const o = await observe(s, catalog, fieldNamesOf(inputs));
  const j = judge(s, catalog, o);
  if (j.problems.length) throw new UpchainError("INVALID_INPUT", j.problems.join("; "), ["members"]);
  const log = (line: string) => console.log(`upchain cluster: ${line}`);
  await withSsh(
    s.balancer.connection as Connection,
    async (h) => {
      const r = await applyPools(haproxyPools(h, s.balancer), reconcileStep(s, j), Date.now() + (s.drainSeconds + 120) * 1000);
      for (const line of r.stdout.trimEnd().split("\n")) log(line);
    },
    pinnedIn(fieldNamesOf(inputs), "balancer"),
  );
  const after = await observe(s, catalog, fieldNamesOf(inputs));
  return { id: `cluster@${s.balancer.connection.host}`, outs: { ...propertiesOf(inputs), observed: { ...after, poolsMatch: true } } };
}

export async function create(inputs: unknown): Promise<pulumi.dynamic.CreateResult> {
  return printable(() => reconcile(inputs));
}

export async function update(_id: string, _olds: unknown, news: unknown): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: (await printable(() => reconcile(news))).outs };
}

export async function read(id: string, props: unknown): Promise<pulumi.dynamic.ReadResult> {
  return printable(() => readCluster(id, props));
}

async function readCluster(id: string, props: unknown): Promise<pulumi.dynamic.ReadResult> {
  const s = clusterSchema.parse(props);
  const catalog = getCatalog(s.product);
  const o = await observe(s, catalog, fieldNamesOf(props));
  const j = judge(s, catalog, o);
  return { id, props: { ...propertiesOf(props), observed: { ...o, poolsMatch: poolsMatch(s, j.desired, o) } } };
}

export async function remove(): Promise<void> {
  // nothing on the members or the balancer belongs to this resource
}
