// The HAProxy pools driver against a real HAProxy 2.6 on test host `lbt`, balancing three real
// members (python3 HTTP servers on lbtm1..3) in two backends, reached over real SSH through the
// admin socket. Every change is checked three ways: the driver's read-back, HAProxy's own answer on
// the socket (harness side channel), and HAProxy's log of state changes; traffic through the
// frontend is checked with a bounded load loop from this machine.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { isUpchainError } from "../../../providers/errors";
import { applyPools } from "../../../providers/loadBalancer/poolStep";
import { haproxyPools } from "../../../providers/loadBalancer/config";
import { AdminState, Pools } from "../../../providers/loadBalancer/pools";
import { readyAlong, reconcile } from "../../../providers/loadBalancer/reconcile";
import { RemoteHost } from "../../../providers/transport/remoteHost";
import { connectSsh } from "../../../providers/transport/ssh";
import {
  HaproxyEvent,
  Member,
  defaultPorts,
  haproxyCli,
  haproxyEvents,
  installHaproxy,
  installMember,
  memberRequests,
  waitAllUp,
} from "../../support/haproxyFixture";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../../support/hosts";
import { startLoadLoop } from "../../support/loadLoop";

const hostNames = ["lbt", "lbtm1", "lbtm2", "lbtm3"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, test: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** srv_admin_state of one server as HAProxy itself reports it on the socket. */
function adminBits(lbName: string, backend: string, server: string): number {
  const row = haproxyCli(lbName, `show servers state ${backend}`)
    .split("\n")
    .map((l) => l.split(" "))
    .find((f) => f[1] === backend && f[3] === server);
  assert.ok(row, `HAProxy reports no ${backend}/${server}`);
  return Number(row[6]);
}
const bitsOf: Record<AdminState, number> = { ready: 0, drain: 0x08, maint: 0x01 };

/** Events after the first `from`, as "backend/server event", leaving out health check results. */
function changesSince(lbName: string, from: number): string[] {
  return haproxyEvents(lbName)
    .slice(from)
    .filter((e: HaproxyEvent) => e.event !== "up" && e.event !== "down")
    .map((e) => `${e.backend}/${e.server} ${e.event}`);
}

/** One GET through the frontend, optionally pinned to a member. */
function get(url: string, member?: string): Promise<{ status?: number; server?: string; end: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: member ? { "x-upchain-member": member } : {} }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode, server: res.headers.server as string | undefined, end: Date.now() }));
      })
      .on("error", reject);
  });
}

describe("HAProxy pools on real hosts (lbt balancing lbtm1..3 over its admin socket)", function () {
  this.timeout(180_000);
  let lb: TestHost;
  let memberHosts: TestHost[];
  let members: Member[];
  let root: RemoteHost;
  let pools: Pools;
  const opened: RemoteHost[] = [];
  const url = (p = "") => `http://${lb.host}:${defaultPorts.traffic}/${p}`;
  const login = async (user: string) => {
    const h = await connectSsh({ host: lb.host, user, privateKey: privateKey(lb), hostKey: lb.hostKey });
    opened.push(h);
    return h;
  };

  before(async () => {
    requireRoot();
    [lb, ...memberHosts] = startHosts(...hostNames);
    members = memberHosts.map((h, i) => ({ name: `m${i + 1}`, address: h.host, trafficPort: 8000, invalidationPort: 8001 }));
    memberHosts.forEach((h, i) => installMember(h, members[i].name, [8000, 8001]));
    installHaproxy(lb, members);
    root = await login("root");
    pools = haproxyPools(root, {});
  });

  afterEach(() => {
    // every test starts from every server ready, whatever the last one left
    for (const b of ["traffic", "invalidation"]) for (const m of members) haproxyCli(lb.name, `set server ${b}/${m.name} state ready`);
  });

  after(async () => {
    for (const h of opened) await h.close().catch(() => undefined);
    stopHosts(...hostNames);
  });

  it("reads both pools as HAProxy has them: every member, its address, ready and up", async () => {
    const servers = await pools.read();
    const expected = ["traffic", "invalidation"].flatMap((b) => members.map((m) => `${b}/${m.name} ${m.address} ready up`));
    assert.deepStrictEqual(
      servers.map((s) => `${s.backend}/${s.server} ${s.address} ${s.admin} ${s.health}`),
      expected,
    );
    assert.deepStrictEqual(
      (await pools.read("invalidation")).map((s) => s.server),
      members.map((m) => m.name),
    );
  });

  it("drain, maint and ready are each read back from HAProxy, on its socket and in its log, in order", async () => {
    const from = haproxyEvents(lb.name).length;
    const steps: [string, string, AdminState][] = [
      ["traffic", "m2", "drain"],
      ["traffic", "m2", "maint"],
      ["invalidation", "m3", "maint"],
      ["traffic", "m2", "ready"],
      ["invalidation", "m3", "ready"],
    ];
    for (const [backend, server, state] of steps) {
      const after = await pools.set(backend, server, state);
      assert.deepStrictEqual([after.backend, after.server, after.admin], [backend, server, state]);
      assert.strictEqual(adminBits(lb.name, backend, server), bitsOf[state], `HAProxy's own srv_admin_state for ${backend}/${server} after ${state}`);
    }
    const expected = steps.map(([b, s, state]) => `${b}/${s} ${state}`);
    await until("HAProxy's log of the five changes", () => changesSince(lb.name, from).length >= expected.length);
    assert.deepStrictEqual(changesSince(lb.name, from), expected);
  });

  it("a drained member gets no new requests while the load loop through HAProxy sees 0 failed requests", async () => {
    const loop = startLoadLoop({ url: url("page"), requests: 3000, timeLimitMs: 90_000, concurrency: 3, pauseMs: 10 });
    await until("m2 to serve some requests", () => loop.samples.filter((s) => s.server === "m2").length >= 5);
    await pools.set("traffic", "m2", "drain");
    const drained = Date.now();
    await pools.waitDrained("traffic", "m2", Date.now() + 10_000);
    const empty = Date.now();
    const seen = loop.samples.length;
    await until("60 more answers while m2 is drained", () => loop.samples.length >= seen + 60);
    const back = Date.now();
    await pools.set("traffic", "m2", "ready");
    await until("m2 to serve again after ready", () => loop.samples.some((s) => s.server === "m2" && s.start > back));
    loop.stop();
    const result = await loop.done;

    assert.deepStrictEqual(result.failures, [], "no request failed");
    assert.strictEqual(result.stoppedBy, "stop");
    const sentWhileDrained = result.samples.filter((s) => s.start > drained && s.end < back);
    assert.ok(sentWhileDrained.length >= 60, `requests answered while drained: ${sentWhileDrained.length}`);
    assert.deepStrictEqual(
      sentWhileDrained.filter((s) => s.server === "m2"),
      [],
      "no request sent after the drain went to m2",
    );
    assert.deepStrictEqual(new Set(sentWhileDrained.map((s) => s.server)), new Set(["m1", "m3"]));
    // the member's own record: nothing reached it between "no session left" and "ready"
    const reached = memberRequests("lbtm2").filter((r) => r.port === 8000 && r.time > empty && r.time < back);
    assert.deepStrictEqual(reached, [], "m2 received nothing while drained");
    for (const s of result.samples) assert.strictEqual(s.body, s.server, "each answer's body and Server header name the same member");
  });

  it("waitDrained waits for a session in flight on the drained member, which still finishes", async () => {
    const sent = Date.now();
    const slow = get(url("slow?ms=3000"), "m1");
    await until("the slow request to be open on m1", async () => (await pools.sessions("traffic", "m1")) === 1);
    await pools.set("traffic", "m1", "drain");
    await assert.rejects(
      pools.waitDrained("traffic", "m1", Date.now() + 300),
      (e: unknown) => isUpchainError(e, "LB_STATE_MISMATCH") && /traffic\/m1 still has 1 session/.test(e.message),
    );
    await pools.waitDrained("traffic", "m1", Date.now() + 20_000);
    const drained = Date.now();
    const answer = await slow;
    assert.deepStrictEqual([answer.status, answer.server], [200, "m1"], "the session in flight was served to its end");
    assert.ok(drained >= sent + 3000, `waitDrained returned ${drained - sent} ms after the request, before the member could have answered`);
  });

  it("a non-root login outside the socket's group gets a clear error; in the group it works", async () => {
    const from = haproxyEvents(lb.name).length;
    const outside = haproxyPools(await login("deploy"), {});
    await assert.rejects(outside.set("traffic", "m1", "maint"), (e: unknown) => {
      assert.ok(isUpchainError(e, "CONNECTION_FAILED"), String(e));
      assert.match(e.message, /deploy may not open HAProxy's admin socket \(srw-rw---- 1 root haproxy .*\/run\/haproxy\/admin\.sock\)/);
      assert.match(e.message, /must be root or in the group that owns the socket/);
      return true;
    });
    assert.strictEqual(adminBits(lb.name, "traffic", "m1"), 0, "nothing changed");
    onHost(lb.name, "usermod -aG haproxy deploy");
    try {
      const inGroup = haproxyPools(await login("deploy"), {});
      assert.strictEqual((await inGroup.set("traffic", "m1", "maint")).admin, "maint");
      assert.strictEqual((await inGroup.set("traffic", "m1", "ready")).admin, "ready");
    } finally {
      onHost(lb.name, "gpasswd -d deploy haproxy >/dev/null");
    }
    await until("the group member's two changes in the log", () => changesSince(lb.name, from).length >= 2);
    assert.deepStrictEqual(changesSince(lb.name, from), ["traffic/m1 maint", "traffic/m1 ready"]);
  });

  it("a socket at level operator reads, and HAProxy's refusal to change is COMMAND_FAILED in its words", async () => {
    const operator = haproxyPools(root, { socket: "/run/haproxy/operator.sock" });
    assert.strictEqual((await operator.read()).length, members.length * 2);
    await assert.rejects(
      operator.set("traffic", "m3", "drain"),
      (e: unknown) =>
        isUpchainError(e, "COMMAND_FAILED") && /HAProxy refused "set server traffic\/m3 state drain": "Permission denied.*level admin/.test(e.message),
    );
    assert.strictEqual(adminBits(lb.name, "traffic", "m3"), 0);
    await assert.rejects(pools.set("traffic", "m9", "drain"), (e: unknown) => isUpchainError(e, "COMMAND_FAILED") && /"No such server\."/.test(e.message));
  });

  it("after a killed run, reconcile puts the upgraded member back before taking the next out: 0 failed requests", async () => {
    // the dead run had taken m1 out of both pools and upgraded it; m3 is in maintenance by an
    // operator, outside the run: m2 is the only member serving
    haproxyCli(lb.name, "set server traffic/m1 state drain");
    haproxyCli(lb.name, "set server invalidation/m1 state maint");
    haproxyCli(lb.name, "set server traffic/m3 state maint");
    const from = haproxyEvents(lb.name).length;
    const loop = startLoadLoop({ url: url("page"), requests: 2000, timeLimitMs: 60_000, concurrency: 3, pauseMs: 10 });
    await until("some answers", () => loop.samples.length >= 20);

    // the resumed run: m1 passed its check before the kill, m2 is next
    const current = await pools.read();
    const changes = reconcile(current, [
      { backend: "traffic", server: "m2", admin: "drain" },
      { backend: "invalidation", server: "m2", admin: "maint" },
      { backend: "traffic", server: "m1", admin: "ready" },
      { backend: "invalidation", server: "m1", admin: "ready" },
    ]);
    assert.ok(
      readyAlong(current, changes).every((m) => m.get("traffic")! >= 1),
      "the plan keeps traffic served",
    );
    for (const c of changes) {
      await pools.set(c.backend, c.server, c.to);
      const ready = members.filter((m) => adminBits(lb.name, "traffic", m.name) === 0);
      assert.ok(ready.length >= 1, `after ${c.backend}/${c.server} ${c.to}, HAProxy has a ready traffic server`);
      await sleep(300); // let the load loop run against each intermediate state
    }
    loop.stop();
    const result = await loop.done;
    assert.deepStrictEqual(result.failures, []);
    await until("the four changes in HAProxy's log", () => changesSince(lb.name, from).length >= 4);
    assert.deepStrictEqual(changesSince(lb.name, from), ["traffic/m1 ready", "invalidation/m1 ready", "traffic/m2 drain", "invalidation/m2 maint"]);
    const end = await pools.read();
    assert.deepStrictEqual(
      end.filter((s) => s.admin !== "ready").map((s) => `${s.backend}/${s.server} ${s.admin}`),
      ["traffic/m2 drain", "traffic/m3 maint", "invalidation/m2 maint"],
    );
  });

  it("draining m1 while m2 and m3 are ready but DOWN (their processes stopped) is refused naming their health; m1 keeps serving (issue 19)", async () => {
    const down = memberHosts.slice(1);
    try {
      for (const h of down) onHost(h.name, "/etc/upchain/services.d/upchain-member stop");
      await until("HAProxy to see m2 and m3 down", async () => (await pools.read("traffic")).filter((s) => s.health === "down").length === 2);
      const step = { pools: { traffic: { m1: "drain" as const, m2: "ready" as const, m3: "ready" as const } }, drainSeconds: 5 };
      await assert.rejects(applyPools(pools, step, Date.now() + 60_000, { waitMs: 1500, pollMs: 250 }), (e: unknown) => {
        assert.ok(isUpchainError(e, "LB_STATE_MISMATCH"), String(e));
        assert.match(
          e.message,
          /draining m1 would leave backend traffic with no server able to serve \(m2 is ready but DOWN \(its health checks fail\), m3 is ready but DOWN \(its health checks fail\)\)\. Nothing was drained/,
        );
        return true;
      });
      assert.strictEqual(adminBits(lb.name, "traffic", "m1"), bitsOf.ready, "m1 was not drained");
      assert.strictEqual((await get(url("still-served"))).status, 200, "and it still serves");
    } finally {
      down.forEach((h, i) => installMember(h, members[i + 1].name, [8000, 8001]));
      waitAllUp(lb.name, members.length * 2);
    }
  });

  it("HAProxy and the members come back after their hosts reboot (started from /etc/upchain/services.d)", async () => {
    // the harness's supervisor writes a "boot" line to the host's console log each time it boots it
    const boots = (h: TestHost) => (fs.readFileSync(path.join(h.root, "../console.log"), "utf8").match(/^boot /gm) ?? []).length;
    const before = [boots(lb), boots(memberHosts[1])];
    onHost(lb.name, "reboot");
    onHost(memberHosts[1].name, "reboot");
    await until("both hosts to boot again", () => boots(lb) > before[0] && boots(memberHosts[1]) > before[1], 60_000);
    waitAllUp(lb.name, members.length * 2, 60_000);
    const again = haproxyPools(await login("root"), {});
    assert.deepStrictEqual(
      (await again.read()).map((s) => `${s.server} ${s.admin} ${s.health}`),
      [...members, ...members].map((m) => `${m.name} ready up`),
    );
    const answers = await Promise.all(members.map(() => get(url("after-reboot"))));
    assert.deepStrictEqual(
      answers.map((a) => a.status),
      [200, 200, 200],
    );
    assert.deepStrictEqual(new Set(answers.map((a) => a.server)), new Set(members.map((m) => m.name)), "each member served one (round robin), m2 too");
  });
});
