// The site's part of a hop's success: when the stack gives versionCommand, each hop's verify ends
// with a check that the command prints the hop's target. Generic: it knows no product, only the
// step's shell. The command's output is compared on the host and never shown (it is data).
import { Hop, Shell, Step, psStep, shStep } from "./catalog";
import { fromSite } from "./provenance";
import { quote, quotePowerShell } from "../../quote";

export const VERSION_CHECK_ID = "verify-version";

function shCheck(command: string, target: string): string {
  // whitespace aside, the output must be the target, or a longer dotted spelling of it (Oracle's
  // 10.1.2.0.2 is the release 10.1.2); stderr is dropped with the rest of the output
  return (
    `printed=$(sh -c ${quote(command)} 2>/dev/null | tr -d ' \\t\\r\\n'); ` +
    `case "$printed" in ${quote(target)}|${quote(target)}.*) ;; *) false;; esac || { echo ${quote(`versionCommand does not print ${target} after the hop (its output is not shown; run it on the host to see it)`)} >&2; exit 1; }`
  );
}

function psCheck(command: string, target: string): string {
  // the site's command is parsed as a script block of its own, so that whatever it holds stays in it
  return (
    `$printed = ((& ([scriptblock]::Create(${quotePowerShell(command)})) 2>$null) | Out-String) -replace '\\s', ''; ` +
    `if (($printed -ne ${quotePowerShell(target)}) -and -not $printed.StartsWith(${quotePowerShell(target + ".")})) { throw ${quotePowerShell(`versionCommand does not print ${target} after the hop (its output is not shown; run it on the host to see it)`)} }`
  );
}

/** The step that checks the site's command prints the hop's target, in `shell`. */
export function versionCheckStep(hop: Hop, shell: Shell, command: string): Step {
  const spec = {
    id: VERSION_CHECK_ID,
    action: "verify" as const,
    title: `Check versionCommand prints ${hop.to}`,
    commands: [shell === "powershell" ? psCheck(command, hop.to) : shCheck(command, hop.to)],
    destructive: false,
    provenance: fromSite("versionCommand", `no document says how to read the installed version; the site's command must print ${hop.to} after the hop`),
  };
  return shell === "powershell" ? psStep(spec) : shStep(spec);
}

/**
 * A hop's steps with the version check right after its last verify step, in that step's shell (at the
 * end, in the platform's shell, when the hop has no verify step).
 */
export function withVersionCheck(steps: Step[], hop: Hop, platformShell: Shell, command: string): Step[] {
  const last = steps.map((s) => s.action).lastIndexOf("verify");
  const check = versionCheckStep(hop, last < 0 ? platformShell : steps[last].shell, command);
  const at = last < 0 ? steps.length : last + 1;
  return [...steps.slice(0, at), check, ...steps.slice(at)];
}
