// The HAProxy driver over a fake runtime API stream: what it sends, read-back of every change, HAProxy's
// refusals in its own words, garbage answers, drain waits, and hostile names that never reach the socket.
import * as assert from "assert";
import { isUpchainError } from "../../../providers/errors";
import { haproxyPools } from "../../../providers/loadBalancer/config";
import { HaproxyPools } from "../../../providers/loadBalancer/haproxyPools";
import { AdminState } from "../../../providers/loadBalancer/pools";
import { FakeHaproxy } from "./fakeHaproxy";

const pools = (fake: FakeHaproxy, pollMs = 5): HaproxyPools => haproxyPools(fake, {}, { pollMs, timeoutMs: 2000 });

describe("HaproxyPools over the runtime API (fake stream)", () => {
  it("reads every server, and one backend's, with one command per connection", async () => {
    const fake = FakeHaproxy.pool({ traffic: ["m1", "m2"], invalidation: ["m1", "m2"] });
    fake.get("traffic", "m2").admin = 0x08;
    const p = pools(fake);
    assert.deepStrictEqual(
      (await p.read()).map((s) => `${s.backend}/${s.server}:${s.admin}:${s.health}`),
      ["traffic/m1:ready:up", "traffic/m2:drain:up", "invalidation/m1:ready:up", "invalidation/m2:ready:up"],
    );
    assert.deepStrictEqual(
      (await p.read("invalidation")).map((s) => s.server),
      ["m1", "m2"],
    );
    assert.deepStrictEqual(fake.received, ["show servers state", "show servers state invalidation"]);
    assert.strictEqual(fake.opened, 2);
    assert.match(p.label, /^HAProxy at root@fake-lb:22 unix:\/run\/haproxy\/admin\.sock$/);
  });

  it("set sends one `set server` and reads the state back from HAProxy", async () => {
    const fake = FakeHaproxy.pool({ traffic: ["m1", "m2"] });
    const p = pools(fake);
    for (const state of ["drain", "maint", "ready"] as const) {
      const after = await p.set("traffic", "m2", state);
      assert.strictEqual(after.admin, state);
    }
    assert.deepStrictEqual(fake.received, [
      "set server traffic/m2 state drain",
      "show servers state traffic",
      "set server traffic/m2 state maint",
      "show servers state traffic",
      "set server traffic/m2 state ready",
      "show servers state traffic",
    ]);
    assert.strictEqual(fake.get("traffic", "m1").admin, 0, "the other server is untouched");
  });

  it("a change HAProxy accepts but does not make is LB_STATE_MISMATCH with both states", async () => {
    const fake = FakeHaproxy.pool({ traffic: ["m1"] });
    fake.ignoreSets = true;
    await assert.rejects(
      pools(fake).set("traffic", "m1", "drain"),
      (e: unknown) => isUpchainError(e, "LB_STATE_MISMATCH") && /traffic\/m1 was set to drain, but HAProxy reads it back as ready/.test(e.message),
    );
  });

  it("a server whose maintenance comes from the configuration stays maint after ready: the mismatch says why", async () => {
    const fake = FakeHaproxy.pool({ traffic: ["m1"] });
    fake.get("traffic", "m1").admin = 0x04; // CMAINT, which `set server ... state ready` in the fake does not clear
    await assert.rejects(
      pools(fake).set("traffic", "m1", "ready"),
      (e: unknown) =>
        isUpchainError(e, "LB_STATE_MISMATCH") && /reads it back as maint \(its state comes from elsewhere: the configuration's `disabled`/.test(e.message),
    );
  });

  it("HAProxy's refusals are COMMAND_FAILED with its own message and what to do", async () => {
    const fake = FakeHaproxy.pool({ traffic: ["m1"] });
    const p = pools(fake);
    const refused = async (run: () => Promise<unknown>, said: RegExp) =>
      assert.rejects(
        run(),
        (e: unknown) => isUpchainError(e, "COMMAND_FAILED") && e.message.startsWith(`${p.label}: HAProxy refused "`) && said.test(e.message),
      );
    await refused(() => p.set("traffic", "m9", "drain"), /"set server traffic\/m9 state drain": "No such server\."$/);
    await refused(() => p.set("web", "m1", "drain"), /"No such backend\."$/);
    await refused(() => p.read("web"), /"show servers state web": "Can't find backend\."$/);
    fake.level = "operator";
    await refused(() => p.set("traffic", "m1", "maint"), /"Permission denied"; the socket must be bound with `level admin`/);
    fake.answers.set("show servers state", "Unknown command, but maybe one of the following ones is a better match:\n  help : x\n\n");
    await refused(() => p.read(), /"Unknown command, .*; is this HAProxy's runtime API/);
  });

  it("hostile or mistaken names and states never reach the socket", async () => {
    const fake = FakeHaproxy.pool({ traffic: ["m1"] });
    const p = pools(fake);
    const hostile = ["m1;set server traffic/m1 state maint", "m1\nshutdown sessions server traffic/m1", "m1 state maint", "m1\\", "", "traffic/m1"];
    for (const name of hostile) {
      await assert.rejects(p.set("traffic", name, "ready"), (e: unknown) => isUpchainError(e, "INVALID_INPUT") && e.path[0] === "server", JSON.stringify(name));
      await assert.rejects(p.set(name, "m1", "ready"), (e: unknown) => isUpchainError(e, "INVALID_INPUT") && e.path[0] === "backend", JSON.stringify(name));
      await assert.rejects(p.read(name), (e: unknown) => isUpchainError(e, "INVALID_INPUT"));
      await assert.rejects(p.waitDrained("traffic", name, Date.now() + 100), (e: unknown) => isUpchainError(e, "INVALID_INPUT"));
    }
    await assert.rejects(
      p.set("traffic", "m1", "down" as unknown as AdminState),
      (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /must be one of ready, drain, maint/.test(e.message),
    );
    assert.deepStrictEqual(fake.received, [], "nothing was sent");
    assert.strictEqual(fake.opened, 0, "no stream was even opened");
  });

  it("garbage and cut-short answers are errors naming the socket", async () => {
    const fake = FakeHaproxy.pool({ traffic: ["m1"] });
    const p = pools(fake);
    fake.answers.set("show servers state", "1\n# be_id be_name\n3 traffic\n\n");
    await assert.rejects(
      p.read(),
      (e: unknown) =>
        isUpchainError(e, "REMOTE_IO_FAILED") && e.message.startsWith(`${p.label}: HAProxy's answer cannot be read`) && /lacks srv_name/.test(e.message),
    );
    fake.answers.set("show servers state", "1\n# be_id be_name srv_id");
    await assert.rejects(p.read(), (e: unknown) => isUpchainError(e, "REMOTE_IO_FAILED") && /was cut short/.test(e.message));
    fake.answers.set("set server", "\u0000\u001b[31mweird\n\n");
    await assert.rejects(
      p.set("traffic", "m1", "drain"),
      (e: unknown) => isUpchainError(e, "COMMAND_FAILED") && e.message.includes(JSON.stringify("\u0000\u001b[31mweird")),
    );
  });

  it("a socket that cannot be opened is explained: missing, or not the login's to open", async () => {
    const fake = FakeHaproxy.pool({ traffic: ["m1"] });
    const p = pools(fake);
    fake.refuse = { probe: "denied\ndeploy\nsrw-rw---- 1 root haproxy 0 Nov 23 11:44 /run/haproxy/admin.sock\n" };
    await assert.rejects(
      p.read(),
      (e: unknown) =>
        isUpchainError(e, "CONNECTION_FAILED") &&
        /deploy may not open HAProxy's admin socket \(srw-rw---- 1 root haproxy .*\)\. The login must be root or in the group that owns the socket/.test(
          e.message,
        ),
    );
    fake.refuse = { probe: "missing\nroot\n" };
    await assert.rejects(
      p.read(),
      (e: unknown) => isUpchainError(e, "CONNECTION_FAILED") && /there is no \/run\/haproxy\/admin\.sock on the host/.test(e.message),
    );
    fake.refuse = { probe: "open\nroot\n" };
    await assert.rejects(p.read(), (e: unknown) => isUpchainError(e, "CONNECTION_FAILED") && /AllowStreamLocalForwarding/.test(e.message));
  });

  it("a TCP runtime API is reached by address", async () => {
    const fake = FakeHaproxy.pool({ traffic: ["m1"] });
    let asked = "";
    const open = fake.openStream.bind(fake);
    fake.openStream = async (t) => ((asked = JSON.stringify(t)), open(t));
    const p = haproxyPools(fake, { address: "127.0.0.1:9999" });
    assert.strictEqual((await p.read()).length, 1);
    assert.strictEqual(asked, JSON.stringify({ host: "127.0.0.1", port: 9999 }));
    assert.match(p.label, /tcp:127\.0\.0\.1:9999$/);
  });

  describe("waitDrained", () => {
    it("returns once the drained server has no sessions and nothing queued", async () => {
      const fake = FakeHaproxy.pool({ traffic: ["m1", "m2"] });
      const m1 = fake.get("traffic", "m1");
      m1.admin = 0x08;
      m1.scur = 2;
      m1.qcur = 1;
      // each stat read sees one session or queued request fewer
      fake.afterCommand = (line) => {
        if (!line.startsWith("show stat")) return;
        if (m1.qcur > 0) m1.qcur--;
        else if (m1.scur > 0) m1.scur--;
      };
      await pools(fake).waitDrained("traffic", "m1", Date.now() + 2000);
      assert.strictEqual(fake.received.filter((l) => l.startsWith("show stat")).length, 4, "asked until it saw 0 (3, 2, 1, 0)");
    });

    it("gives up at the deadline with LB_STATE_MISMATCH and what is still open", async () => {
      const fake = FakeHaproxy.pool({ traffic: ["m1"] });
      Object.assign(fake.get("traffic", "m1"), { admin: 0x08, scur: 5 });
      const started = Date.now();
      await assert.rejects(
        pools(fake, 20).waitDrained("traffic", "m1", Date.now() + 150),
        (e: unknown) => isUpchainError(e, "LB_STATE_MISMATCH") && /traffic\/m1 still has 5 session\(s\)/.test(e.message),
      );
      const took = Date.now() - started;
      assert.ok(took >= 150 && took < 1500, `stopped at the deadline (${took} ms)`);
    });

    it("a server put back to ready while waiting is LB_STATE_MISMATCH, not a successful drain", async () => {
      const fake = FakeHaproxy.pool({ traffic: ["m1"] });
      Object.assign(fake.get("traffic", "m1"), { admin: 0, scur: 5 });
      await assert.rejects(
        pools(fake).waitDrained("traffic", "m1", Date.now() + 1000),
        (e: unknown) => isUpchainError(e, "LB_STATE_MISMATCH") && /it is ready again/.test(e.message),
      );
    });
  });
});
