// Backend and server names go into runtime API commands, which HAProxy splits on `;` and newlines
// (and reads `\` as an escape): a name is checked before any command is built with it, so a hostile
// or mistaken name can never become a second command.
import { UpchainError } from "../errors";

/**
 * HAProxy's own rule for proxy names (configuration manual, section 4: "upper and lower case
 * letters, digits, '-' (dash), '_' (underscore), '.' (dot) and ':' (colon)"); servers are named
 * with the same characters in practice, and nothing else is safe on the command line.
 */
const haproxyName = /^[A-Za-z0-9_.:-]+$/;
const maxLength = 100;

export function nameProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || value.length === 0) return "must be a non-empty name";
  if (value.length > maxLength) return `must be at most ${maxLength} characters`;
  if (!haproxyName.test(value)) return "may only hold letters, digits and - _ . : (HAProxy's name characters)";
  return undefined;
}

/** Refuse a backend or server name that is not one of HAProxy's names, naming the field. */
export function checkName(field: "backend" | "server", value: string): string {
  const problem = nameProblem(value);
  if (problem) throw new UpchainError("INVALID_INPUT", `${field} ${JSON.stringify(value)} ${problem}`, [field]);
  return value;
}
