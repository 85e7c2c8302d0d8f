// Phase hooks: the name the update service matches, decided from the document. Its two examples
// disagree: « PREINSTALL_ecommerce.ps1 » (and the worked example « POSTINSTALL_ecommerce.ps1 ») use
// "_", « POSTINSTALL-phygital.ps1 » uses "-" and names "phygital", which is not one of the modules the
// same section lists (phygitalapi is). Two of three examples, the only worked one among them, and the
// only one naming a real module agree on PHASE_module.ps1: that is the one name accepted, exactly (the
// phase in capitals, the module as listed), so that a hook is never silently ignored by the service.
import { HOOK_MODULES, PHASES } from "./rules";

const NAME = /^([A-Za-z]+)([_-])([A-Za-z0-9]+)\.ps1$/i;

/** The file name of a hook for a phase and a module. */
const hookName = (phase: string, module: string) => `${phase}_${module}.ps1`;

/** Why `name` is not a hook the update service runs for one of `hosted` (the server's modules), or undefined when it is. */
export function hookNameProblem(name: string, hosted: readonly string[]): string | undefined {
  const legal = `a hook is named PHASE_module.ps1: PHASE one of ${PHASES.join(", ")}; module one of ${HOOK_MODULES.join(", ")} (like PREINSTALL_ecommerce.ps1)`;
  const m = NAME.exec(name);
  if (!m) return `${JSON.stringify(name)} is not a hook name: ${legal}`;
  const [, phase, sep, module] = m;
  const knownPhase = PHASES.find((p) => p.toLowerCase() === phase.toLowerCase());
  const knownModule = HOOK_MODULES.find((x) => x.toLowerCase() === module.toLowerCase());
  if (!knownPhase) return `${JSON.stringify(name)}: ${phase} is not a phase of the update service; ${legal}`;
  if (!knownModule) {
    const near = HOOK_MODULES.find((x) => x.startsWith(module.toLowerCase()));
    return `${JSON.stringify(name)}: ${module} is not a module${near ? ` (the module is ${near})` : ""}; ${legal}`;
  }
  const proper = hookName(knownPhase, knownModule);
  if (sep !== "_")
    return `${JSON.stringify(name)} separates phase and module with "-": the document's worked example and the name it gives first use "_" (its other example, POSTINSTALL-phygital.ps1, also names no real module), so upchain places only ${proper}; rename the file`;
  if (name !== proper) return `${JSON.stringify(name)} must be written ${proper} (the phase in capitals, the module as the document lists it)`;
  if (!hosted.includes(knownModule))
    return `${JSON.stringify(name)} is a hook for ${knownModule}, which this server does not host (it hosts ${hosted.join(", ")})`;
  return undefined;
}
