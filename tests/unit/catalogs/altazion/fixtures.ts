// Shared inputs of the Altazion unit tests: options of the two servers the acceptance stack has, and
// status.xml texts as the update service writes them (tests/fixtures/altazion is the contract).
import { readOffer } from "../../../../providers/catalogs/altazion/offer";
import { altazionOptions } from "../../../../providers/catalogs/altazion/options";
import { Platform } from "../../../../providers/engine/planning/catalog";

export const webOptions = (platform: Platform = "linux", extra: Record<string, unknown> = {}) => ({
  modules:
    platform === "linux"
      ? [
          { name: "ecommerce", target: "5.2.0.0", folder: "/srv/altazion/ecommerce", pools: ["Ecommerce"] },
          { name: "gestioncommerciale", target: "latest", folder: "/srv/altazion/gestion commerciale", pools: ["GC pool", "GC api"] },
        ]
      : [
          { name: "ecommerce", target: "5.2.0.0", folder: "C:\\inetpub\\altazion\\ecommerce", pools: ["Ecommerce"] },
          { name: "gestioncommerciale", target: "latest", folder: "C:\\inetpub\\altazion\\gestion commerciale", pools: ["GC pool", "GC api"] },
        ],
  portal: PORTAL,
  ...FILES,
  notify:
    platform === "linux"
      ? 'logger -t altazion "$UPCHAIN_NOTICE"'
      : "Write-EventLog -LogName Application -Source Altazion -EventId 1 -Message $env:UPCHAIN_NOTICE",
  ...extra,
});

/** A site's description of its portal (options.portal), as a stack gives it. */
export const PORTAL = {
  port: 8080,
  listPath: "/",
  listedPattern: '<form[^>]*data-module="{module}"',
  installingPattern: 'class="installing"[^>]*>{module}<',
  install: { method: "POST", path: "/Updates/Install", fields: { module: "{module}", confirm: "1" }, tokensFromPage: ["__RequestVerificationToken"] },
};

/** The site's description of its update service's files (options.statusFile, options.applicationsFile), as statusXml writes them. */
export const FILES = {
  statusFile: { element: "module", moduleAttribute: "name", versionAttribute: "lastDetectedVersion" },
  applicationsFile: { element: "application", moduleAttribute: "name", pathAttribute: "path" },
};

/** status.xml: per module, the latest version the service has detected (all that upchain reads from it). */
export function statusXml(modules: { name: string; available: string }[]): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n<status>\n` +
    modules.map((m) => `  <module name="${m.name}" lastDetectedVersion="${m.available}"/>\n`).join("") +
    `</status>\n`
  );
}

/** The releases and resolved target the server provider would plan with, from a status.xml and the installed version. */
export function offered(options: unknown, xml: string, installed: string, target: string, platform: Platform = "linux") {
  const r = readOffer(altazionOptions(options, platform), xml, installed, target);
  if ("problem" in r) throw new Error(r.problem);
  return r;
}
