// A product's recipe as a Markdown table, generated from its catalog: for each step, what the
// document says, what upchain does, and where the step comes from. The catalog READMEs hold these
// tables between markers, and a unit test regenerates them (tests/unit/docs/recipeTables.test.ts), so
// they cannot drift from the code. Planned without the stack's options (what the site supplies shows
// as the catalog's placeholder), or with one of the catalog's example option sets (`example=<name>`,
// defined beside the catalog and checked by its own preview validation), so that the steps options
// add (post-upgrade tasks, propagation, leavefarm, notices, ...) are shown too.
import { Catalog, Platform, Step } from "./engine/planning/catalog";
import { planUpgrade } from "./engine/planning/planner";
import { Provenance } from "./engine/planning/provenance";
import { UpchainError } from "./errors";

/** One table: the chain `from -> to` on `platform`, with the restore and recovery steps of its hops. */
export interface RecipeRequest {
  platform: Platform;
  from: string;
  to: string;
  releases?: string[];
  /** The name of one of the catalog's example option sets (RecipeExamples) to plan with. */
  example?: string;
}

/** A catalog's example option sets, by name and platform: legal stacks' `options` (a unit test runs each through the catalog's preview validation). */
export type RecipeExamples = Record<string, Partial<Record<Platform, Record<string, unknown>>>>;

/**
 * `<!-- recipe linux 1.1.5.0 1.2.0.1 -->` opens a table in a README (optionally `releases=a,b` and
 * `example=<name>`, in that order); `<!-- /recipe -->` closes it.
 */
const RECIPE_BLOCK = /<!-- recipe (linux|windows) (\S+) (\S+)(?: releases=(\S+))?(?: example=(\S+))? -->\n[\s\S]*?<!-- \/recipe -->/g;

const requestOf = (platform: string, from: string, to: string, releases?: string, example?: string): RecipeRequest => ({
  platform: platform as Platform,
  from,
  to,
  ...(releases ? { releases: releases.split(",") } : {}),
  ...(example ? { example } : {}),
});

export function recipeRequests(readme: string): RecipeRequest[] {
  return [...readme.matchAll(RECIPE_BLOCK)].map((m) => requestOf(m[1], m[2], m[3], m[4], m[5]));
}

/** The options a request plans with: none, or its example's for its platform (a block naming an unknown one fails, naming the known). */
export function exampleOptions(r: RecipeRequest, examples: RecipeExamples = {}): Record<string, unknown> {
  if (!r.example) return {};
  const options = examples[r.example]?.[r.platform];
  if (!options) {
    const known = Object.entries(examples)
      .filter(([, e]) => e[r.platform])
      .map(([name]) => name);
    throw new UpchainError(
      "INVALID_INPUT",
      `a recipe block names example=${r.example}, which is not one of the catalog's examples for ${r.platform} (known: ${known.join(", ") || "none"})`,
    );
  }
  return options;
}

/** Table cells are one line: pipes escaped, line breaks as spaces. */
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");

function documentSays(p: Provenance | undefined): string {
  if (p?.kind !== "document") return "";
  return `${p.section}: «${p.quote}»${p.translation ? ` (${p.translation})` : ""}`;
}

function from(p: Provenance | undefined): string {
  if (!p) return "**not stated**";
  if (p.kind === "document") return `document ${p.document.slice(0, 3)}`;
  if (p.kind === "site") return `site: \`${p.field}\` (${p.note})`;
  return `safety: ${p.note}`;
}

function rows(steps: (Step & { hop?: string })[], label: (s: Step & { hop?: string }) => string): string[] {
  return steps.map(
    (s) =>
      `| ${cell(label(s))} | ${cell(documentSays(s.provenance))} | ${cell(`${s.title} [${s.action}${s.destructive ? ", changes the server" : ""}]`)} | ${cell(from(s.provenance))} |`,
  );
}

/** The table for one request, with counts by provenance below it. */
export function recipeTable(catalog: Catalog, r: RecipeRequest, examples?: RecipeExamples): string {
  const releases = r.releases ?? catalog.releasesBetween?.(r.from, r.to);
  const options = exampleOptions(r, examples);
  const plan = planUpgrade(catalog, { installed: r.from, target: r.to, platform: r.platform, releases, options });
  const ctx = { platform: r.platform, releases: releases ?? catalog.defaultReleases, options };
  const aside = plan.hops.flatMap((hop) => [
    ...catalog.restoreSteps(hop, ctx).map((s) => ({ ...s, hop: `${hop.from}->${hop.to} on failure` })),
    ...(catalog.recoverSteps?.(hop, ctx) ?? []).map((s) => ({ ...s, hop: `${hop.from}->${hop.to} on failure` })),
  ]);
  const all: (Step & { hop?: string })[] = [...plan.steps, ...aside];
  const count = (kind: string) => all.filter((s) => s.provenance?.kind === kind).length;
  const missing = all.filter((s) => !s.provenance).length;
  return [
    `${catalog.title} ${plan.from} -> ${plan.to} on ${r.platform}: ${plan.hops.map((h) => `${h.from} -> ${h.to}`).join(", ")}${r.example ? ` (with the example options \`${r.example}\`)` : ""}`,
    "",
    "| hop: step | the document says | upchain does | from |",
    "|---|---|---|---|",
    ...rows(all, (s) => `${s.hop}: ${s.id}`),
    "",
    `${all.length} steps: ${count("document")} from the document, ${count("site")} from the site, ${count("safety")} upchain's safety${missing ? `, ${missing} not stated` : ""}.`,
  ].join("\n");
}

/** The README with every recipe block regenerated. */
export function withRecipeTables(catalog: Catalog, readme: string, examples?: RecipeExamples): string {
  return readme.replace(RECIPE_BLOCK, (block, platform: string, f: string, t: string, releases?: string, example?: string) => {
    const open = block.slice(0, block.indexOf("\n") + 1);
    return `${open}${recipeTable(catalog, requestOf(platform, f, t, releases, example), examples)}\n<!-- /recipe -->`;
  });
}
