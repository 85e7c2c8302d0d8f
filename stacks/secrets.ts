// Secret option values. A credential an installer needs is declared once, encrypted, in
// `upchain:secrets` (`pulumi config set --secret --path 'upchain:secrets.mailAdminPassword' VALUE`)
// and written in a server's options only as a reference to an environment variable,
// `$UPCHAIN_SECRET_MAILADMINPASSWORD`. The options (and so the plan, the preview, the journal and
// the state) then hold the reference; the value travels as a Pulumi secret to the provider, which
// hands it to the step's shell through a root-only file, never on a command line.
//
// Everything here is pure: the names are checked at preview without the values, and the values are
// picked inside an `apply` on the encrypted config, so they never leave a secret Output.
import { ConfigIssue, ConfigPath, configField } from "./issues";
import { nearestKey } from "./suggest";

/** A secret's name in `upchain:secrets`: it becomes part of an environment variable's name. */
export const SECRET_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
export const SECRET_VARIABLE_PREFIX = "UPCHAIN_SECRET_";

const SET_ONE = "pulumi config set --secret --path 'upchain:secrets.<name>' VALUE";

/** The environment variable a secret reaches the host's steps as: mailAdminPassword -> UPCHAIN_SECRET_MAILADMINPASSWORD. */
export function secretVariable(name: string): string {
  return SECRET_VARIABLE_PREFIX + name.toUpperCase();
}

/** The secret names `upchain:secrets` declares (its parsed value; undefined when unset), and what is wrong with them. */
export function declaredSecrets(value: unknown): { names: string[]; issues: ConfigIssue[] } {
  if (value === undefined) return { names: [], issues: [] };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { names: [], issues: [{ path: ["secrets"], message: `must be a mapping from secret name to value; set each with ${SET_ONE}` }] };
  }
  const names: string[] = [];
  const issues: ConfigIssue[] = [];
  const byVariable = new Map<string, string>();
  for (const [name, v] of Object.entries(value)) {
    // the messages name the secret, never its value
    if (!SECRET_NAME.test(name)) {
      issues.push({
        path: ["secrets", name],
        message: "a secret's name starts with a letter and has only letters, digits and '_' (it becomes part of an environment variable's name)",
      });
      continue;
    }
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      issues.push({ path: ["secrets", name], message: `must be a single value (text), not a list or mapping; set it with ${SET_ONE.replace("<name>", name)}` });
      continue;
    }
    const clash = byVariable.get(secretVariable(name));
    if (clash !== undefined) {
      issues.push({
        path: ["secrets", name],
        message: `"${name}" and "${clash}" both become $${secretVariable(name)}; rename one (names differ by more than letter case)`,
      });
      continue;
    }
    byVariable.set(secretVariable(name), name);
    names.push(name);
  }
  return { names, issues };
}

export interface SecretReference {
  /** The variable as written: UPCHAIN_SECRET_MAILADMINPASSWORD. */
  variable: string;
  /** The string that holds it. */
  path: ConfigPath;
}

// A shell variable name runs as far as letters, digits and '_' go, so the reference is read the
// same way: `$UPCHAIN_SECRET_PW_OLD` names PW_OLD, not PW. The look-behind keeps
// `$MY_UPCHAIN_SECRET_X` (another variable) out.
const REFERENCE = /(?<![A-Za-z0-9_])UPCHAIN_SECRET_[A-Za-z0-9_]*/g;

/** Every secret variable named in the text values of `value` (options, at any depth), with where it is. */
export function secretReferences(value: unknown, path: ConfigPath = []): SecretReference[] {
  if (typeof value === "string") return [...value.matchAll(REFERENCE)].map((m) => ({ variable: m[0], path }));
  if (Array.isArray(value)) return value.flatMap((v, i) => secretReferences(v, [...path, i]));
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => secretReferences(v, [...path, k]));
  return [];
}

/**
 * The declared secrets a server's options reference (each once, in declaration order). A
 * reference to a secret nobody declared is refused here, at preview: on the host it would expand
 * to an empty string and the installer would run with an empty password.
 */
export function referencedSecrets(options: unknown, optionsPath: ConfigPath, declared: readonly string[]): { names: string[]; issues: ConfigIssue[] } {
  const byVariable = new Map(declared.map((n) => [secretVariable(n), n] as const));
  const used = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const ref of secretReferences(options, optionsPath)) {
    const name = byVariable.get(ref.variable);
    if (name !== undefined) {
      used.add(name);
      continue;
    }
    issues.push({ path: ref.path, message: undeclaredMessage(ref.variable, [...byVariable.keys()]) });
  }
  return { names: declared.filter((n) => used.has(n)), issues };
}

function undeclaredMessage(variable: string, declaredVariables: string[]): string {
  const near = nearestKey(variable, declaredVariables);
  const hint = near ? `; did you mean $${near}?` : "";
  const declared = declaredVariables.length
    ? `${configField(["secrets"])} declares ${declaredVariables.map((v) => `$${v}`).join(", ")}`
    : `${configField(["secrets"])} declares no secrets`;
  return `$${variable} names no declared secret (${declared})${hint}; declare it with ${SET_ONE} (the variable is UPCHAIN_SECRET_ and the name in capitals)`;
}

/**
 * The `secretEnv` a server gets: variable -> value, for the secrets its options reference. Called
 * inside an `apply` on the decrypted `upchain:secrets`, so the result stays a secret Output.
 */
export function secretEnvOf(secrets: Record<string, unknown>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [secretVariable(n), String(secrets[n])]));
}
