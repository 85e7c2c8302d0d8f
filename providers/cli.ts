#!/usr/bin/env node
// upchain's command line: `upchain plan <product> --from <v> --to <v> [--platform linux|windows]
// [--releases v1,v2,...] [--json]`. Prints the chain and its steps; an illegal request exits 1 with
// the reason on stderr.
import { getCatalog, productNames } from "./catalogs";
import { Platform } from "./engine/catalog";
import { planUpgrade } from "./engine/planner";
import { isUpchainError } from "./errors";
import { planToText } from "./planText";

const usage = `usage: upchain plan <product> --from <version> --to <version> [--platform linux|windows] [--releases v1,v2,...] [--json]
products: ${productNames().join(", ")}`;

function parseArgs(argv: string[]): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) positional.push(a);
    else if (a === "--json" || a === "--help") flags.set(a.slice(2), true);
    else if (i + 1 < argv.length) flags.set(a.slice(2), argv[++i]);
    else throw new Error(`${a} needs a value`);
  }
  return { positional, flags };
}

export function main(argv: string[]): number {
  try {
    const { positional, flags } = parseArgs(argv);
    const known = new Set(["from", "to", "platform", "releases", "json", "help"]);
    const unknown = [...flags.keys()].filter((f) => !known.has(f));
    if (flags.has("help") || positional[0] !== "plan" || positional.length !== 2 || unknown.length) {
      process.stderr.write((unknown.length ? `unknown option --${unknown[0]}\n` : "") + usage + "\n");
      return flags.has("help") ? 0 : 2;
    }
    const catalog = getCatalog(positional[1]);
    const from = flags.get("from");
    const to = flags.get("to");
    if (typeof from !== "string" || typeof to !== "string") throw new Error("--from and --to are required");
    const platform = (flags.get("platform") ?? "linux") as Platform;
    const releases = typeof flags.get("releases") === "string" ? (flags.get("releases") as string).split(",").map((s) => s.trim()).filter(Boolean) : undefined;
    const plan = planUpgrade(catalog, { installed: from, target: to, platform, releases });
    process.stdout.write(flags.has("json") ? JSON.stringify(plan, null, 2) + "\n" : planToText(plan, catalog.title));
    return 0;
  } catch (e) {
    const msg = isUpchainError(e) ? `upchain: ${e.code}: ${e.message}` : `upchain: ${(e as Error).message}`;
    process.stderr.write(msg + "\n");
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
