// HostFacts end to end through the real pulumi CLI against real sshd test hosts:
// preview, up, up again with no change, refresh that sees drift, key pinning, secrets, destroy.
import * as assert from "assert";
import { PulumiProject } from "../support/pulumi";
import { TestHost, onHost, privateKey, requireRoot, resetHost, startHosts, stopHosts } from "../support/hosts";
import { exportedResources } from "../support/stackExport";

function hostsConfig(hosts: TestHost[]) {
  return hosts.map((h) => ({ name: h.name, host: h.host, hostKey: h.hostKey }));
}

function sshLogins(name: string): number {
  return (onHost(name, "cat /var/log/sshd.log 2>/dev/null || true").match(/Accepted publickey/g) ?? []).length;
}

describe("HostFacts through the real pulumi CLI", function () {
  this.timeout(10 * 60 * 1000);
  let hosts: TestHost[];
  let project: PulumiProject;

  before(() => {
    requireRoot();
    hosts = startHosts("hfa", "hfb");
    project = new PulumiProject("facts");
    project.init();
    project.writeConfig({ "upchain:hosts": hostsConfig(hosts) });
    project.setConfig("upchain:privateKey", privateKey(hosts[0]), true);
  });

  after(() => {
    project?.dispose();
    stopHosts("hfa", "hfb");
  });

  it("preview plans two resources and does not log in to any host", () => {
    const before = hosts.map((h) => sshLogins(h.name));
    const r = project.ok(["preview", "--diff"]);
    assert.match(r.output, /\+ 3 to create/); // the stack and two hosts
    assert.strictEqual((r.output.match(/\+ pulumi-nodejs:dynamic\/upchain:HostFacts: \(create\)/g) ?? []).length, 2);
    assert.deepStrictEqual(
      hosts.map((h) => sshLogins(h.name)),
      before,
    );
  });

  it("up reads each host's hostname and OS over SSH", () => {
    project.ok(["up", "--yes", "--skip-preview"]);
    const out = JSON.parse(project.ok(["stack", "output", "--json", "hosts"]).stdout);
    assert.deepStrictEqual(out.hfa, { hostname: "hfa", os: "Debian GNU/Linux 12 (bookworm)" });
    assert.deepStrictEqual(out.hfb, { hostname: "hfb", os: "Debian GNU/Linux 12 (bookworm)" });
  });

  it("up again reports no changes", () => {
    const r = project.ok(["up", "--yes", "--expect-no-changes"]);
    assert.doesNotMatch(r.output, /to update|to create/);
  });

  it("the state file never holds the private key in plain text", () => {
    const key = privateKey(hosts[0]);
    const body = key.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"));
    assert.ok(body.length > 0, "the test key should have a body to look for");
    const state = project.stateText();
    assert.ok(state.includes('"pulumi-nodejs:dynamic/upchain:HostFacts"'), "the state should hold the resources");
    for (const line of body) assert.ok(!state.includes(line), "a line of the private key is in the state in plain text");
    assert.match(state, /"ciphertext"/, "secrets should be stored encrypted");
  });

  it("refresh right after up finds no drift", () => {
    project.ok(["refresh", "--yes", "--expect-no-changes"]);
  });

  it("refresh sees a hostname changed on the host behind Pulumi's back", () => {
    onHost("hfa", "hostname hfa-renamed");
    const drift = project.run(["refresh", "--yes", "--expect-no-changes"]);
    assert.notStrictEqual(drift.code, 0, `refresh should report drift:\n${drift.output}`);
    assert.match(drift.output, /hostname/);
    const res = exportedResources(project.ok(["stack", "export"]).stdout).find((r) => r.urn.endsWith("::hfa"));
    assert.strictEqual(res?.outputs?.hostname, "hfa-renamed");
    project.ok(["refresh", "--yes", "--expect-no-changes"]);
  });

  it("a host whose key changed is refused, and the error names both keys but no secret", () => {
    const rebuilt = resetHost("hfb"); // a fresh root filesystem makes a fresh host key
    assert.notStrictEqual(rebuilt.hostKey, hosts[1].hostKey);
    const r = project.run(["refresh", "--yes"]);
    assert.notStrictEqual(r.code, 0, `refresh against a changed host key must fail:\n${r.output}`);
    assert.match(r.output, /offered host key SHA256:\S+, but SHA256:\S+ is pinned in upchain:hosts\[1\]\.hostKey\. /);
    const key = privateKey(hosts[0]);
    for (const line of key.split("\n").filter((l) => l.length > 20)) assert.ok(!r.output.includes(line));
    // pinning the new key is the documented way back
    hosts[1] = rebuilt;
    project.writeConfig({ "upchain:hosts": hostsConfig(hosts) });
    project.setConfig("upchain:privateKey", privateKey(hosts[0]), true);
    project.ok(["up", "--yes"]);
  });

  it("destroy forgets the hosts and leaves them running", () => {
    const facts = (stdout: string) => exportedResources(stdout).filter((r) => r.type === "pulumi-nodejs:dynamic/upchain:HostFacts");
    assert.strictEqual(facts(project.ok(["stack", "export"]).stdout).length, 2);
    project.ok(["destroy", "--yes"]);
    assert.strictEqual(facts(project.ok(["stack", "export"]).stdout).length, 0);
    assert.strictEqual(onHost("hfa", "echo alive").trim(), "alive");
  });
});

describe("HostFacts input errors at preview time", function () {
  this.timeout(5 * 60 * 1000);
  let project: PulumiProject;
  let host: TestHost;

  before(() => {
    requireRoot();
    [host] = startHosts("hfc");
    project = new PulumiProject("bad");
    project.init();
    project.setConfig("upchain:privateKey", privateKey(host), true);
  });
  after(() => {
    project?.dispose();
    stopHosts("hfc");
  });

  it("a host with no pinned key fails preview, naming the field and how to pin it", () => {
    project.writeConfig({ "upchain:hosts": [{ name: "hfc", host: host.host }] });
    project.setConfig("upchain:privateKey", privateKey(host), true);
    const r = project.run(["preview"]);
    assert.notStrictEqual(r.code, 0);
    assert.match(r.output, /upchain:hosts\[0\]\.hostKey: pin the host key/);
    assert.match(r.output, /ssh-keyscan/);
  });

  it("a malformed host key fails preview naming the stack's hostKey, with the value and the accepted forms", () => {
    project.writeConfig({ "upchain:hosts": [{ name: "hfc", host: host.host, hostKey: "not-a-key" }] });
    project.setConfig("upchain:privateKey", privateKey(host), true);
    const r = project.run(["preview"]);
    assert.notStrictEqual(r.code, 0);
    // named as the stack file has it, with the value given, never as the provider's property
    assert.match(r.output, /upchain:hosts\[0\]\.hostKey: "not-a-key" is not an OpenSSH public key/);
    assert.doesNotMatch(r.output, /property connection|value \{/);
    assert.match(r.output, /ssh-ed25519 AAAA|SHA256:/);
  });
});
