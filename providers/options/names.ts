// Names of things on the managed server that are not paths. A Windows service name goes to
// Get-Service, Start-Service and Stop-Service, whose -Name takes wildcards: "Groupmax*" would stop
// every Groupmax service, so a name must be one service exactly, as Windows itself allows it.
import { z } from "zod";
import { CONTROL, shown } from "./paths";
import { expecting } from "./schema";

// CreateService: "/" and "\" are not valid in a service name; PowerShell's -Name reads * ? [ ] as wildcards
const NOT_IN_SERVICE_NAME = /[\\/*?[\]]/;
// CreateService: "The maximum string length is 256 characters"
const SERVICE_NAME_MAX = 256;

/** Why `name` is not one Windows service's name, or undefined when it is one. */
export function windowsServiceNameProblem(name: string, example: string): string | undefined {
  const legal = `a Windows service name is 1 to ${SERVICE_NAME_MAX} characters, none of them a control character, / \\ * ? [ or ], with no space at either end; like "${example}"`;
  if (name === "") return `is empty: ${legal}`;
  if (name.length > SERVICE_NAME_MAX) return `is ${name.length} characters long: ${legal}`;
  const control = name.search(CONTROL);
  if (control >= 0) return `${shown(name)} holds a control character (${shown(name[control])} at position ${control + 1}): ${legal}`;
  const bad = NOT_IN_SERVICE_NAME.exec(name);
  if (bad)
    return `${shown(name)} holds "${bad[0]}" (at position ${bad.index + 1}), which ${bad[0] === "/" || bad[0] === "\\" ? "Windows does not allow in a service name" : "PowerShell reads as a wildcard, matching other services too"}: ${legal}`;
  if (name.trim() !== name) return `${shown(name)} has a space at one end, which would name another service than the one Windows has: ${legal}`;
  return undefined;
}

/** A zod schema for a Windows service name, taken exactly as given (never trimmed). */
export function windowsServiceName(example: string) {
  return z.string(expecting(`a Windows service name, like "${example}"`)).superRefine((value, ctx) => {
    const problem = windowsServiceNameProblem(value, example);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
}
