// The update service's portal, in one replaceable place. The document says only that the portal is at
// http://localhost:8080/, lists the modules to update, and has an « Installer » button per module that
// installs it and comes back to the list. ASSUMED here (and configurable with options.portal): the
// list is at GET /, a module still to update shows `data-module="<name>"` in the page, and the button
// sends POST /install with the form body `module=<name>`, answered by a redirect back to the list.
// Replace these defaults in the stack if a site's portal differs; nothing else depends on them.
import { HttpAttempt, HttpStepDetails } from "../../engine/httpStep";

export const DEFAULT_PORTAL = {
  port: 8080,
  listPath: "/",
  installMethod: "POST" as "POST" | "GET",
  installPath: "/install",
  installBody: "module={module}",
  contentType: "application/x-www-form-urlencoded",
  listedMarker: 'data-module="{module}"',
};

export type PortalOptions = typeof DEFAULT_PORTAL;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const withModule = (template: string, module: string) => template.split("{module}").join(module);

/** The http step that presses a module's Installer button until the module has left the list. */
export function installRequest(p: PortalOptions, module: string, attempts: HttpAttempt[], giveUp: string): HttpStepDetails {
  const body = withModule(p.installBody, encodeURIComponent(module));
  return {
    port: p.port,
    request: {
      method: p.installMethod,
      path: p.installMethod === "GET" && body ? `${p.installPath}?${body}` : p.installPath,
      ...(p.installMethod === "POST" ? { headers: { "content-type": p.contentType }, body } : {}),
    },
    // the button "comes back to the list": a redirect, or the list itself
    expectStatus: [200, 302, 303],
    done: { path: p.listPath, absent: escapeRegExp(withModule(p.listedMarker, module)) },
    attempts,
    giveUp,
  };
}
