// Misspelled option keys are refused, not dropped: a key that is not an option would otherwise be
// ignored silently and the default used instead (an upgrade against /opt/omflow when the user meant
// another folder). The refusal suggests the option the user most likely meant.

/** Levenshtein distance: insertions, deletions and substitutions each cost one. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The legal key `key` most likely meant: the same key in another case, else the nearest within 2 edits. */
export function suggestKey(key: string, legal: readonly string[]): string | undefined {
  const sameCase = legal.find((k) => k.toLowerCase() === key.toLowerCase());
  if (sameCase) return sameCase;
  let best: { key: string; distance: number } | undefined;
  for (const k of legal) {
    const distance = editDistance(key, k);
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: k, distance };
  }
  return best?.key;
}

export function unknownKeyMessage(key: string, legal: readonly string[]): string {
  const near = suggestKey(key, legal);
  return near ? `is not an option; did you mean \`${near}\`?` : `is not an option; the options here are ${legal.map((k) => `\`${k}\``).join(", ")}`;
}
