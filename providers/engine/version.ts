// Version schemes. Vendors number releases their own way (OMFLOW's a.b.c.d, Hitachi's VV-RR), so a
// catalog brings its scheme; semver is one scheme among others, not the model.

export interface VersionScheme {
  /** How the scheme is written, for error messages: "four numbers a.b.c.d, like 1.2.0.1". */
  readonly describe: string;
  /** The canonical text of a version, or undefined when the text is not one. */
  normalize(text: string): string | undefined;
  /** Negative, zero or positive, like Array.sort's comparator. Both must be valid. */
  compare(a: string, b: string): number;
}

/** Versions made of a fixed count of dot-separated integers (OMFLOW: 4). */
export function dottedNumbers(count: number, example: string): VersionScheme & { parts(v: string): number[] } {
  const re = new RegExp(`^\\d+(\\.\\d+){${count - 1}}$`);
  const parts = (v: string) => v.split(".").map(Number);
  return {
    describe: `${count} numbers separated by dots, like ${example}`,
    normalize: (text) => (re.test(text.trim()) ? parts(text.trim()).join(".") : undefined),
    compare: (a, b) => {
      const x = parts(a);
      const y = parts(b);
      for (let i = 0; i < count; i++) if (x[i] !== y[i]) return x[i] - y[i];
      return 0;
    },
    parts,
  };
}

export function sortVersions(scheme: VersionScheme, versions: readonly string[]): string[] {
  return [...new Set(versions)].sort((a, b) => scheme.compare(a, b));
}
