// What a provider hands Pulumi to print: its failures' messages and check reasons quote the host (a
// command's stderr, a member's answer), so they pass through terminalText like every line of a run,
// and an UpchainError's code goes in front (Pulumi prints a thrown error's message only). Every
// provider (Server, ClusterRollout, ManagedFiles, HostFacts) hands its output over through these.
import type * as pulumi from "@pulumi/pulumi";
import { terminalText } from "./engine/running/progress";
import { isUpchainError } from "./errors";

/** A failure as Pulumi prints it (and the state keeps it): its code in front, then `where`, cleaned for the terminal. */
export function forTerminal(e: unknown, where = ""): Error {
  const text = isUpchainError(e) ? `${e.code}: ${e.message}${where}` : e instanceof Error ? `${e.message}${where}` : String(e);
  return new Error(terminalText(text));
}

/** Run a provider method; what it throws reaches Pulumi cleaned. */
export async function printable<T>(method: () => Promise<T>): Promise<T> {
  try {
    return await method();
  } catch (e) {
    throw forTerminal(e);
  }
}

/** A check's failures with their reasons cleaned (the properties are the stack's own names). */
export function printableCheck(r: pulumi.dynamic.CheckResult): pulumi.dynamic.CheckResult {
  return r.failures?.length ? { ...r, failures: r.failures.map((f) => ({ property: f.property, reason: terminalText(f.reason) })) } : r;
}
