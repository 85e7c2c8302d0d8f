// Hostile values for the bad-input suite (issue 7) and the tools that judge what the renderers made
// of them. Values are built from characters and fragments that break naive shell, PowerShell or
// path handling: quotes, $(), backticks, newlines, NUL, `..`, a leading `-`, very long strings and
// Unicode look-alikes of quotes, slashes and dots. The marker a successful injection would leave is
// always /tmp/pwned, so the acceptance test can look for it.
import { spawnSync } from "child_process";
import * as fc from "fast-check";

/** The file an injected command in any generated value would create. */
export const PWNED = "/tmp/pwned";

/** Look-alikes: right single quote, left single quote, reversed quote, fullwidth solidus, one-dot leader, Cyrillic а, and friends. */
export const LOOK_ALIKES = [
  "\u2019",
  "\u2018",
  "\u201A",
  "\u201B",
  "\u201C",
  "\u201D",
  "\uFF0F",
  "\u2024",
  "\u0430",
  "\u00A0",
  "\u202E",
  "\u200B",
  "\uFF07",
  "\u2215",
];

export const HOSTILE_CHARS = [
  "'",
  '"',
  "$",
  "(",
  ")",
  "`",
  "\n",
  "\r",
  "\t",
  "\0",
  ".",
  "/",
  "\\",
  "-",
  " ",
  ";",
  "|",
  "&",
  "*",
  "?",
  "[",
  "]",
  "~",
  "#",
  "=",
  "{",
  "}",
  "!",
  "<",
  ">",
  "%",
  "^",
  ",",
  ":",
  "@",
  "+",
  ...LOOK_ALIKES,
];

export const HOSTILE_FRAGMENTS = [
  `$(touch ${PWNED})`,
  `\`touch ${PWNED}\``,
  `'; touch ${PWNED}; '`,
  `"; touch ${PWNED}; "`,
  `'$(touch ${PWNED})'`,
  `\n touch ${PWNED}\n`,
  `&& touch ${PWNED}`,
  `\u2019; touch ${PWNED}; \u2019`,
  `'; New-Item ${PWNED}; '`,
  `$(New-Item ${PWNED})`,
  "..",
  "../",
  "-rf",
  "--",
  "-",
  "NAME=value",
  "$HOME",
  "${IFS}",
  "%SystemRoot%",
  "*",
  "~root",
];

// Ordinary words never name a directory of the test host's base (no "bin", "lib", "etc"), so a
// generated `word/..` resolves the same lexically and on the host.
const ORDINARY = ["a", "b", "opt", "srv", "data", "omflow", "x1", "backup", "Z9", "upchain"];

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_CHARS) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_FRAGMENTS) },
  { weight: 3, arbitrary: fc.constantFrom(...ORDINARY) },
);

/** A short hostile string (0..40 pieces). */
const short = fc.array(piece, { maxLength: 40 }).map((p) => p.join(""));

/** A hostile string repeated up to 5000 characters. */
const long = fc
  .tuple(
    fc.array(piece, { minLength: 1, maxLength: 8 }).map((p) => p.join("")),
    fc.integer({ min: 256, max: 5000 }),
  )
  .map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n));

/** Any hostile text: mostly short, sometimes very long. */
export const hostileText: fc.Arbitrary<string> = fc.oneof({ weight: 5, arbitrary: short }, { weight: 1, arbitrary: long });

/** A path segment made of hostile pieces other than "/" (a fragment may still hold one). */
const segment = fc
  .array(
    piece.filter((p) => p !== "/"),
    { minLength: 1, maxLength: 6 },
  )
  .map((p) => p.join(""));

/** An absolute path whose segments are hostile: the values strict path rules may still accept. */
export const hostileAbsolutePath: fc.Arbitrary<string> = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => "/" + s.join("/"));

/** Paths: absolute ones with hostile segments, and any hostile text (relative, empty, "-rf", "..", ...). */
export const hostilePath: fc.Arbitrary<string> = fc.oneof({ weight: 3, arbitrary: hostileAbsolutePath }, { weight: 2, arbitrary: hostileText });

/** A Windows-looking path with hostile segments. */
export const hostileWindowsPath: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom("C:", "D:", "\\\\srv\\share", "%SystemRoot%"), fc.array(segment, { minLength: 1, maxLength: 5 }))
      .map(([d, s]) => d + "\\" + s.join("\\")),
  },
  { weight: 2, arbitrary: hostileText },
);

/** The same values without NUL: a NUL byte gets its own property, so it cannot hide what the others find. */
export const withoutNul = (arb: fc.Arbitrary<string>) => arb.map((s) => s.replace(/\0/g, ""));

/** The same values with a NUL byte somewhere in them. */
export const withNul = (arb: fc.Arbitrary<string>) =>
  fc.tuple(arb, fc.nat()).map(([s, i]) => s.slice(0, i % (s.length + 1)) + "\0" + s.slice(i % (s.length + 1)));

/** At least 200 runs per property, replayable: a failure prints its seed. */
export const RUNS = { numRuns: 200 } as const;

// ---------------------------------------------------------------------------------------------
// How the values went, per field class, for the report: refused at preview (naming the field),
// accepted and shown to reach the host literally, or accepted as a whole command of its own step.

export type Outcome = "refused" | "literal" | "command";
const outcomes = new Map<string, Record<Outcome, number>>();

export function tally(fieldClass: string, outcome: Outcome): void {
  const t = outcomes.get(fieldClass) ?? { refused: 0, literal: 0, command: 0 };
  t[outcome]++;
  outcomes.set(fieldClass, t);
}

export function tallyTable(): string {
  const rows = [...outcomes].map(([c, t]) => `| ${c} | ${t.refused + t.literal + t.command} | ${t.refused} | ${t.literal} | ${t.command} |`);
  return ["| field class | hostile values tried | refused at preview | literal | command |", "|---|---|---|---|---|", ...rows].join("\n");
}

// UPCHAIN_BADINPUT_STATS=1 prints the table once, after every test of the run (a root-level hook)
if (process.env.UPCHAIN_BADINPUT_STATS && typeof after === "function") after(() => console.log(tallyTable()));

// ---------------------------------------------------------------------------------------------
// POSIX sh: where single-quoted words are, what they say, and whether the rest is the same code.

/** quote()'s bare-word alphabet; everything else makes it single-quote the value. */
const SH_SAFE = /^[A-Za-z0-9_\/.,:=@%+-]$/;

/** A stand-in with the value's shape: every character quote() would quote becomes `filler`. */
export function canaryOf(value: string, filler = " "): string {
  return [...value].map((c) => (SH_SAFE.test(c) || c === "\\" ? c : filler)).join("");
}

export interface Lexed {
  /** The command with every quoted run (single-quoted parts and backslash escapes, adjacent ones together) replaced by `\u0001`. */
  code: string;
  /** The quoted runs as written (each a complete sh word on its own). */
  runs: string[];
  /** What each run says, decoded the way sh does. */
  decoded: string[];
  /** Set when the command ends inside a single quote. */
  unterminated?: boolean;
}

/**
 * Split a POSIX sh command into code and quoted runs. A single quote opens a literal up to the next
 * one, and `\'` is a literal quote, outside double quotes only: inside "..." a single quote is an
 * ordinary character (so a quoted word wrongly put inside double quotes shows up as code), while a
 * `$( )` or backticks inside them start a fresh context again.
 */
export function lexSh(command: string): Lexed {
  let code = "";
  const runs: string[] = [];
  const decoded: string[] = [];
  const context: ("top" | "dq" | "subst" | "paren" | "bq")[] = ["top"];
  const top = () => context[context.length - 1];
  let i = 0;
  let open = false; // inside a run (quoted parts and escapes adjacent to each other)
  const startRun = () => {
    if (!open) {
      runs.push("");
      decoded.push("");
      code += "\u0001";
      open = true;
    }
  };
  const codeOf = (text: string) => {
    open = false;
    code += text;
    i += text.length;
  };
  while (i < command.length) {
    const c = command[i];
    if (top() === "dq") {
      if (c === "\\") codeOf(command.slice(i, i + 2));
      else if (command.startsWith("$(", i)) (context.push("subst"), codeOf("$("));
      else if (c === "`") (context.push("bq"), codeOf(c));
      else if (c === '"') (context.pop(), codeOf(c));
      else codeOf(c);
      continue;
    }
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) return { code, runs, decoded, unterminated: true };
      startRun();
      runs[runs.length - 1] += command.slice(i, end + 1);
      decoded[decoded.length - 1] += command.slice(i + 1, end);
      i = end + 1;
    } else if (c === "\\" && command[i + 1] === "'") {
      startRun();
      runs[runs.length - 1] += "\\'";
      decoded[decoded.length - 1] += "'";
      i += 2;
    } else if (c === "\\") codeOf(command.slice(i, i + 2));
    else if (c === '"') (context.push("dq"), codeOf(c));
    else if (command.startsWith("$(", i)) (context.push("subst"), codeOf("$("));
    else if (c === "(") (context.push("paren"), codeOf(c));
    else if (c === ")" && (top() === "subst" || top() === "paren")) (context.pop(), codeOf(c));
    else if (c === "`") (top() === "bq" ? context.pop() : context.push("bq"), codeOf(c));
    else codeOf(c);
  }
  if (context.length > 1) return { code, runs, decoded, unterminated: true };
  return { code, runs, decoded };
}

/** Have sh itself print each word (`printf '%s\0' word ...`) and return what it printed, one entry per word. */
export function shDecode(words: string[]): string[] {
  if (!words.length) return [];
  const r = spawnSync("sh", ["-s"], { input: `printf '%s\\0' ${words.join(" ")}\n`, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`sh could not decode the words: ${r.stderr.toString()}`);
  const parts = r.stdout.toString("utf8").split("\0");
  parts.pop();
  return parts;
}

/** `sh -n` on many commands at once, each as the body of its own function; the error text, or "" when all parse. */
export function shSyntaxErrors(commands: string[]): string {
  const script = commands.map((c, i) => `upchain_check_${i}() {\n${c}\n}\n`).join("");
  const r = spawnSync("sh", ["-n"], { input: script, maxBuffer: 64 << 20 });
  return r.status === 0 ? "" : r.stderr.toString() || `sh -n exited ${r.status}`;
}

// ---------------------------------------------------------------------------------------------
// PowerShell: quotePowerShell's single-quoted strings. PowerShell treats U+2018..U+201B as single
// quotes too, and a doubled quote (of any of the kinds) inside is one literal quote.

const PS_QUOTES = /['\u2018\u2019\u201A\u201B]/;

/** Split a PowerShell command into code and single-quoted strings; a string ends at an undoubled quote. */
export function lexPowerShell(command: string): Lexed & { badDoubling?: string } {
  let code = "";
  const runs: string[] = [];
  const decoded: string[] = [];
  let i = 0;
  while (i < command.length) {
    const c = command[i];
    if (!PS_QUOTES.test(c)) {
      code += c;
      i++;
      continue;
    }
    let j = i + 1;
    let text = "";
    for (;;) {
      if (j >= command.length) return { code, runs, decoded, unterminated: true };
      if (PS_QUOTES.test(command[j])) {
        if (j + 1 < command.length && PS_QUOTES.test(command[j + 1])) {
          // quotePowerShell doubles a quote with itself; a mixed pair would still parse, but is not its rule
          if (command[j] !== command[j + 1]) return { code, runs, decoded, badDoubling: command.slice(j, j + 2) };
          text += command[j];
          j += 2;
          continue;
        }
        break;
      }
      text += command[j];
      j++;
    }
    runs.push(command.slice(i, j + 1));
    decoded.push(text);
    code += "\u0001";
    i = j + 1;
  }
  return { code, runs, decoded };
}

/** A stand-in for PowerShell values: quote-like characters and the other specials become `filler`. */
export function psCanaryOf(value: string, filler = " "): string {
  return [...value].map((c) => (/^[A-Za-z0-9_\/.,:=@%+\\-]$/.test(c) ? c : filler)).join("");
}
