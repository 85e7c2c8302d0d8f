// A Pulumi project whose stack manages test hosts as Groupmax servers, installing Version 6 with the
// fake's package. 002 names no path and no Linux command, so the stack gives every one of them as
// the site's: here, the fake's own (tests/fixtures/groupmax/README.md says which are its inventions).
import { TestHost, privateKey } from "./hosts";
import { GROUPMAX_LAYOUT, groupmaxPackage } from "./groupmaxFixture";
import { PulumiProject } from "./pulumi";

const pkg = "/var/tmp/gmx6";
const ctl = GROUPMAX_LAYOUT.control;
const svc = (name: string) => ({ start: `${ctl} start ${name}`, stop: `${ctl} stop ${name}`, status: `${ctl} status ${name}` });

export function groupmaxOptions(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uploads: [{ source: groupmaxPackage(), destination: pkg }],
    // the fake's installer needs bash (it uses arrays): run as the site would, never as sh
    installers: {
      objectServer: `bash ${pkg}/install.sh object`,
      addressServer: `bash ${pkg}/install.sh address --update`,
      mailServer: `bash ${pkg}/install.sh mail --update`,
    },
    installDirs: [...GROUPMAX_LAYOUT.installFolders],
    databasePaths: [...GROUPMAX_LAYOUT.databaseFolders],
    journalDir: GROUPMAX_LAYOUT.journalFolder,
    advup: GROUPMAX_LAYOUT.advup,
    addressMailSetup: GROUPMAX_LAYOUT.setup,
    commands: {
      objectServer: svc("objsrv"),
      address: svc("address"),
      server: svc("server"),
      console: svc("console"),
      autostart: { isOn: `[ "$(${ctl} autostart show)" = on ]`, off: `${ctl} autostart off`, on: `${ctl} autostart on` },
    },
    rebootTimeoutSeconds: 120,
    ...extra,
  };
}

/**
 * (Re)write the stack's servers (each host at `version` with `options`) and the SSH key as a secret.
 * The installed version is the site's versionCommand (the fake's stand-in); the field comes with the
 * "version" branch (server-level versionCommand), so these stacks need it merged.
 */
export function configureGroupmax(project: PulumiProject, hosts: TestHost[], options: Record<string, unknown>, version = "06-00"): void {
  project.writeConfig({
    "upchain:servers": hosts.map((h) => ({
      name: h.name,
      host: h.host,
      hostKey: h.hostKey,
      product: "groupmax",
      version,
      versionCommand: GROUPMAX_LAYOUT.versionCommand,
      options,
      lockTimeoutSeconds: 30,
    })),
  });
  project.setConfig("upchain:privateKey", privateKey(hosts[0]), true);
}

export function groupmaxProject(stack: string, hosts: TestHost[], options = groupmaxOptions()): PulumiProject {
  const project = new PulumiProject(stack);
  project.init();
  configureGroupmax(project, hosts, options);
  return project;
}
