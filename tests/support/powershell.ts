// Reading rendered PowerShell as text (no pwsh here): its single-quoted literals, which must all close.

/**
 * The single-quoted string literals of a PowerShell line, with '' read back as one quote. Throws when a
 * literal is left open, i.e. when a value broke out of its quotes. Lines that are comments are skipped.
 */
export function psLiterals(line: string): string[] {
  if (line.trimStart().startsWith("#")) return [];
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] !== "'") {
      i++;
      continue;
    }
    let value = "";
    i++;
    for (;;) {
      if (i >= line.length) throw new Error(`unterminated PowerShell string in: ${line}`);
      if (line[i] === "'" && line[i + 1] === "'") ((value += "'"), (i += 2));
      else if (line[i] === "'") break;
      else value += line[i++];
    }
    i++;
    out.push(value);
  }
  return out;
}
