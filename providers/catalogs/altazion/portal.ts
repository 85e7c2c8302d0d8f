// The update service's portal as the site describes it (options.portal). 003 gives its address
// (« http://localhost:8080/ ») and says that it lists the modules to update, each with an « Installer »
// button, and that after the click the service deploys the new version « et revient à la liste des
// services ». Everything else (how the page shows a module still to update or an install running,
// what the button's form sends, hidden inputs it carries) is the site's: no default here.
import { HttpAttempt, HttpStepDetails } from "../../engine/planning/httpStepDetails";
import { sitePlaceholder } from "../../engine/planning/provenance";
import type { AltazionOptions } from "./optionTypes";

/** 003's address: http://localhost:8080/. */
export const PORTAL_DEFAULTS = { port: 8080, listPath: "/" };

export type PortalOptions = AltazionOptions["portal"];

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const withModule = (template: string, value: string) => template.split("{module}").join(value);

/** The site's pattern for `module`: the module's name regex-escaped; a placeholder when the site has not said. */
export const listedPattern = (p: PortalOptions, module: string) =>
  withModule(p.listedPattern ?? sitePlaceholder("options.portal.listedPattern"), escapeRegExp(module));
export const installingPattern = (p: PortalOptions, module: string) =>
  withModule(p.installingPattern ?? sitePlaceholder("options.portal.installingPattern"), escapeRegExp(module));

/** The form the site describes, for `module`: raw values (the engine URL-encodes the body once). */
function installForm(p: PortalOptions, module: string) {
  const install = p.install ?? { method: "POST" as const, path: sitePlaceholder("options.portal.install.path"), fields: {}, tokensFromPage: undefined };
  const fields = Object.fromEntries(Object.entries(install.fields).map(([k, v]) => [k, withModule(v, module)]));
  return { method: install.method, path: install.path, fields, ...(install.tokensFromPage?.length ? { tokensFromPage: install.tokensFromPage } : {}) };
}

/**
 * The http step that presses a module's « Installer »: done when the list no longer shows the module,
 * busy (wait, never press, never restore) while the page shows its install running.
 */
export function installRequest(p: PortalOptions, module: string, attempts: HttpAttempt[], giveUp: string): HttpStepDetails {
  const form = installForm(p, module);
  return {
    port: p.port,
    request: { method: form.method, path: form.path, headers: { "content-type": "application/x-www-form-urlencoded" } },
    form: { fields: form.fields, ...(form.tokensFromPage ? { tokensFromPage: form.tokensFromPage } : {}) },
    busy: { present: installingPattern(p, module) },
    // « revient à la liste des services »: a redirect to the list, or the list itself
    expectStatus: [200, 302, 303],
    done: { path: p.listPath, absent: listedPattern(p, module) },
    attempts,
    giveUp,
  };
}
