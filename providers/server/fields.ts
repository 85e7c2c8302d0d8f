// Check failures in the user's words. The Server provider's properties are its own (`target`,
// `connection.privateKey`); the user wrote a component argument (`version`) or a stack key
// (`upchain:servers[2].version`, `upchain:privateKeyFile`). Whoever declares the Server says how
// its properties are called there (the `fields` input); every failure is renamed by it.
//
// The engine prints a failure that names a property as `property <p> value {<its value>}`, looking
// the value up by the exact name: a dotted path finds nothing (`value {<nil>}`) and `connection`
// prints the whole map. A failure without a property is printed as the reason alone, so the field
// goes into the reason instead.

/** How the declaring code calls the provider's properties: a property (or a prefix of one) -> the user's field. */
export type FieldNames = Record<string, string>;

export interface CheckFailure {
  property: string;
  reason: string;
}

/** The user's name of `property`: the longest named prefix replaced, the rest of the path kept. */
export function userField(property: string, names: FieldNames | undefined): string {
  let best = "";
  for (const k of Object.keys(names ?? {})) {
    const covers = property === k || property.startsWith(k + ".") || property.startsWith(k + "[");
    if (covers && k.length > best.length) best = k;
  }
  return best ? names![best] + property.slice(best.length) : property;
}

/** Failures as the engine should print them: no property, the reason led by the user's field. */
export function inUserTerms(failures: readonly CheckFailure[], names: FieldNames | undefined): CheckFailure[] {
  return failures.map((f) => ({ property: "", reason: `${userField(f.property, names)}: ${withoutOwnField(f)}` }));
}

/** "CODE: target: message" -> "CODE: message": some messages name the provider's property themselves. */
export function withoutOwnField(f: CheckFailure): string {
  const m = /^([A-Z_]+): (.*)$/s.exec(f.reason);
  if (!m || !f.property) return f.reason;
  const own = `${f.property}: `;
  return m[2].startsWith(own) ? `${m[1]}: ${m[2].slice(own.length)}` : f.reason;
}

/** Each module's target in the options, named as the module entry's version (`modules[0].version`). */
export function moduleVersions(count: number, field: (index: number) => string): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`options.modules[${i}].target`, field(i)]));
}

/** The `fields` input (how the declaring code names the properties), when it is one. */
export function fieldNamesOf(inputs: unknown): FieldNames | undefined {
  const f = inputs !== null && typeof inputs === "object" ? (inputs as { fields?: unknown }).fields : undefined;
  if (!f || typeof f !== "object" || Array.isArray(f)) return undefined;
  return Object.fromEntries(Object.entries(f).filter(([, v]) => typeof v === "string")) as FieldNames;
}

/**
 * A component's resource's field names from the component's own: `argOf` says which of the
 * component's arguments fills each of the resource's properties (a property prefix -> an argument
 * path, like "members.1" -> "members[1]"), and `names` how the component's caller calls those
 * arguments (the stack's keys). An argument the caller does not name keeps the component's name.
 */
export function fieldsFor(argOf: Record<string, string>, names: FieldNames | undefined): FieldNames {
  const out: FieldNames = {};
  for (const [property, arg] of Object.entries(argOf)) {
    out[property] = userField(arg, names);
    for (const [k, user] of Object.entries(names ?? {})) if (k.startsWith(arg + ".")) out[property + k.slice(arg.length)] = user;
  }
  return out;
}
