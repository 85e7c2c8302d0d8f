import * as assert from "assert";
import { check, diff } from "../../../providers/hostFacts/impl";
import { parseFacts } from "../../../providers/hostFacts/facts";

const hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";

describe("HostFacts provider (no I/O)", () => {
  it("check gives one failure per bad field, named by its path", async () => {
    const r = await check({}, { connection: { host: "", hostKey: "nope" }, privateKey: "k" });
    const props = (r.failures ?? []).map((f) => f.property).sort();
    assert.deepStrictEqual(props, ["connection.host", "connection.hostKey"]);
  });
  it("check asks for a credential when neither key nor password is given", async () => {
    const r = await check({}, { connection: { host: "h", hostKey } });
    assert.match(JSON.stringify(r.failures), /privateKey \(preferred\) or password/);
  });
  it("check fills the port and user defaults", async () => {
    const r = await check({}, { connection: { host: "h", hostKey }, privateKey: "k" });
    assert.deepStrictEqual(r.inputs!.connection, { host: "h", port: 22, user: "root", hostKey });
  });
  it("diff never replaces: a changed key or address is an update", async () => {
    const olds: any = { connection: { host: "h", port: 22, user: "root", hostKey }, privateKey: "k" };
    const same = await diff("id", olds, { connection: { host: "h", port: 22, user: "root", hostKey }, privateKey: "k" });
    assert.strictEqual(same.changes, false);
    const moved = await diff("id", olds, { connection: { host: "h2", port: 22, user: "root", hostKey }, privateKey: "k2" });
    assert.strictEqual(moved.changes, true);
    assert.deepStrictEqual(moved.replaces, []);
  });
  it("parseFacts reads each keyed line and tolerates missing ones", () => {
    assert.deepStrictEqual(parseFacts("hostname=web1\nosId=debian\nosPrettyName=Debian GNU/Linux 12 (bookworm)\n"), {
      hostname: "web1",
      osId: "debian",
      osVersion: "",
      osPrettyName: "Debian GNU/Linux 12 (bookworm)",
    });
  });
});
