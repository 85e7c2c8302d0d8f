// Rendered PowerShell read by a real PowerShell grammar: tree-sitter-powershell (its WebAssembly build,
// shipped in the npm package) run by web-tree-sitter. No pwsh, no compiler: the grammar and its runtime
// are plain files from the npm registry. (The native `tree-sitter` binding is not used: its linux-x64
// prebuild needs GLIBCXX_3.4.31, newer than Debian 12's libstdc++, so npm would fall back to a node-gyp
// build. tree-sitter-powershell's own install script only loads the prebuilt addon it ships.)
//
// The grammar loads asynchronously, once: loadPowerShellParser() (a root-level mocha hook calls it
// when this module is loaded by a test), then parsePowerShell() is synchronous.
//
// A catalog's Windows recipes are rendered by powerShellOf() (every hop of every legal chain, restore
// and recovery steps, the version probe, the host checks and the update offer) and judged by
// catalogParseFailures() / assertCatalogParses(), for any test that wants to check a catalog.
import * as assert from "assert";
import { Language, Node, Parser } from "web-tree-sitter";
import { Catalog, Platform, Step, commandsOf } from "../../providers/engine/planning/catalog";
import { hopLabel, legalTargets, planUpgrade } from "../../providers/engine/planning/planner";

export interface ParseError {
  /** 1-based line of the script. */
  line: number;
  /** 1-based column (UTF-16 code units, as JavaScript counts). */
  column: number;
  /** The text of the ERROR node (clipped), or `missing <what>` for a MISSING node. */
  text: string;
}

export interface ParseResult {
  ok: boolean;
  errors: ParseError[];
}

let parser: Parser | undefined;
let loading: Promise<void> | undefined;

/** Where the grammar's WebAssembly build is (inside the tree-sitter-powershell package). */
export const POWERSHELL_WASM = require.resolve("tree-sitter-powershell/tree-sitter-powershell.wasm");

/** Load web-tree-sitter and the PowerShell grammar (once; later calls return the same promise). */
export function loadPowerShellParser(): Promise<void> {
  loading ??= (async () => {
    await Parser.init();
    const language = await Language.load(POWERSHELL_WASM);
    const p = new Parser();
    p.setLanguage(language);
    parser = p;
  })();
  return loading;
}

// Under mocha, load before any test runs, so parsePowerShell can be called from any test body.
if (typeof before === "function") before(loadPowerShellParser);

const clip = (s: string, n = 120) => (s.length > n ? s.slice(0, n) + "..." : s);

function position(script: string, index: number): { line: number; column: number } {
  const head = script.slice(0, index);
  const nl = head.lastIndexOf("\n");
  return { line: head.split("\n").length, column: index - nl };
}

// Grammar gap, worked around here: PowerShell reads the typographic quotes as quotes and the
// typographic dashes as "-" (the language specification's single-quote-character, double-quote-character
// and dash; about_Quoting_Rules: "PowerShell treats smart quotation marks ... as normal quotation marks
// for strings"), so 'it’s' ends at the ’ and a doubled ’’ is one literal quote. tree-sitter-powershell
// 0.26.4 knows only the ASCII ones (grammar.js: verbatim_string_characters is '...' with '' inside), so
// it would both miss a value breaking out through ’ and refuse ’...’ strings PowerShell accepts. Each
// is mapped to its ASCII twin before parsing: one UTF-16 unit for one, so positions are unchanged.
const AS_POWERSHELL_READS: [RegExp, string][] = [
  [/[\u2018\u2019\u201A\u201B]/g, "'"],
  [/[\u201C\u201D\u201E]/g, '"'],
  [/[\u2013\u2014\u2015]/g, "-"],
];
const asciiQuotesAndDashes = (script: string) => AS_POWERSHELL_READS.reduce((s, [re, ascii]) => s.replace(re, ascii), script);

/**
 * Parse `script` as PowerShell. Every ERROR node (outermost only: what is inside one is part of the
 * same error) and every MISSING node (a token the parser had to invent, like a closing brace) is an error.
 */
export function parsePowerShell(script: string): ParseResult {
  if (!parser) throw new Error("parsePowerShell: the grammar is not loaded yet; await loadPowerShellParser() first (a mocha before hook)");
  const tree = parser.parse(asciiQuotesAndDashes(script));
  if (!tree) throw new Error("parsePowerShell: tree-sitter returned no tree");
  const errors: ParseError[] = [];
  try {
    const visit = (n: Node) => {
      if (n.isError || n.isMissing) {
        const text = script.slice(n.startIndex, n.endIndex); // as written, typographic quotes included
        errors.push({ ...position(script, n.startIndex), text: n.isMissing ? `missing ${n.type}` : clip(text) });
        return;
      }
      if (!n.hasError) return;
      for (const c of n.children) if (c) visit(c);
    };
    visit(tree.rootNode);
  } finally {
    tree.delete();
  }
  return { ok: errors.length === 0, errors };
}

/** A report of `errors` in `script`: each position, the error's text and the offending line. */
export function describeErrors(script: string, errors: ParseError[]): string {
  const lines = script.split("\n");
  return errors
    .map(
      (e) =>
        `  line ${e.line}, column ${e.column}: ${JSON.stringify(e.text)}\n    | ${clip(lines[e.line - 1] ?? "", 400)}\n    | ${" ".repeat(Math.min(e.column - 1, 400))}^`,
    )
    .join("\n");
}

/** Throw, naming `label`, every error position and the offending lines, unless `script` parses as PowerShell. */
export function assertParses(script: string, label: string): void {
  const r = parsePowerShell(script);
  if (!r.ok) throw new assert.AssertionError({ message: `${label}: the PowerShell does not parse\n${describeErrors(script, r.errors)}` });
}

// ---------------------------------------------------------------------------------------------
// A catalog's PowerShell, rendered as a test would review it.

export type Options = Record<string, unknown>;

/** How to render one catalog: option sets, the installed versions to plan from, and the releases the user has. */
export interface RenderSpec {
  /** Option sets to render with (each a valid Windows configuration); default: the catalog's defaults only. */
  options?: Options[];
  /** Installed versions to plan from, besides the catalog's releases (older sources that are not releases themselves). */
  sources?: string[];
  /** The releases the user has; default the catalog's defaultReleases. */
  releases?: string[];
  /** Only the longest chain from each source (for many option sets); default every legal chain. */
  longestOnly?: boolean;
}

/** One piece of rendered PowerShell and where it came from. */
export interface PsScript {
  /** product, options set, chain, hop, step and command, for the failure message. */
  label: string;
  script: string;
}

/** What an executor runs for the step: its commands, and the commands some actions carry besides (an edit's, a reboot's, an http step's attempts'). */
const psCommands = (s: Step): string[] => {
  return commandsOf(s);
};

/**
 * Every piece of PowerShell `catalog` renders on `platform` for `spec`: each command of each step
 * (hop steps of every legal chain, restore and recover steps of each hop) alone, each step's commands
 * joined with newlines as the executor runs them, the version probe, host checks and the update offer.
 * Identical scripts are listed once (with the first place they came from).
 */
export function powerShellOf(catalog: Catalog, spec: RenderSpec = {}, platform: Platform = "windows"): { scripts: PsScript[]; chains: number; hops: number } {
  const seen = new Map<string, PsScript>();
  const add = (label: string, script: string) => {
    if (!seen.has(script)) seen.set(script, { label, script });
  };
  const releases = spec.releases ?? [...catalog.defaultReleases];
  const sources = [...new Set([...(spec.sources ?? []), ...releases])];
  let chains = 0;
  let hops = 0;
  for (const [n, options] of (spec.options ?? [{}]).entries()) {
    const ctx = { platform, releases, options };
    const set = `${catalog.product} (options #${n + 1})`;
    const addStep = (where: string, s: Step) => {
      if (s.shell !== "powershell") return;
      const cmds = psCommands(s);
      cmds.forEach((c, i) => add(`${where} step ${s.id} command ${i + 1}`, c));
      // the executor runs a step's commands as one script, one command a line
      if (s.commands.length > 1) add(`${where} step ${s.id} (its commands joined)`, s.commands.join("\n"));
    };
    const probe = catalog.probeVersion?.(ctx);
    if (probe?.shell === "powershell") add(`${set} probeVersion`, probe.command);
    const offer = catalog.offers?.(ctx);
    if (offer?.shell === "powershell") add(`${set} offers`, offer.command);
    for (const from of sources) {
      let targets = legalTargets(catalog, { installed: from, platform, releases, options });
      if (spec.longestOnly) targets = targets.slice(-1);
      for (const to of targets) {
        const plan = planUpgrade(catalog, { installed: from, target: to, platform, releases, options });
        const chain = `${set} ${from}->${to}`;
        chains++;
        for (const s of plan.steps) addStep(`${chain} hop ${s.hop}`, s);
        for (const hop of plan.hops) {
          hops++;
          for (const s of catalog.restoreSteps(hop, ctx)) addStep(`${chain} hop ${hopLabel(hop)} restore`, s);
          for (const s of catalog.recoverSteps?.(hop, ctx) ?? []) addStep(`${chain} hop ${hopLabel(hop)} recover`, s);
        }
        for (const check of catalog.hostChecks?.(plan.hops, ctx) ?? []) {
          if (check.shell === "powershell") add(`${chain} hostCheck ${check.id}`, check.command);
        }
      }
    }
  }
  return { scripts: [...seen.values()], chains, hops };
}

/** Each rendered script that does not parse, with its errors. */
export function catalogParseFailures(
  catalog: Catalog,
  spec: RenderSpec = {},
  platform: Platform = "windows",
): { label: string; script: string; errors: ParseError[] }[] {
  return powerShellOf(catalog, spec, platform)
    .scripts.map((s) => ({ ...s, errors: parsePowerShell(s.script).errors }))
    .filter((f) => f.errors.length > 0);
}

/** Throw listing every rendered script of `catalog` that does not parse: where it came from, the positions and the lines. */
export function assertCatalogParses(catalog: Catalog, spec: RenderSpec = {}, platform: Platform = "windows"): void {
  const failures = catalogParseFailures(catalog, spec, platform);
  if (failures.length) {
    throw new assert.AssertionError({
      message:
        `${failures.length} rendered PowerShell script(s) of ${catalog.product} do not parse:\n` +
        failures.map((f) => `${f.label}\n${describeErrors(f.script, f.errors)}`).join("\n"),
    });
  }
}

/** A command a script invokes: its name as written and the parameters given to it (without the dash). */
export interface Invocation {
  name: string;
  parameters: string[];
}

/** Every command `script` invokes (cmdlets, functions, native programs), read from the grammar's tree. */
export function invocationsOf(script: string): Invocation[] {
  if (!parser) throw new Error("invocationsOf: the grammar is not loaded yet; await loadPowerShellParser() first (a mocha before hook)");
  const tree = parser.parse(asciiQuotesAndDashes(script));
  if (!tree) throw new Error("invocationsOf: tree-sitter returned no tree");
  const found: Invocation[] = [];
  try {
    const visit = (n: Node) => {
      if (n.type === "command") {
        const name = n.childForFieldName("command_name") ?? n.children.find((c) => c?.type === "command_name");
        const parameters = n
          .descendantsOfType("command_parameter")
          .filter((p): p is Node => (!!p && p.parent?.parent?.id === n.id) || p?.parent?.id === n.id)
          .map((p) => p.text.replace(/^-/, "").replace(/:$/, ""));
        if (name) found.push({ name: name.text, parameters });
      }
      for (const c of n.children) if (c) visit(c);
    };
    visit(tree.rootNode);
  } finally {
    tree.delete();
  }
  return found;
}
