// What Pulumi hands a dynamic provider's entries (check, diff, create, update, read, delete) is
// typed `any` by its interface; upchain's entries take it as `unknown` and look into it only through
// this or their zod schema.

/** Pulumi's property bag as it came (an object; anything else is taken as no properties). */
export const propertiesOf = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
