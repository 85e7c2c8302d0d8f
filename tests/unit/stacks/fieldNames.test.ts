// The stack file's names for what a Server's check may refuse.
import * as assert from "assert";
import { userField } from "../../../providers/server/fields";
import { ServerFieldFacts, serverFieldNames } from "../../../stacks/fieldNames";

const facts: ServerFieldFacts = { position: 3, product: "omflow", ownUser: false, hostKeyFromFile: false, privateKeyFromSecret: false };

describe("the stack file's names for a server's fields", () => {
  const cases: [string, Partial<ServerFieldFacts>, string, string][] = [
    ["the target is the server's version, at its place in the file", {}, "target", "upchain:servers[3].version"],
    ["an option is under the server's options", {}, "options.backupDir", "upchain:servers[3].options.backupDir"],
    ["an Altazion Office server's target is its modules", { product: "altazion-office" }, "target", "upchain:servers[3].modules"],
    ["an Altazion Office module's option is under its modules", { product: "altazion-office" }, "options.modules[0].name", "upchain:servers[3].modules[0].name"],
    ["an Altazion Office module's target is the version its entry gives", { product: "altazion-office", modules: 2 }, "options.modules[1].target", "upchain:servers[3].modules[1].version"],
    ["a key read from a file is upchain:privateKeyFile", {}, "connection.privateKey", "upchain:privateKeyFile"],
    ["a key set as a secret is upchain:privateKey", { privateKeyFromSecret: true }, "connection.privateKey", "upchain:privateKey"],
    ["a host key pinned from the known_hosts file is that file's", { hostKeyFromFile: true }, "connection.hostKey", "upchain:knownHostsFile"],
    ["a host key of its own is the server's hostKey", {}, "connection.hostKey", "upchain:servers[3].hostKey"],
    ["the user, when the server has none of its own, is upchain:user", {}, "connection.user", "upchain:user"],
    ["the user of its own is the server's", { ownUser: true }, "connection.user", "upchain:servers[3].user"],
    ["a connection that fails as a whole is the server's host", {}, "connection", "upchain:servers[3].host"],
  ];
  for (const [name, given, property, expected] of cases) {
    it(name, () => assert.strictEqual(userField(property, serverFieldNames({ ...facts, ...given })), expected));
  }
});
