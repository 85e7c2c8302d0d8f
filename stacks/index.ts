// The Pulumi program: reads stacks/Pulumi.<stack>.yaml and declares one resource per host.
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { UpchainError } from "../providers/errors";
import { GroupmaxServer } from "../components/groupmaxServer";
import { OmflowServer } from "../components/omflowServer";
import { HostFacts } from "../providers/hostFacts/resource";
import { StackConfig, hostKeyFromKnownHosts, parseStackConfig } from "./config";

const cfg = new pulumi.Config("upchain");
const stackFile = `stacks/Pulumi.${pulumi.getStack()}.yaml`;
const settings = parseStackConfig(
  {
    hosts: cfg.getObject("hosts"),
    servers: cfg.getObject("servers"),
    user: cfg.get("user"),
    privateKeyFile: cfg.get("privateKeyFile"),
    knownHostsFile: cfg.get("knownHostsFile"),
  },
  stackFile,
);

// A key given with `pulumi config set --secret upchain:privateKey` wins over privateKeyFile.
const privateKey: pulumi.Output<string> | undefined =
  cfg.getSecret("privateKey") ??
  (settings.privateKeyFile ? pulumi.secret(fs.readFileSync(settings.privateKeyFile, "utf8")) : undefined);
const password = cfg.getSecret("password");

function connectionFor(list: "hosts" | "servers", i: number, h: StackConfig["hosts"][number]) {
  const hostKey = h.hostKey ?? hostKeyFromKnownHosts(settings.knownHostsFile!, h.host, h.port);
  if (!hostKey) {
    throw new UpchainError(
      "HOST_KEY_UNKNOWN",
      `${stackFile}: upchain:${list}[${i}] (${h.name}, ${h.host}) has no hostKey and ${settings.knownHostsFile} has no key for it; ` +
        `pin one with hostKey or add the host to the known_hosts file`,
      [list, i, "hostKey"],
    );
  }
  return { host: h.host, port: h.port, user: h.user ?? settings.user, privateKey, password, hostKey };
}

export const hosts: Record<string, pulumi.Output<unknown>> = {};
settings.hosts.forEach((h, i) => {
  const facts = new HostFacts(h.name, { connection: connectionFor("hosts", i, h) });
  hosts[h.name] = pulumi.all([facts.hostname, facts.osPrettyName]).apply(([hostname, os]) => ({ hostname, os }));
});

export const servers: Record<string, pulumi.Output<string>> = {};
settings.servers.forEach((s, i) => {
  const Component = s.product === "groupmax" ? GroupmaxServer : OmflowServer;
  const server = new Component(s.name, {
    connection: connectionFor("servers", i, s),
    version: s.version,
    platform: s.platform,
    releases: s.releases,
    options: s.options,
    lockTimeoutSeconds: s.lockTimeoutSeconds,
  });
  servers[s.name] = server.installedVersion;
});
