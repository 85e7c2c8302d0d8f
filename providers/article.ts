// "a" or "an" before a product's title, by how the title is said: "an OMFLOW" (oh-em-flow), "an
// Oracle ...", "a Groupmax ...". A title of the user's own catalog gets the same rule.

// an all-capitals word is spelt out letter by letter: these letters' names start with a vowel sound
const VOWEL_SOUND_LETTERS = "AEFHILMNORSX";

/** The title with its indefinite article: "an OMFLOW", "a Groupmax master management server". */
export function withArticle(title: string): string {
  const word = title.trim().split(/\s+/)[0] ?? "";
  const spelt = word.length > 1 && word === word.toUpperCase() && /^[A-Z]/.test(word);
  const an = spelt ? VOWEL_SOUND_LETTERS.includes(word[0]) : /^[aeiou]/i.test(word);
  return `${an ? "an" : "a"} ${title}`;
}
