// One login per server per up: the connection check made is kept for the converge, lent to one caller
// at a time, kept only under its login's whole identity, closed when idle, never lent once it dropped.
import * as assert from "assert";
import { inspect } from "util";
import { SharedConnections } from "../../../providers/transport/sharedConnections";
import { ReconnectingHost } from "../../../providers/transport/reconnectingHost";
import { Connection, ExecResult, RemoteHost } from "../../../providers/transport/remoteHost";

interface FakeConnection extends RemoteHost {
  id: number;
  closed: boolean;
  lost: boolean;
  execs: number;
}

/** A counting fake transport: each login is a numbered connection; every exec is counted on it. */
function fakeLogins() {
  const made: FakeConnection[] = [];
  const connect = async (c: Connection): Promise<RemoteHost> => {
    const h: FakeConnection = {
      id: made.length + 1,
      label: `${c.user}@${c.host}:${c.port ?? 22}`,
      closed: false,
      lost: false,
      execs: 0,
      exec: async (): Promise<ExecResult> => {
        if (h.lost) throw new Error("connection lost");
        h.execs++;
        return { code: 0, signal: null, stdout: "", stderr: "" };
      },
      readFile: async () => Buffer.from(""),
      writeFile: async () => undefined,
      close: async () => {
        h.closed = true;
        h.lost = true;
      },
    };
    made.push(h);
    return h;
  };
  return { made, connect };
}

const server = (over: Partial<Connection> = {}): Connection => ({
  host: "10.0.0.5",
  port: 22,
  user: "upchain",
  password: "correct horse battery",
  hostKey: "SHA256:aaaa",
  ...over,
});

/** What preview's check and up's converge each do with one server's connection. */
async function checkThenConverge(pool: SharedConnections, c: Connection): Promise<void> {
  const check = await pool.lend(c);
  await check.exec("id -u");
  await check.close();
  const converge = new ReconnectingHost(await pool.lend(c), async () => {
    throw new Error("no new login expected");
  });
  await converge.exec("id -u");
  await converge.exec("the run");
  await converge.close();
}

describe("shared connections: one login per server per up (counting fake transport)", () => {
  it("a server checked then converged in one provider process logs in once, and every command of both goes over that login", async () => {
    const { made, connect } = fakeLogins();
    const pool = new SharedConnections(connect, 60_000);
    await checkThenConverge(pool, server());
    assert.strictEqual(pool.logins, 1);
    assert.strictEqual(made.length, 1);
    assert.strictEqual(made[0].execs, 3);
    assert.strictEqual(pool.kept, 1, "kept after the converge too, until idle or the provider ends");
    await pool.closeAll();
    assert.ok(made[0].closed);
  });

  it("a fleet of servers logs in once per server", async () => {
    const { connect } = fakeLogins();
    const pool = new SharedConnections(connect, 60_000);
    await Promise.all(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"].map((host) => checkThenConverge(pool, server({ host }))));
    assert.strictEqual(pool.logins, 4);
    await pool.closeAll();
  });

  for (const [field, other] of [
    ["host", { host: "10.0.0.6" }],
    ["port", { port: 2222 }],
    ["user", { user: "root" }],
    ["pinned host key", { hostKey: "SHA256:bbbb" }],
    ["password", { password: "another password" }],
    ["private key", { password: undefined, privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nother\n-----END OPENSSH PRIVATE KEY-----\n" }],
    [
      "key passphrase",
      { password: undefined, privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nk\n-----END OPENSSH PRIVATE KEY-----\n", privateKeyPassphrase: "two" },
    ],
  ] as const) {
    it(`two logins that differ only in the ${field} never share a connection`, async () => {
      const { made, connect } = fakeLogins();
      const pool = new SharedConnections(connect, 60_000);
      const base = field === "key passphrase" ? server({ ...other, privateKeyPassphrase: "one" }) : server();
      await (await pool.lend(base)).close();
      const h = await pool.lend(server({ ...base, ...other }));
      await h.exec("id -u");
      assert.strictEqual(pool.logins, 2);
      assert.strictEqual(made[0].execs, 0, "nothing went over the first login's connection");
      await h.close();
      await pool.closeAll();
    });
  }

  it("a connection is lent to one caller at a time: two resources on one machine with one login use two connections at once", async () => {
    const { made, connect } = fakeLogins();
    const pool = new SharedConnections(connect, 60_000);
    const a = await pool.lend(server());
    const b = await pool.lend(server());
    assert.strictEqual(pool.logins, 2);
    await a.close();
    await b.close();
    assert.strictEqual(pool.kept, 2);
    await assert.rejects(a.exec("true"), /handed back/, "a connection handed back is not used by its old borrower");
    assert.strictEqual(made[0].execs + made[1].execs, 0);
    await pool.closeAll();
  });

  it("a kept connection that dropped while it waited is closed, not lent: the next caller logs in anew", async () => {
    const { made, connect } = fakeLogins();
    const pool = new SharedConnections(connect, 60_000);
    await (await pool.lend(server())).close();
    made[0].lost = true;
    const h = await pool.lend(server());
    await h.exec("id -u");
    assert.strictEqual(pool.logins, 2);
    assert.ok(made[0].closed);
    await h.close();
    await pool.closeAll();
  });

  it("a connection nobody uses for the idle time is closed", async () => {
    const { made, connect } = fakeLogins();
    const pool = new SharedConnections(connect, 50);
    await (await pool.lend(server())).close();
    await new Promise((r) => setTimeout(r, 150));
    assert.ok(made[0].closed);
    assert.strictEqual(pool.kept, 0);
  });

  it("a connection dropped on purpose (a reboot step's reconnect) is closed for good, not kept", async () => {
    const { made, connect } = fakeLogins();
    const pool = new SharedConnections(connect, 60_000);
    const host = new ReconnectingHost(await pool.lend(server()), async () => connect(server()), 1, 10);
    await host.reconnect({ deadline: Date.now() + 1000 });
    assert.ok(made[0].closed, "the connection from before the reboot is closed");
    assert.strictEqual(pool.kept, 0);
    await host.close();
  });

  it("the pool holds no credential in plain text: its keys are HMACs under a key of this process", async () => {
    const { connect } = fakeLogins();
    const pool = new SharedConnections(connect, 60_000);
    const withKey = server({
      password: undefined,
      privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nsecretkeymaterial\n-----END OPENSSH PRIVATE KEY-----\n",
      privateKeyPassphrase: "hunter2-passphrase",
    });
    await (await pool.lend(server())).close();
    await (await pool.lend(withKey)).close();
    // the pool itself, not the connections it keeps (they hold their credentials, as before)
    const own = inspect({ ...pool, idle: [...pool["idle"].keys()] }, { depth: 5 });
    for (const secret of ["correct horse battery", "secretkeymaterial", "hunter2-passphrase"]) assert.ok(!own.includes(secret), secret);
    await pool.closeAll();
  });
});
