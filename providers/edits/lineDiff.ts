// A line diff for preview, pure: what changes in a small text file (a hook script), as "-" and "+"
// lines with a little context, bounded so a preview stays readable.
export function lineDiff(before: string, after: string, maxLines = 40): string[] {
  const a = before.split("\n");
  const b = after.split("\n");
  // longest common subsequence table (hook scripts are small; bounded anyway)
  if (a.length * b.length > 4_000_000) return [`(${a.length} lines -> ${b.length} lines; too long to show)`];
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) (i++, j++);
    else if (j < b.length && (i === a.length || lcs[i][j + 1] >= lcs[i + 1][j])) out.push(`+ ${b[j++]}`);
    else out.push(`- ${a[i++]}`);
  }
  return out.length > maxLines ? [...out.slice(0, maxLines), `… ${out.length - maxLines} more changed lines`] : out;
}
