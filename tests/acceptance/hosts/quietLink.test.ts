// The link between this machine and a test host carries no broadcast and no multicast. The bridge
// floods each one to every host's port, and at 500 hosts the copies overflowed the CPU's receive
// backlog, which loopback shares: the pulumi CLI lost its own gRPC connections (see testhost.sh,
// start_host). So each end knows the other's address for good, and the host's eth0 has no IPv6.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { TestHost, linkOf, requireRoot, startHosts, stopHosts } from "../../support/hosts";

const BRIDGE = process.env.UPCHAIN_BRIDGE ?? "upchain0";
const ip = (...args: string[]) => execFileSync("ip", args, { encoding: "utf8" });

describe("the link between this machine and a test host", () => {
  let host: TestHost;
  before(function () {
    requireRoot();
    this.timeout(120_000);
    [host] = startHosts("quiet1");
  });
  after(function () {
    this.timeout(60_000);
    stopHosts("quiet1");
  });

  it("this machine knows the host's address for good: a permanent entry with the host's own MAC", () => {
    const mac = ip("-n", "upchain-quiet1", "-o", "link", "show", "eth0").match(/link\/ether ([0-9a-f:]+)/)![1];
    assert.match(ip("neigh", "show", host.host, "dev", BRIDGE), new RegExp(`^${host.host.replace(/\./g, "\\.")} lladdr ${mac} PERMANENT`));
  });

  it("the host knows this machine's address for good: a permanent entry with the bridge's MAC", () => {
    const bridgeMac = fs.readFileSync(`/sys/class/net/${BRIDGE}/address`, "utf8").trim();
    const gateway = ip("-o", "-4", "addr", "show", "dev", BRIDGE).match(/inet ([0-9.]+)\//)![1];
    assert.match(ip("-n", "upchain-quiet1", "neigh", "show", gateway), new RegExp(`lladdr ${bridgeMac} PERMANENT`));
  });

  it("neither end of the host's link has IPv6 (no solicitations or reports to flood)", () => {
    assert.strictEqual(ip("-n", "upchain-quiet1", "-6", "addr", "show", "dev", "eth0").trim(), "");
    assert.strictEqual(ip("-6", "addr", "show", "dev", linkOf(host)).trim(), "");
  });

  it("a stopped host's permanent entry goes with it", function () {
    this.timeout(60_000);
    stopHosts("quiet1");
    // on any device: the harness deletes the bridge too when this was the machine's last host
    assert.strictEqual(ip("neigh", "show", "to", host.host).trim(), "");
  });
});
