import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkStackConfig, hostKeyFromKnownHosts, parseStackConfig } from "../../../stacks/config";
import { isUpchainError } from "../../../providers/errors";

const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINTKV/566ljQXOOmOrUnhV9QpmTVBKHxJme+hM/6FcEP";

describe("stack configuration: clusters", () => {
  const cluster = {
    name: "webcache",
    product: "oracle-as",
    version: "10.1.2",
    balancer: { host: "10.0.0.9", hostKey: key },
    members: [
      { name: "wc1", host: "10.0.0.1", hostKey: key },
      { name: "wc2", host: "10.0.0.2", hostKey: key, options: { httpPort: 7777 } },
    ],
    options: { sourceHome: "/u01/ias" },
  };
  it("accepts a cluster with its balancer and members in rollout order", () => {
    const c = parseStackConfig({ clusters: [cluster] });
    assert.deepStrictEqual(
      c.clusters[0].members.map((m) => m.name),
      ["wc1", "wc2"],
    );
  });
  it("refuses, all at once, a misspelled key and a product without a rollout; then a member without a pinned key and a name used twice", () => {
    assert.throws(
      () => parseStackConfig({ clusters: [{ ...cluster, product: "omflow", backend: {} }] }),
      (e: Error) =>
        /clusters\[0\]\.backend: .*did you mean "backends"/.test(e.message) &&
        /clusters\[0\]\.product: products with a cluster rollout: oracle-as/.test(e.message),
    );
    assert.throws(
      () =>
        parseStackConfig({
          clusters: [
            {
              ...cluster,
              members: [
                { name: "wc1", host: "10.0.0.1" },
                { name: "wc1", host: "10.0.0.2", hostKey: key },
              ],
            },
          ],
        }),
      (e: Error) => /clusters\[0\]\.members\[0\]\.hostKey: pin the host key/.test(e.message) && /"wc1" is declared twice/.test(e.message),
    );
  });
  it("a balancer takes a socket or an address, not both", () => {
    assert.throws(
      () => parseStackConfig({ clusters: [{ ...cluster, balancer: { ...cluster.balancer, socket: "/run/haproxy/admin.sock", address: "127.0.0.1:9999" } }] }),
      /balancer\.address: give socket or address, not both/,
    );
  });
});

describe("stack configuration: rollout waves", () => {
  const servers = ["a", "b", "c"].map((name, i) => ({ name, host: `10.0.0.${i + 1}`, hostKey: key, product: "omflow", version: "1.1.6.4" }));
  it("takes wave sizes (counts and percentages) and a failure budget", () => {
    const c = parseStackConfig({ servers, rollout: { waves: [1, "50%"], maxFailPercentage: 34 } });
    assert.deepStrictEqual(c.rollout, { waves: [1, "50%"], maxFailPercentage: 34 });
  });
  it("refuses, all at once, each bad size with its place and the rule, a budget out of range, and a misspelt key with the near name", () => {
    assert.throws(
      () => parseStackConfig({ servers, rollout: { waves: [0, "150%", "x"], maxFailPercentage: 120, maxFailPercentge: 1 } }),
      (e: Error) =>
        /rollout\.waves\[0\]: 0 is not a wave size: give a whole number/.test(e.message) &&
        /rollout\.waves\[1\]: "150%" is not/.test(e.message) &&
        /rollout\.waves\[2\]: "x" is not/.test(e.message) &&
        /rollout\.maxFailPercentage: a percentage from 0 to 100/.test(e.message) &&
        /rollout\.maxFailPercentge: .*did you mean "maxFailPercentage"/.test(e.message),
    );
  });
  it("waves are made of servers: a rollout without any is refused, and so is an empty list of sizes", () => {
    assert.throws(
      () => parseStackConfig({ hosts: [{ name: "h", host: "10.0.0.9", hostKey: key }], rollout: { waves: [1] } }),
      /upchain:rollout: rollout waves are made of servers/,
    );
    assert.throws(() => parseStackConfig({ servers, rollout: { waves: [] } }), /rollout\.waves: give the wave sizes/);
  });
});

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
      () =>
        parseStackConfig({
          hosts: [
            { name: "a", host: "", hostKey: key },
            { name: "a", host: "h", port: 70000, hostKey: key },
          ],
        }),
      (e: Error) =>
        /hosts\[0\]\.host: give the server's address/.test(e.message) &&
        /hosts\[1\]\.port/.test(e.message) &&
        /hosts\[1\]\.name: "a" is declared twice/.test(e.message),
    );
  });
  it("a server takes step deadlines and a run to clear; a malformed run id or deadline is refused naming the field", () => {
    const server = { name: "g", host: "h", hostKey: key, product: "groupmax", version: "06-00" };
    const c = parseStackConfig({ servers: [{ ...server, stepTimeouts: { run: 600, "install-mail-server": 7200 }, clearRun: "20261123T101500-a1b2c3" }] });
    assert.deepStrictEqual(c.servers[0].stepTimeouts, { run: 600, "install-mail-server": 7200 });
    assert.strictEqual(c.servers[0].clearRun, "20261123T101500-a1b2c3");
    assert.throws(
      () => parseStackConfig({ servers: [{ ...server, stepTimeouts: { run: 0 }, clearRun: "yesterday" }] }),
      (e: Error) => /servers\[0\]\.stepTimeouts\.run/.test(e.message) && /servers\[0\]\.clearRun: the run id the error named/.test(e.message),
    );
  });
  it("requires at least one host, server or cluster", () => {
    assert.throws(() => parseStackConfig({ hosts: [] }), /upchain:hosts: declare at least one host, server or cluster/);
  });
  it("a server names its product from the supported list; a product named by its first word gets the full name", () => {
    assert.throws(
      () => parseStackConfig({ servers: [{ name: "s", host: "h", hostKey: key, product: "oracle", version: "1" }] }),
      /upchain:servers\[0\]\.product: "oracle" is not a product; did you mean "oracle-as"\? supported products: omflow, groupmax/,
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

  it("a known_hosts file that cannot be read is HOST_KEY_UNKNOWN, keeping the file system's error as its cause", () => {
    const e = (() => {
      try {
        hostKeyFromKnownHosts("/nonexistent/known_hosts", "10.0.0.1");
      } catch (x) {
        return x as Error;
      }
    })();
    assert.ok(isUpchainError(e, "HOST_KEY_UNKNOWN"), String(e));
    assert.strictEqual((e.cause as NodeJS.ErrnoException).code, "ENOENT");
  });
  it("a missing known_hosts file is a clear error, not an empty pin", () => {
    assert.throws(() => hostKeyFromKnownHosts("/nonexistent/known_hosts", "h"), /upchain:knownHostsFile: cannot read \/nonexistent/);
  });

  describe("strict keys and kinds", () => {
    const server = { name: "s", host: "h", hostKey: key, product: "omflow", version: "1.2.0.1" };
    const refusal = (raw: Record<string, unknown>) => {
      try {
        parseStackConfig(raw);
      } catch (e) {
        return (e as Error).message;
      }
      return assert.fail("accepted");
    };
    it("takes a server's versionCommand and current, and names a misspelt versionCommand", () => {
      const c = parseStackConfig({ servers: [{ ...server, versionCommand: "cat /etc/omflow-release", current: "1.1.6.1" }] });
      assert.deepStrictEqual([c.servers[0].versionCommand, c.servers[0].current], ["cat /etc/omflow-release", "1.1.6.1"]);
      assert.match(
        refusal({ servers: [{ ...server, versionComand: "x" }] }),
        /upchain:servers\[0\]\.versionComand: unknown key; did you mean "versionCommand"\?/,
      );
      assert.match(
        refusal({ servers: [{ ...server, versionCommand: "" }] }),
        /upchain:servers\[0\]\.versionCommand: give the site's read-only command that prints the installed version, or leave the key out/,
      );
    });
    it("refuses a misspelt key in a server entry with the near name", () => {
      assert.match(
        refusal({ servers: [{ ...server, lockTimeoutSecond: 60 }] }),
        /upchain:servers\[0\]\.lockTimeoutSecond: unknown key; did you mean "lockTimeoutSeconds"\?/,
      );
    });
    it("lists the legal keys of a host entry when no key is near", () => {
      assert.match(
        refusal({ hosts: [{ name: "a", host: "h", hostKey: key, product: "omflow" }] }),
        /upchain:hosts\[0\]\.product: unknown key; the keys allowed here are: name, host, port, user, hostKey$/m,
      );
    });
    it("names the field and the YAML kind expected for a wrong type, not zod's wording", () => {
      const m = refusal({ servers: [{ ...server, port: "22", releases: "1.2.0.1" }] });
      assert.match(m, /upchain:servers\[0\]\.port: expected a number, found text/);
      assert.match(m, /upchain:servers\[0\]\.releases: expected a list, found text/);
      assert.ok(!/Invalid input|ZodError/.test(m), m);
    });
    it("says a required key is missing", () => {
      assert.match(
        refusal({ servers: [{ name: "s", hostKey: key, product: "omflow", version: "1" }] }),
        /upchain:servers\[0\]\.host: missing; this key is required/,
      );
    });
    it("wants options as a mapping; the product checks what is inside", () => {
      assert.match(refusal({ servers: [{ ...server, options: ["installDir"] }] }), /upchain:servers\[0\]\.options: must be a mapping of the product's options/);
      assert.deepStrictEqual(parseStackConfig({ servers: [{ ...server, options: { anything: 1 } }] }).servers[0].options, { anything: 1 });
    });
    it("refuses an unknown top-level key with the near name", () => {
      assert.match(refusal({ servers: [server], server: [] }), /upchain:server: unknown key; did you mean "servers"\?/);
    });
    it("refuses an address or user with spaces or control characters", () => {
      const m = refusal({ servers: [{ ...server, host: "10.0.0.1\nProxyCommand x", user: "root x" }] });
      assert.match(m, /upchain:servers\[0\]\.host: an address or DNS name has no spaces or control characters/);
      assert.match(m, /upchain:servers\[0\]\.user: a user name has no spaces/);
    });
  });
});

describe("stack config: upchain:promotion", () => {
  const server = { name: "gm-prod", host: "10.0.0.5", hostKey: "ssh-ed25519 AAAA", product: "groupmax", version: "06-00" };
  it("names the stack promoted from, and overrides by server name with a reason", () => {
    const r = checkStackConfig({ servers: [server], promotion: { from: "organization/upchain/staging", overrides: { "gm-prod": "CVE fix, change 4711" } } });
    assert.deepStrictEqual(r.issues, []);
    assert.strictEqual(r.config?.promotion?.overrides?.["gm-prod"], "CVE fix, change 4711");
  });
  it("an override for a name that is not declared, and one without a reason, are refused together", () => {
    const r = checkStackConfig({ servers: [server], promotion: { from: "staging", overrides: { "gm-prd": "typo", "gm-prod": " " } } });
    const messages = r.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    assert.ok(
      messages.some((m) => m === "promotion.overrides.gm-prd: no server or cluster is named gm-prd: the names are gm-prod"),
      messages.join("\n"),
    );
    assert.ok(
      messages.some((m) => m.startsWith("promotion.overrides.gm-prod: say why this server goes first")),
      messages.join("\n"),
    );
  });
  it("a reason of only invisible characters (a tab, a zero-width space, a no-break space) is no reason (issue 19)", () => {
    for (const blank of ["\t", "\u200b", "\u00a0\u200b ", "\u2060\ufeff"]) {
      const r = checkStackConfig({ servers: [server], promotion: { from: "staging", overrides: { "gm-prod": blank } } });
      const messages = r.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
      assert.ok(
        messages.some((m) => m.startsWith("promotion.overrides.gm-prod: say why this server goes first") && /visible text/.test(m)),
        `${JSON.stringify(blank)}: ${messages.join("\n")}`,
      );
    }
  });
});

describe("stack configuration: host keys as ssh-keyscan prints them", () => {
  const server = (hostKey: string, port?: number) => ({
    name: "wf",
    host: "192.0.2.10",
    ...(port ? { port } : {}),
    hostKey,
    product: "omflow",
    version: "1.2.0.1",
  });
  const problems = (raw: Record<string, unknown>) => checkStackConfig(raw).issues.map((i) => `${i.path.join(".")}: ${i.message}`);

  it("accepts the line `ssh-keyscan -t ed25519 HOST` prints, host first, and [HOST]:PORT for another port", () => {
    assert.deepStrictEqual(problems({ servers: [server(`192.0.2.10 ${key}`)] }), []);
    assert.deepStrictEqual(problems({ servers: [server(`[192.0.2.10]:2222 ${key}`, 2222)] }), []);
  });
  it("refuses a line scanned from another host or port, for servers, hosts, balancers and members alike", () => {
    const other = `192.0.2.99 ${key}`;
    const found = problems({
      servers: [server(other)],
      hosts: [{ name: "h", host: "192.0.2.12", hostKey: other }],
      clusters: [
        {
          name: "wc",
          product: "oracle-as",
          version: "10.1.2",
          balancer: { host: "10.0.0.9", hostKey: other },
          members: [{ name: "wc1", host: "10.0.0.1", port: 2222, hostKey: `10.0.0.1 ${key}` }],
        },
      ],
    });
    assert.deepStrictEqual(
      found.map((p) => p.replace(/: .*printed for (\S+), but this server is (\S+):.*/, ": $1 is not $2")),
      [
        "hosts.0.hostKey: 192.0.2.99 is not 192.0.2.12",
        "servers.0.hostKey: 192.0.2.99 is not 192.0.2.10",
        "clusters.0.balancer.hostKey: 192.0.2.99 is not 10.0.0.9",
        "clusters.0.members.0.hostKey: 10.0.0.1 is not [10.0.0.1]:2222",
      ],
    );
  });
});
