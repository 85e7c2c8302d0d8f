// A Pulumi project whose stack manages test hosts as Altazion Office servers (the fake update
// service in tests/fixtures/altazion): modules, hook files in the project's folder, and a notice
// command that writes into the fake's event log, so that its order against the installs is known.
import * as fs from "fs";
import * as path from "path";
import { quote } from "../../providers/quote";
import { ALTAZION_SITE, EVENTS, WEB_MODULES } from "./altazionFixture";
import { TestHost, privateKey } from "./hosts";
import { PulumiProject } from "./pulumi";

export interface AltazionServerSpec {
  host: TestHost;
  modules: { name: string; version: string; folder?: string; pools?: string[] }[];
  hooks?: string[];
  options?: Record<string, unknown>;
  /** The site's command printing the installed versions; ALTAZION_SITE's by default. */
  versionCommand?: string;
}

/** The notice command: one "notice" event in the fake's log, with the phase and the modules. */
export const NOTIFY = `printf '{"t": %s, "event": "notice", "phase": "%s", "modules": "%s"}\\n' "$(date +%s.%N)" "$UPCHAIN_PHASE" "$UPCHAIN_MODULES" >> ${quote(EVENTS)}`;

/** Write a hook file into the project's hooks/ folder; returns its path relative to the project. */
export function writeHook(project: PulumiProject, name: string, text: string): string {
  fs.mkdirSync(path.join(project.dir, "hooks"), { recursive: true });
  fs.writeFileSync(path.join(project.dir, "hooks", name), text);
  return `hooks/${name}`;
}

export function configureAltazion(project: PulumiProject, servers: AltazionServerSpec[]): void {
  project.writeConfig({
    "upchain:servers": servers.map((s) => ({
      name: s.host.name,
      host: s.host.host,
      hostKey: s.host.hostKey,
      product: "altazion-office",
      // the site's pools: the fake runs a web module in one pool named after it
      modules: s.modules.map((m) => ({
        ...m,
        folder: m.folder ?? `/srv/altazion/${m.name}`,
        ...((WEB_MODULES as readonly string[]).includes(m.name) ? { pools: m.pools ?? [m.name] } : {}),
      })),
      ...(s.hooks ? { hooks: s.hooks } : {}),
      // what the site knows and 003 does not say (shared contract 2)
      versionCommand: s.versionCommand ?? ALTAZION_SITE.versionCommand,
      options: {
        notify: NOTIFY,
        retryWaitSeconds: 3,
        portal: ALTAZION_SITE.portal,
        statusFile: ALTAZION_SITE.statusFile,
        applicationsFile: ALTAZION_SITE.applicationsFile,
        ...s.options,
      },
      lockTimeoutSeconds: 30,
    })),
  });
  project.setConfig("upchain:privateKey", privateKey(servers[0].host), true);
}

export function altazionProject(stack: string, servers: AltazionServerSpec[]): PulumiProject {
  const project = new PulumiProject(stack);
  project.init();
  configureAltazion(project, servers);
  return project;
}
