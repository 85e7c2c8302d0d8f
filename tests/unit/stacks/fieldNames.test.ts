// The stack file's names for what a Server's, a HostFacts' and a cluster's checks may refuse.
import * as assert from "assert";
import { userField } from "../../../providers/server/fields";
import { ConnectionFieldFacts, ServerFieldFacts, clusterFieldNames, hostFieldNames, serverFieldNames } from "../../../stacks/fieldNames";
import { memberFields, rolloutFields } from "../../../components/webCacheCluster";

const facts: ServerFieldFacts = { position: 3, product: "omflow", ownUser: false, hostKeyFromFile: false, privateKeyFromSecret: false };

describe("the names of a server's fields when the servers are in a file (upchain:serversFile)", () => {
  const inFile: ServerFieldFacts = { ...facts, serversFile: "fleet/servers.yaml" };
  const cases: [string, Partial<ServerFieldFacts>, string, string][] = [
    ["the target is the entry's version, at its place in the file", {}, "target", "fleet/servers.yaml: [3].version"],
    ["an option is under the entry's options", {}, "options.backupDir", "fleet/servers.yaml: [3].options.backupDir"],
    ["the host is the entry's", {}, "connection.host", "fleet/servers.yaml: [3].host"],
    [
      "an Altazion Office module's target is its entry's version",
      { product: "altazion-office", modules: 2 },
      "options.modules[1].target",
      "fleet/servers.yaml: [3].modules[1].version",
    ],
    ["the user, when the entry has none of its own, is still upchain:user", {}, "connection.user", "upchain:user"],
    ["a key set as a secret is still upchain:privateKey", { privateKeyFromSecret: true }, "connection.privateKey", "upchain:privateKey"],
  ];
  for (const [name, f, property, expected] of cases) {
    it(name, () => assert.strictEqual(userField(property, serverFieldNames({ ...inFile, ...f })), expected));
  }
});

describe("the stack file's names for a server's fields", () => {
  const cases: [string, Partial<ServerFieldFacts>, string, string][] = [
    ["the target is the server's version, at its place in the file", {}, "target", "upchain:servers[3].version"],
    ["an option is under the server's options", {}, "options.backupDir", "upchain:servers[3].options.backupDir"],
    ["an Altazion Office server's target is its modules", { product: "altazion-office" }, "target", "upchain:servers[3].modules"],
    [
      "an Altazion Office module's option is under its modules",
      { product: "altazion-office" },
      "options.modules[0].name",
      "upchain:servers[3].modules[0].name",
    ],
    [
      "an Altazion Office module's target is the version its entry gives",
      { product: "altazion-office", modules: 2 },
      "options.modules[1].target",
      "upchain:servers[3].modules[1].version",
    ],
    ["a key read from a file is upchain:privateKeyFile", {}, "connection.privateKey", "upchain:privateKeyFile"],
    ["a key set as a secret is upchain:privateKey", { privateKeyFromSecret: true }, "connection.privateKey", "upchain:privateKey"],
    ["a host key pinned from the known_hosts file is that file's", { hostKeyFromFile: true }, "connection.hostKey", "upchain:knownHostsFile"],
    ["a host key of its own is the server's hostKey", {}, "connection.hostKey", "upchain:servers[3].hostKey"],
    ["the user, when the server has none of its own, is upchain:user", {}, "connection.user", "upchain:user"],
    ["the user of its own is the server's", { ownUser: true }, "connection.user", "upchain:servers[3].user"],
    ["a connection that fails as a whole is the server's host", {}, "connection", "upchain:servers[3].host"],
    ["the site's version command is the server's versionCommand", {}, "versionCommand", "upchain:servers[3].versionCommand"],
    ["the declared version is the server's current", {}, "current", "upchain:servers[3].current"],
  ];
  for (const [name, given, property, expected] of cases) {
    it(name, () => assert.strictEqual(userField(property, serverFieldNames({ ...facts, ...given })), expected));
  }
});

describe("the stack file's names for an upchain:hosts entry's fields", () => {
  const own: ConnectionFieldFacts = { ownUser: false, hostKeyFromFile: false, privateKeyFromSecret: false };
  const cases: [string, Partial<ConnectionFieldFacts>, string, string][] = [
    ["its host key is the entry's hostKey, at its place in the file", {}, "connection.hostKey", "upchain:hosts[1].hostKey"],
    ["a host key pinned from the known_hosts file is that file's", { hostKeyFromFile: true }, "connection.hostKey", "upchain:knownHostsFile"],
    ["a key read from a file is upchain:privateKeyFile", {}, "connection.privateKey", "upchain:privateKeyFile"],
    ["its port is the entry's port", {}, "connection.port", "upchain:hosts[1].port"],
    ["a connection that fails as a whole is the entry's host", {}, "connection", "upchain:hosts[1].host"],
  ];
  for (const [name, given, property, expected] of cases) {
    it(name, () => assert.strictEqual(userField(property, hostFieldNames(1, { ...own, ...given })), expected));
  }
});

describe("the stack file's names for a cluster's fields, through the WebCacheCluster component", () => {
  const plain: ConnectionFieldFacts = { ownUser: false, hostKeyFromFile: false, privateKeyFromSecret: true };
  const names = clusterFieldNames({ position: 0, balancer: plain, members: [plain, { ...plain, ownUser: true }] });
  const rollout: [string, string, string][] = [
    ["the rollout's target is the cluster's version", "target", "upchain:clusters[0].version"],
    ["a member's host key is that member's hostKey", "members.1.connection.hostKey", "upchain:clusters[0].members[1].hostKey"],
    ["a member's key set as a secret is upchain:privateKey", "members.1.connection.privateKey", "upchain:privateKey"],
    ["a member's name is under that member", "members.0.name", "upchain:clusters[0].members[0].name"],
    ["the balancer's host key is the balancer's hostKey", "balancer.connection.hostKey", "upchain:clusters[0].balancer.hostKey"],
    ["the balancer's socket is under the balancer", "balancer.socket", "upchain:clusters[0].balancer.socket"],
    ["what the whole cluster refuses is its members", "members", "upchain:clusters[0].members"],
  ];
  for (const [name, property, expected] of rollout) {
    it(name, () => assert.strictEqual(userField(property, rolloutFields(2, names)), expected));
  }
  const member: [string, string, string][] = [
    ["a member's Server's target is the cluster's version", "target", "upchain:clusters[0].version"],
    ["a member's Server's host key is that member's hostKey", "connection.hostKey", "upchain:clusters[0].members[1].hostKey"],
    ["a member's own user is that member's", "connection.user", "upchain:clusters[0].members[1].user"],
    ["a member's Server's whole connection is that member's host", "connection", "upchain:clusters[0].members[1].host"],
    ["a member's option is under that member's options", "options.oracleHome", "upchain:clusters[0].members[1].options.oracleHome"],
    ["the balancer of a member's pool is the cluster's balancer", "pool.balancer.connection.hostKey", "upchain:clusters[0].balancer.hostKey"],
  ];
  for (const [name, property, expected] of member) {
    it(name, () => assert.strictEqual(userField(property, memberFields(1, names)), expected));
  }
});
