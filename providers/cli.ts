#!/usr/bin/env node
// upchain's command line (`upchain --help` lists every command with examples): `upchain plan` prints
// a chain and its steps (text, or JSON with --json), `upchain bundle` builds an offline bundle,
// `upchain report` draws a stack's last run. An illegal request exits 1 with the reason on stderr.
import { getCatalog, productNames } from "./catalogs";
import { loadCatalogModule } from "./catalogs/own";
import { Catalog, Hop, Platform, Rule } from "./engine/planning/catalog";
import { Rollout, RolloutStage, rolloutOrder, samePools, stagedRolloutOrder } from "./engine/planning/rollout";
import { planUpgrade } from "./engine/planning/planner";
import { isUpchainError } from "./errors";
import { buildBundle } from "./bundle";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { runsDir } from "./engine/running/runRecord";
import { readRecords, rowsFor, serversOf } from "./report/collect";
import { renderTimeline } from "./report/timeline";
import { planToText } from "./planText";

const usage = `upchain: plans and reports of upchain's upgrades (the upgrades themselves run through pulumi up)

commands:
  upchain plan <product> --from <version> --to <version> [--platform linux|windows] [--releases v1,v2,...]
               [--cluster m1,m2,...] [--catalog ./module] [--options <file.json>] [--json]
      The legal chain from one version to another and every step of every hop, as text (or JSON with
      --json); an illegal request exits 1 saying why. --cluster adds a cluster's rollout order;
      --catalog plans a product of your own from its catalog module; --options plans with a server's
      options (a JSON file, as the stack's options: mapping), else what the site supplies shows as
      <site: options.field>.
      example: upchain plan omflow --from 1.1.6.1 --to 1.2.0.1
      example: upchain plan groupmax --from 02-00 --to 06-00 --platform windows --json
      example: upchain plan oracle-as --from 9.0.2.0.0 --to 10.1.2 --cluster wc1,wc2
      example: upchain plan altazion-office --from ecommerce=5.1.0.0,integration=5.1.0.0 --to ecommerce=5.2.0.0,integration=5.2.0.0
  upchain bundle omflow --out <dir> [--packages name1,name2==1.0,...] [--debs]
      An offline bundle of OMFLOW's Python packages (and Debian packages with --debs) for hosts
      without internet access; set it as the server's options.offlineBundle.
      example: upchain bundle omflow --out ./omflow-bundle --packages six
  upchain report --stack <name> [--out report.svg] [--runs <dir>] [--export <stack export JSON>]
      A picture (SVG) of the stack's last run: one row per server, its hops and steps over time,
      wave by wave.
      example: upchain report --stack prod --out prod-run.svg
  upchain --help
      This text.

products: ${productNames().join(", ")} (or your own, with --catalog)`;

function parseArgs(argv: string[]): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) positional.push(a);
    else if (a === "--json" || a === "--help" || a === "--debs") flags.set(a.slice(2), true);
    else if (i + 1 < argv.length) flags.set(a.slice(2), argv[++i]);
    else throw new Error(`${a} needs a value`);
  }
  return { positional, flags };
}

async function bundle(flags: Map<string, string | true>): Promise<number> {
  const out = flags.get("out");
  if (typeof out !== "string") throw new Error("--out is required");
  const pk = flags.get("packages");
  await buildBundle({ out, packages: typeof pk === "string" ? pk.split(",").filter(Boolean) : [], debs: flags.has("debs") });
  process.stderr.write(`bundle ready in ${out}; set it as options.offlineBundle\n`);
  return 0;
}

/** Every member runs --from; the rollout takes them stop by stop along the chain's hops, in the order given (none when --from is already --to). */
function clusterRollout(catalog: Catalog, list: string, hops: readonly Hop[]): Rollout & { rule: Rule } {
  if (!catalog.cluster) throw new Error(`${catalog.title} has no cluster rollout (--cluster applies to products rolled behind a load balancer)`);
  const members = list.split(",").map((m) => m.trim());
  const bad = members.find((m) => !/^[A-Za-z0-9_.-]{1,64}$/.test(m));
  if (bad !== undefined) throw new Error(`--cluster: "${bad}" is not a member name (letters, digits, '_', '.', '-')`);
  const twice = members.find((m, i) => members.indexOf(m) !== i);
  if (twice) throw new Error(`--cluster: ${twice} is named twice`);
  const policy = catalog.cluster.policy;
  // the pools' roles depend on the release the members leave (none to leave: nothing to upgrade)
  if (!hops.length) return { ...rolloutOrder(members, new Set(members), policy(undefined)), rule: catalog.cluster.rule };
  const stages: RolloutStage[] = hops.map((h) => ({ from: h.from, to: h.to, policy: policy(h.from), leaves: !samePools(policy(h.from), policy(h.to)) }));
  const r = stagedRolloutOrder(members, stages, Object.fromEntries(members.map((m) => [m, 0])));
  return { ...r, rule: catalog.cluster.rule };
}

function rolloutToText(r: Rollout & { rule: Rule }): string {
  const lines = [`\nrollout (${r.rule.id}: ${r.rule.text}; ${r.rule.source}):`];
  r.entries.forEach((e, i) => lines.push(`  ${i + 1}. ${e.member}: ${e.action}`));
  if (r.outage) lines.push("  (one member: nothing serves while it is upgraded)");
  return lines.join("\n") + "\n";
}

/** The picture of the stack's last run: one row per server, its newest run (see providers/report). */
function report(flags: Map<string, string | true>): number {
  const stack = flags.get("stack");
  if (typeof stack !== "string") throw new Error("--stack is required");
  const file = flags.get("export");
  const exported =
    typeof file === "string"
      ? JSON.parse(fs.readFileSync(file, "utf8"))
      : JSON.parse(execFileSync("pulumi", ["stack", "export", "--stack", stack], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 }));
  const runs = flags.get("runs");
  const rows = rowsFor(serversOf(exported), readRecords(typeof runs === "string" ? runs : runsDir()));
  if (!rows.length)
    throw new Error(
      `no run of stack ${stack}'s servers is recorded in ${typeof runs === "string" ? runs : runsDir()} (records are kept by pulumi up from this folder)`,
    );
  const out = typeof flags.get("out") === "string" ? (flags.get("out") as string) : `upchain-report-${stack}.svg`;
  fs.writeFileSync(out, renderTimeline(rows, `upchain ${stack}`));
  process.stderr.write(`wrote ${out}: ${rows.length} server(s), ${rows.reduce((n, r) => n + r.record.steps.length, 0)} step(s)\n`);
  return 0;
}

/** --options: a server's options as a JSON object (the stack's options: mapping, as JSON). */
function optionsFile(file: string | true | undefined): Record<string, unknown> | undefined {
  if (file === undefined) return undefined;
  if (file === true) throw new Error("--options needs a file: --options server-options.json");
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(
      `--options: ${file} cannot be read as JSON (${(e as Error).message.slice(0, 200)}): give a file holding the server's options as a JSON object`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`--options: ${file} does not hold a JSON object: give the server's options, like {"portal": {...}}`);
  return parsed as Record<string, unknown>;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const { positional, flags } = parseArgs(argv);
    if (positional[0] === "bundle" && positional[1] === "omflow") return await bundle(flags);
    if (positional[0] === "report") return report(flags);
    if (flags.has("help") || positional[0] === "help") {
      process.stdout.write(usage + "\n");
      return 0;
    }
    const known = new Set(["from", "to", "platform", "releases", "cluster", "catalog", "options", "json"]);
    const unknown = [...flags.keys()].filter((f) => !known.has(f));
    if (positional[0] !== "plan" || positional.length !== 2 || unknown.length) {
      process.stderr.write((unknown.length ? `unknown option --${unknown[0]}\n` : "") + usage + "\n");
      return 2;
    }
    const own = flags.get("catalog");
    if (own !== undefined) {
      const problem = loadCatalogModule(own, positional[1]);
      if (problem) throw new Error(`--catalog: ${problem}`);
    }
    const catalog = getCatalog(positional[1]);
    const from = flags.get("from");
    const to = flags.get("to");
    if (typeof from !== "string" || typeof to !== "string") throw new Error("--from and --to are required");
    const platform = (flags.get("platform") ?? "linux") as Platform;
    const listed =
      typeof flags.get("releases") === "string"
        ? (flags.get("releases") as string)
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined;
    // a product whose releases are read from its host (an update service's offer): the mixes of --from and --to
    const releases = listed ?? catalog.releasesBetween?.(from, to);
    const cluster = flags.get("cluster");
    // a cluster member's plan is the product's with the catalog's member options (a Web Cache member propagates its configuration)
    const options = optionsFile(flags.get("options")) ?? (typeof cluster === "string" ? catalog.cluster?.memberOptions : undefined);
    const plan = planUpgrade(catalog, { installed: from, target: to, platform, releases, options });
    const rollout = typeof cluster === "string" ? clusterRollout(catalog, cluster, plan.hops) : undefined;
    // what runs when a hop fails, with its provenance too: every step the plan may run is shown
    const ctx = { platform, releases: releases ?? catalog.defaultReleases, options: options ?? {} };
    const onFailure = plan.hops.map((h) => ({
      hop: `${h.from}->${h.to}`,
      restore: catalog.restoreSteps(h, ctx),
      recover: catalog.recoverSteps?.(h, ctx) ?? [],
    }));
    const out = flags.has("json")
      ? JSON.stringify({ ...plan, onFailure, ...(rollout ? { rollout: rollout.entries } : {}) }, null, 2) + "\n"
      : planToText(plan, catalog.title, onFailure) + (rollout ? rolloutToText(rollout) : "");
    process.stdout.write(out);
    return 0;
  } catch (e) {
    const msg = isUpchainError(e) ? `upchain: ${e.code}: ${e.message}` : `upchain: ${(e as Error).message}`;
    process.stderr.write(msg + "\n");
    return 1;
  }
}

// main prints its own errors and returns the exit code; anything else it throws stays Node's unhandled rejection (printed, exit 1)
if (require.main === module) void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
