// A Pulumi project whose stack manages test hosts as Groupmax servers, installing Version 6 with the
// fake's package: uploaded first, then run by the site's installer commands the stack supplies.
import { TestHost, privateKey } from "./hosts";
import { groupmaxPackage } from "./groupmaxFixture";
import { PulumiProject } from "./pulumi";

const pkg = "/var/tmp/gmx6";

export function groupmaxOptions(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uploads: [{ source: groupmaxPackage(), destination: pkg }],
    installers: { objectServer: `sh ${pkg}/install.sh object`, addressServer: `sh ${pkg}/install.sh address`, mailServer: `sh ${pkg}/install.sh mail` },
    rebootTimeoutSeconds: 120,
    ...extra,
  };
}

/** (Re)write the stack's servers (each host at `version` with `options`) and the SSH key as a secret. */
export function configureGroupmax(project: PulumiProject, hosts: TestHost[], options: Record<string, unknown>, version = "06-00"): void {
  project.writeConfig({
    "upchain:servers": hosts.map((h) => ({ name: h.name, host: h.host, hostKey: h.hostKey, product: "groupmax", version, options, lockTimeoutSeconds: 30 })),
  });
  project.setConfig("upchain:privateKey", privateKey(hosts[0]), true);
}

export function groupmaxProject(stack: string, hosts: TestHost[], options = groupmaxOptions()): PulumiProject {
  const project = new PulumiProject(stack);
  project.init();
  configureGroupmax(project, hosts, options);
  return project;
}
