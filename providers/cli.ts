#!/usr/bin/env node
// upchain's command line: `upchain plan <product> --from <v> --to <v> [--platform linux|windows]
// [--releases v1,v2,...] [--json]`. Prints the chain and its steps; an illegal request exits 1 with
// the reason on stderr.
import { getCatalog, productNames } from "./catalogs";
import { Platform } from "./engine/catalog";
import { planUpgrade } from "./engine/planner";
import { isUpchainError } from "./errors";
import { buildBundle } from "./bundle";
import { planToText } from "./planText";

const usage = `usage: upchain plan <product> --from <version> --to <version> [--platform linux|windows] [--releases v1,v2,...] [--json]
       upchain bundle omflow --out <dir> [--packages name1,name2==1.0,...] [--debs]
products: ${productNames().join(", ")}`;

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

export async function main(argv: string[]): Promise<number> {
  try {
    const { positional, flags } = parseArgs(argv);
    if (positional[0] === "bundle" && positional[1] === "omflow") return await bundle(flags);
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

if (require.main === module) main(process.argv.slice(2)).then((code) => (process.exitCode = code));
