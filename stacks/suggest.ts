// "Did you mean ...?" for a misspelt configuration key. A key the program does not read is refused
// rather than ignored: a silently dropped `lockTimeoutSecond` leaves the operator believing a
// setting took effect that never did.

/** Levenshtein distance: insertions, deletions and substitutions, each costing one. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The legal key a misspelling most likely meant: same letters in another case, else the nearest within two edits. */
export function nearestKey(key: string, legal: readonly string[]): string | undefined {
  const sameLetters = legal.find((k) => k.toLowerCase() === key.toLowerCase());
  if (sameLetters) return sameLetters;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of legal) {
    const d = editDistance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** The message for an unknown key: the near name when there is one, otherwise every legal key. */
export function unknownKeyMessage(key: string, legal: readonly string[]): string {
  const near = nearestKey(key, legal);
  // the field path in front of the message already shows the key as written
  return near ? `unknown key; did you mean "${near}"?` : `unknown key; the keys allowed here are: ${legal.join(", ")}`;
}
