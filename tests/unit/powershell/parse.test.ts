// Every PowerShell script a catalog renders for Windows parses with a real PowerShell grammar
// (tree-sitter-powershell, see tests/support/psParse.ts): each command of each step of every legal
// chain, the steps joined as the executor runs them, restore and recovery steps, the version probe and
// the host checks. Then the same with hostile paths and service names, which quotePowerShell must keep
// inside their strings. The products are read from the catalog registry, so a new catalog with a
// Windows platform is checked without a change here: with its defaults until it has an entry in SPECS
// below, and failing, asking for one, when its defaults plan no hop (so it is never passed unchecked).
import * as assert from "assert";
import { getCatalog } from "../../../providers/catalogs";
import { Catalog, Step } from "../../../providers/engine/planning/catalog";
import { specsOf, windowsProducts } from "../../support/windowsSpecs";
import {
  Options,
  RenderSpec,
  assertCatalogParses,
  assertParses,
  catalogParseFailures,
  describeErrors,
  parsePowerShell,
  powerShellOf,
} from "../../support/psParse";

// ---------------------------------------------------------------------------------------------
// Hostile values: Windows path segments and service names made of what breaks naive quoting, each of
// them one the option rules may accept (a path segment holds no < > : " / \ | ? *; a service name no
// / \ * ? [ ]), and the typographic quotes PowerShell reads as quotes (see providers/quote.ts).

const HOSTILE_SEGMENTS = [
  "O'Brien's files",
  "it''s",
  "'",
  "$(New-Item pwned)",
  "${env:TEMP}",
  "$HOME",
  "a`b`",
  "`$x",
  "a;b; Remove-Item -Recurse $HOME; 'c",
  "x' + (Remove-Item $HOME) + 'y",
  "x'; Remove-Item $HOME; '",
  "{ Remove-Item $HOME }",
  "@(1)",
  "#not a comment",
  "& calc",
  "--%",
  "@'",
  "a b  c",
  "%TEMP%",
  "[x]",
  "-Recurse",
  "\u2019; Remove-Item $HOME; \u2019",
  "\u2018q\u2019 \u201Alow\u201B",
  "\u201Cdq\u201D $x",
  "\u2019\u2019\u2019",
];

const HOSTILE_NAMES = [
  "Svc'; Stop-Computer; '",
  'Svc"$(Stop-Computer)"',
  "Svc`$x`",
  "Svc; Remove-Item $HOME",
  "Svc \u2019 quote \u2018",
  "Svc <>|&",
  "'",
  "''",
  "Svc $env:X",
  "--%",
  "#",
  "@'x'@",
  "a\u201Cb\u201D",
  "x' + (Stop-Computer) + 'y",
];

const WINDOWS_PATH = /^(?:[A-Za-z]:|%[A-Za-z_][A-Za-z0-9_()]*%)\\/;
const SERVICE_KEY = /service/i;

type Key = string | number;
interface Leaf {
  at: Key[];
  value: string;
  kind: "path" | "name";
}

/** The string options that are Windows paths or service names, wherever they are in the options. */
function hostileLeaves(o: unknown, at: Key[] = []): Leaf[] {
  if (typeof o === "string") {
    if (WINDOWS_PATH.test(o)) return [{ at, value: o, kind: "path" }];
    if (at.some((k) => typeof k === "string" && SERVICE_KEY.test(k))) return [{ at, value: o, kind: "name" }];
    return [];
  }
  if (Array.isArray(o)) return o.flatMap((v, i) => hostileLeaves(v, [...at, i]));
  if (o && typeof o === "object") return Object.entries(o).flatMap(([k, v]) => hostileLeaves(v, [...at, k]));
  return [];
}

function setAt(o: unknown, at: Key[], value: string): unknown {
  if (!at.length) return value;
  const [k, ...rest] = at;
  if (Array.isArray(o)) return o.map((v, i) => (i === k ? setAt(v, rest, value) : v));
  return { ...(o as Options), [k]: setAt((o as Options)[k as string], rest, value) };
}

/** `seg` as a folder right after the drive (or variable), or glued to the path's last name. */
const inPath = (p: string, seg: string, where: "head" | "tail") => {
  const head = WINDOWS_PATH.exec(p)![0];
  return where === "head" ? `${head}${seg}\\${p.slice(head.length)}` : `${p}${seg}`;
};

/**
 * Option sets holding hostile values: every path and service name of `base` at once, one set per
 * hostile segment and place; where the rules refuse one of those, each field with that segment on its
 * own; then each service name with each hostile name.
 */
function hostileVariants(base: Options, refused: (o: Options) => boolean): { label: string; options: Options }[] {
  const leaves = hostileLeaves(base);
  const out: { label: string; options: Options }[] = [];
  const hostile = (l: Leaf, seg: string, where: "head" | "tail") =>
    l.kind === "path" ? inPath(l.value, seg, where) : `${l.value} ${seg.replace(/[\\/*?[\]]/g, "")}`.trim();
  for (const where of ["head", "tail"] as const) {
    for (const seg of HOSTILE_SEGMENTS) {
      let all: unknown = base;
      for (const l of leaves) all = setAt(all, l.at, hostile(l, seg, where));
      out.push({ label: `every path and name with ${JSON.stringify(seg)} (${where})`, options: all as Options });
      if (!refused(all as Options)) continue;
      for (const l of leaves)
        out.push({
          label: `options.${l.at.join(".")} = ${JSON.stringify(hostile(l, seg, where))}`,
          options: setAt(base, l.at, hostile(l, seg, where)) as Options,
        });
    }
  }
  for (const l of leaves.filter((x) => x.kind === "name")) {
    for (const name of HOSTILE_NAMES) out.push({ label: `options.${l.at.join(".")} = ${JSON.stringify(name)}`, options: setAt(base, l.at, name) as Options });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe("rendered PowerShell parses with a real PowerShell grammar (tree-sitter-powershell)", () => {
  describe("the check itself", () => {
    it("accepts valid PowerShell like the catalogs render", () => {
      assertParses(
        [
          "$ErrorActionPreference = 'Stop'",
          "$p = Start-Process -FilePath 'C:\\O''Brien\\x.exe' -ArgumentList '/S' -Verb RunAs -Wait -PassThru",
          "if ($p.ExitCode -ne 0) { throw ('update file exited ' + $p.ExitCode) }",
          "foreach ($s in @('a', 'b')) { Stop-Service -Name $s -ErrorAction SilentlyContinue }",
          "robocopy $src $dst /MIR /COPY:DAT /R:1 | Out-Null; if ($LASTEXITCODE -ge 8) { throw 'robocopy failed' }",
          "$names = { param($py) & $py -m pip freeze --all | ForEach-Object { ($_ -split '==')[0].ToLower() } }",
          "Stop-Service -Name 'O\u2019\u2019Brien' \u2013ErrorAction SilentlyContinue; Write-Output \u2018typographic\u2019, \u201Cdouble\u201D",
        ].join("\n"),
        "a valid script",
      );
    });

    it("reports broken PowerShell, with the line and column of each error", () => {
      const broken: [string, string][] = [
        ["an unclosed single quote", "$ErrorActionPreference = 'Stop'\nStop-Service -Name 'OMFLOW Server"],
        ["an if without its closing parenthesis", "if ("],
        ["an unclosed block", "if ($x) { Write-Output 'x'"],
        ["an unclosed double quote", 'Write-Output "abc'],
        ["a quote that breaks out of its string", "Get-Service -Name 'a'b' + 'c"],
        ["a stray closing brace", "Write-Output 'a' }"],
        ["a foreach without its body", "foreach ($s in @(1, 2))"],
        // PowerShell ends a single-quoted string at a typographic quote too (see psParse.ts)
        ["a typographic quote that ends the string early", "Stop-Service -Name 'O\u2019Brien'"],
        ["a typographic double quote left open", "Write-Output \u201Cabc"],
      ];
      for (const [what, script] of broken) {
        const r = parsePowerShell(script);
        assert.strictEqual(r.ok, false, `${what} was reported as parsing: ${JSON.stringify(script)}`);
        assert.ok(r.errors.length > 0 && r.errors.every((e) => e.line >= 1 && e.column >= 1), `${what}: ${JSON.stringify(r.errors)}`);
        assert.throws(
          () => assertParses(script, `the ${what} sample`),
          (e: Error) => e.message.includes(`the ${what} sample`) && /line \d+, column \d+/.test(e.message),
        );
      }
      const r = parsePowerShell("$ok = 1\nif ($ok) { Write-Output 'x' ");
      assert.strictEqual(r.errors[0]?.line, 2, describeErrors("$ok = 1\nif ($ok) { Write-Output 'x' ", r.errors));
    });

    it("finds a catalog whose rendering lets a quote out of its string, naming the step", () => {
      // omflow as it would be if quotePowerShell did not double a quote
      const omflow = getCatalog("omflow");
      const unquoted = (steps: Step[]) => steps.map((st) => ({ ...st, commands: st.commands.map((c) => c.replace(/''/g, "'")) }));
      const broken: Catalog = { ...omflow, hopSteps: (hop, ctx, chain) => unquoted(omflow.hopSteps(hop, ctx, chain)) };
      const spec: RenderSpec = { options: [{ windowsServiceName: "O'Brien" }], sources: ["1.1.6.1"], longestOnly: true };
      assert.doesNotThrow(() => assertCatalogParses(omflow, spec), "the real omflow quotes it");
      const failures = catalogParseFailures(broken, spec);
      assert.ok(
        failures.some((f) => /step (start-after-backup|wait-service) command \d+$/.test(f.label)),
        failures.map((f) => f.label).join("\n"),
      );
      assert.throws(() => assertCatalogParses(broken, spec), /do not parse:\n.*step wait-service/s);
    });
  });

  it("checks every product that has a Windows platform (omflow, groupmax and oracle-as at least)", () => {
    const names = windowsProducts.map((c) => c.product);
    for (const p of ["omflow", "groupmax", "oracle-as"]) assert.ok(names.includes(p), `${p} in ${names.join(", ")}`);
  });

  for (const catalog of windowsProducts) {
    describe(catalog.product, () => {
      it("every command of every legal chain, restore and recovery, the probe and host checks parse", function () {
        this.timeout(120_000);
        const failures: string[] = [];
        let scripts = 0;
        for (const spec of specsOf(catalog)) {
          let rendered: ReturnType<typeof powerShellOf>;
          try {
            rendered = powerShellOf(catalog, spec);
          } catch (e) {
            throw new Error(
              `${catalog.product}: could not render its Windows recipes (${(e as Error).message}); give it valid option sets, sources and releases in SPECS (tests/support/windowsSpecs.ts)`,
            );
          }
          assert.ok(
            rendered.hops > 0,
            `${catalog.product}: no hop was rendered from ${JSON.stringify(spec.sources ?? catalog.defaultReleases)}; give it option sets, sources and releases in SPECS (tests/support/windowsSpecs.ts)`,
          );
          scripts += rendered.scripts.length;
          for (const f of catalogParseFailures(catalog, spec)) failures.push(`${f.label}\n${describeErrors(f.script, f.errors)}`);
        }
        assert.deepStrictEqual(failures, [], `${failures.length} of ${scripts} rendered PowerShell scripts do not parse:\n${failures.join("\n")}`);
      });

      it("hostile paths and service names stay inside their strings: the scripts still parse", function () {
        this.timeout(300_000);
        const spec = specsOf(catalog)[0];
        const base = spec.options?.[0] ?? {};
        const releases = spec.releases ?? [...catalog.defaultReleases];
        const refusedBy = (options: Options) => (catalog.optionProblems?.({ platform: "windows", releases, options }) ?? []).length > 0;
        let rendered = 0;
        let refused = 0;
        const problems: string[] = [];
        for (const v of hostileVariants(base, refusedBy)) {
          if (refusedBy(v.options)) {
            refused++;
            continue;
          }
          rendered++;
          const failures = catalogParseFailures(catalog, { ...spec, options: [v.options], longestOnly: true });
          for (const f of failures.slice(0, 3)) problems.push(`${v.label}: ${f.label}\n${describeErrors(f.script, f.errors)}`);
        }
        if (hostileLeaves(base).length) assert.ok(rendered > 0, `${catalog.product}: every hostile value was refused (${refused}), so none was rendered`);
        assert.deepStrictEqual(
          problems,
          [],
          `${problems.length} rendering(s) with hostile values do not parse (${rendered} rendered, ${refused} refused):\n${problems.join("\n")}`,
        );
      });
    });
  }
});
