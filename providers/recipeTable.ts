// A product's recipe as a Markdown table, generated from its catalog: for each step, what the
// document says, what upchain does, and where the step comes from. The catalog READMEs hold these
// tables between markers, and a unit test regenerates them (tests/unit/docs/recipeTables.test.ts), so
// they cannot drift from the code. Planned without the stack's options: what the site supplies shows
// as the catalog's placeholder.
import { Catalog, Platform, Step } from "./engine/catalog";
import { planUpgrade } from "./engine/planner";
import { Provenance } from "./engine/provenance";

/** One table: the chain `from -> to` on `platform`, with the restore and recovery steps of its hops. */
export interface RecipeRequest {
  platform: Platform;
  from: string;
  to: string;
  releases?: string[];
}

/** `<!-- recipe linux 1.1.5.0 1.2.0.1 -->` opens a table in a README; `<!-- /recipe -->` closes it. */
export const RECIPE_BLOCK = /<!-- recipe (linux|windows) (\S+) (\S+)(?: releases=(\S+))? -->\n[\s\S]*?<!-- \/recipe -->/g;

export function recipeRequests(readme: string): RecipeRequest[] {
  return [...readme.matchAll(RECIPE_BLOCK)].map((m) => ({ platform: m[1] as Platform, from: m[2], to: m[3], ...(m[4] ? { releases: m[4].split(",") } : {}) }));
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
  return steps.map((s) => `| ${cell(label(s))} | ${cell(documentSays(s.provenance))} | ${cell(`${s.title} [${s.action}${s.destructive ? ", changes the server" : ""}]`)} | ${cell(from(s.provenance))} |`);
}

/** The table for one request, with counts by provenance below it. */
export function recipeTable(catalog: Catalog, r: RecipeRequest): string {
  const releases = r.releases ?? catalog.releasesBetween?.(r.from, r.to);
  const plan = planUpgrade(catalog, { installed: r.from, target: r.to, platform: r.platform, releases });
  const ctx = { platform: r.platform, releases: releases ?? catalog.defaultReleases, options: {} };
  const aside = plan.hops.flatMap((hop) => [
    ...catalog.restoreSteps(hop, ctx).map((s) => ({ ...s, hop: `${hop.from}->${hop.to} on failure` })),
    ...(catalog.recoverSteps?.(hop, ctx) ?? []).map((s) => ({ ...s, hop: `${hop.from}->${hop.to} on failure` })),
  ]);
  const all: (Step & { hop?: string })[] = [...plan.steps, ...aside];
  const count = (kind: string) => all.filter((s) => s.provenance?.kind === kind).length;
  const missing = all.filter((s) => !s.provenance).length;
  return [
    `${catalog.title} ${plan.from} -> ${plan.to} on ${r.platform}: ${plan.hops.map((h) => `${h.from} -> ${h.to}`).join(", ")}`,
    "",
    "| hop: step | the document says | upchain does | from |",
    "|---|---|---|---|",
    ...rows(all, (s) => `${s.hop}: ${s.id}`),
    "",
    `${all.length} steps: ${count("document")} from the document, ${count("site")} from the site, ${count("safety")} upchain's safety${missing ? `, ${missing} not stated` : ""}.`,
  ].join("\n");
}

/** The README with every recipe block regenerated. */
export function withRecipeTables(catalog: Catalog, readme: string): string {
  return readme.replace(RECIPE_BLOCK, (block, platform: Platform, f: string, t: string, releases?: string) => {
    const open = block.slice(0, block.indexOf("\n") + 1);
    return `${open}${recipeTable(catalog, { platform, from: f, to: t, ...(releases ? { releases: releases.split(",") } : {}) })}\n<!-- /recipe -->`;
  });
}
