// The only place that turns values into shell words. One function per shell: every value that goes
// into a remote command passes through here.

/**
 * Quote a value as one POSIX sh word: single quotes, with each ' written as '\''. Plain words stay
 * bare for readable commands, except a word with `=` (as a command's first word, NAME=value is an
 * assignment, not a word) and one starting with `-` (a value that reads as an option stands out).
 */
export function quote(value: string | number): string {
  const s = String(value);
  if (s.includes("\0")) throw new Error("a NUL byte cannot be passed in a shell word");
  if (/^[A-Za-z0-9_\/.,:@%+][A-Za-z0-9_\/.,:@%+-]*$/.test(s)) return s;
  return "'" + s.replace(/'/g, `'\\''`) + "'";
}

/**
 * Quote a value as one PowerShell string literal. Single-quoted strings expand nothing; a quote is
 * doubled, and PowerShell also treats the typographic quotes U+2018..U+201B as quotes, so they are
 * doubled too.
 */
export function quotePowerShell(value: string | number): string {
  const s = String(value);
  if (s.includes("\0")) throw new Error("a NUL byte cannot be passed in a PowerShell string");
  return "'" + s.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q) + "'";
}

/** Join a command and its arguments as POSIX sh words. */
export function sh(cmd: string, ...args: (string | number)[]): string {
  return [cmd, ...args.map(quote)].join(" ");
}
