import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { hostKeyFromKnownHosts, parseStackConfig } from "../../../stacks/config";

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";

describe("stack configuration", () => {
  it("accepts hosts with pinned keys and fills defaults", () => {
    const c = parseStackConfig({ hosts: [{ name: "a", host: "10.0.0.1", hostKey: key }] });
    assert.strictEqual(c.user, "root");
  });
  it("names the field, the rule and the fix for a host without a pinned key", () => {
    assert.throws(
      () => parseStackConfig({ hosts: [{ name: "a", host: "h" }] }, "stacks/Pulumi.prod.yaml"),
      (e: Error) => /stacks\/Pulumi\.prod\.yaml/.test(e.message) && /upchain:hosts\[0\]\.hostKey: pin the host key/.test(e.message),
    );
  });
  it("reports every problem at once, each with its path", () => {
    assert.throws(
      () => parseStackConfig({ hosts: [{ name: "a", host: "", hostKey: key }, { name: "a", host: "h", port: 70000, hostKey: key }] }),
      (e: Error) => /hosts\[0\]\.host: give the server's address/.test(e.message) && /hosts\[1\]\.port/.test(e.message) && /hosts\[1\]\.name: "a" is declared twice/.test(e.message),
    );
  });
  it("requires at least one host or server", () => {
    assert.throws(() => parseStackConfig({ hosts: [] }), /upchain:hosts: declare at least one host or server/);
  });
  it("a server names its product from the supported list", () => {
    assert.throws(
      () => parseStackConfig({ servers: [{ name: "s", host: "h", hostKey: key, product: "oracle", version: "1" }] }),
      /upchain:servers\[0\]\.product: supported products: omflow, groupmax/,
    );
    const c = parseStackConfig({ servers: [{ name: "g", host: "h", hostKey: key, product: "groupmax", version: "06-00" }] });
    assert.strictEqual(c.servers[0].product, "groupmax");
  });
  it("finds a host's key in a known_hosts file, with and without a port", () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "upchain-kh-")), "known_hosts");
    fs.writeFileSync(f, `# comment\n10.0.0.1 ${key}\n[10.0.0.2]:2222,alias ${key.replace("AAAAC3", "AAAAC3")}\n`);
    assert.strictEqual(hostKeyFromKnownHosts(f, "10.0.0.1"), key);
    assert.strictEqual(hostKeyFromKnownHosts(f, "10.0.0.2", 2222), key);
    assert.strictEqual(hostKeyFromKnownHosts(f, "10.0.0.2"), undefined);
  });
  it("a missing known_hosts file is a clear error, not an empty pin", () => {
    assert.throws(() => hostKeyFromKnownHosts("/nonexistent/known_hosts", "h"), /upchain:knownHostsFile: cannot read \/nonexistent/);
  });
});
