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
  // a planner's search compares the same few thousand versions millions of times: each is split once
  const seen = new Map<string, readonly number[]>();
  const parts = (v: string): number[] => {
    let p = seen.get(v);
    if (!p) {
      if (seen.size >= 100_000) seen.clear();
      p = Object.freeze(v.split(".").map(Number));
      seen.set(v, p);
    }
    return p as number[];
  };
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

/**
 * The versions of a server that hosts several modules, each with its own version (an application
 * suite updated module by module): "ecommerce=5.2.0.0,gestioncommerciale=5.1.0.0", in the order the
 * modules are listed. A module's version may also be an alias (like "latest") for the catalog to
 * resolve against what the host offers before planning. A module set is older than another when any
 * of its modules is older: upchain never takes a module back.
 */
export function moduleSet(
  inner: VersionScheme,
  aliases: readonly string[] = [],
): VersionScheme & { parse(v: string): [string, string][]; format(entries: [string, string][]): string } {
  const moduleName = /^[a-z][a-z0-9-]{0,39}$/;
  const parse = (text: string): [string, string][] =>
    text.split(",").map((pair) => {
      const [name, version, ...rest] = pair.trim().split("=");
      return [name?.trim() ?? "", rest.length ? "" : (version?.trim() ?? "")];
    });
  const one = (v: string) => (aliases.includes(v) ? v : inner.normalize(v));
  const format = (entries: [string, string][]) => entries.map(([m, v]) => `${m}=${v}`).join(",");
  return {
    describe: `module=version pairs separated by commas, each version ${inner.describe}${aliases.length ? ` or ${aliases.join(" or ")}` : ""}, like ecommerce=5.2.0.0,integration=5.2.0.0`,
    normalize(text) {
      const entries = parse(text);
      const names = entries.map(([m]) => m);
      if (!entries.length || names.some((m, i) => !moduleName.test(m) || names.indexOf(m) !== i)) return undefined;
      const out: [string, string][] = [];
      for (const [m, v] of entries) {
        const n = one(v);
        if (!n) return undefined;
        out.push([m, n]);
      }
      return format(out);
    },
    compare(a, b) {
      const x = new Map(parse(a));
      const y = new Map(parse(b));
      let newer = false;
      for (const [m, v] of x) {
        const w = y.get(m);
        if (w === undefined || aliases.includes(v) || aliases.includes(w)) continue;
        const c = inner.compare(v, w);
        if (c < 0) return -1;
        if (c > 0) newer = true;
      }
      return newer ? 1 : 0;
    },
    parse,
    format,
  };
}

/** Versions of 2 to 4 dot-separated integers, compared as if padded with zeros; written with all 4. */
export function paddedNumbers(example: string): VersionScheme {
  const re = /^\d+(\.\d+){1,3}$/;
  const parts = (v: string) => [...v.split(".").map(Number), 0, 0, 0].slice(0, 4);
  return {
    describe: `2 to 4 numbers separated by dots, like ${example}`,
    normalize: (text) => (re.test(text.trim()) ? parts(text.trim()).join(".") : undefined),
    compare: (a, b) => {
      const x = parts(a);
      const y = parts(b);
      for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] - y[i];
      return 0;
    },
  };
}
