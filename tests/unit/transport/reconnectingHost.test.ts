// Reconnecting after a reboot: backoff, the accept test (a new boot), the deadline, and the resumed
// wait that finds the machine already restarted.
import * as assert from "assert";
import { rebootAndWait } from "../../../providers/engine/reboot";
import { PlannedStep } from "../../../providers/engine/planner";
import { isUpchainError } from "../../../providers/errors";
import { ReconnectingHost } from "../../../providers/transport/reconnectingHost";
import { ExecResult, RemoteHost } from "../../../providers/transport/remoteHost";

/** A host whose every command prints `marker` (the boot marker command is all these tests run). */
function markerHost(marker: string): RemoteHost & { closed: boolean } {
  const h = {
    label: "fake",
    closed: false,
    exec: async (): Promise<ExecResult> => ({ code: 0, signal: null, stdout: `${marker}\n`, stderr: "" }),
    readFile: async () => Buffer.from(""),
    writeFile: async () => undefined,
    close: async () => {
      h.closed = true;
    },
  };
  return h;
}

const rebootStep: PlannedStep = {
  id: "reboot", action: "reboot", shell: "sh", title: "reboot", commands: ["reboot"], destructive: false, hop: "a->b", bootMarker: "marker", timeoutSeconds: 5,
};

describe("ReconnectingHost", () => {
  it("retries failed connections with growing waits until one is accepted", async () => {
    const times: number[] = [];
    let n = 0;
    const host = new ReconnectingHost(markerHost("boot-1"), async () => {
      times.push(Date.now());
      if (++n < 3) throw new Error("connection refused");
      return markerHost("boot-2");
    }, 20, 1000);
    const attempts: string[] = [];
    await host.reconnect({ deadline: Date.now() + 5000, onAttempt: (i, why) => attempts.push(`${i}: ${why}`) });
    assert.deepStrictEqual(attempts, ["1: connection refused", "2: connection refused"]);
    assert.ok(times[2] - times[1] >= times[1] - times[0], "the wait grows");
    assert.match((await host.exec("x")).stdout, /boot-2/, "commands go to the new connection");
  });

  it("keeps trying while the machine answers from the same boot", async () => {
    const boots = ["boot-1", "boot-1", "boot-2"];
    const host = new ReconnectingHost(markerHost("boot-1"), async () => markerHost(boots.shift()!), 10, 20);
    await host.reconnect({ deadline: Date.now() + 5000, accept: async (h) => (await h.exec("m")).stdout.trim() !== "boot-1" });
    assert.strictEqual(boots.length, 0);
  });

  it("gives up at the deadline with HOST_DID_NOT_RETURN and the last reason", async () => {
    const host = new ReconnectingHost(markerHost("boot-1"), async () => {
      throw new Error("no route to host");
    }, 50, 100);
    const started = Date.now();
    await assert.rejects(host.reconnect({ deadline: Date.now() + 400 }), (e: unknown) => isUpchainError(e, "HOST_DID_NOT_RETURN") && /no route to host/.test(e.message));
    assert.ok(Date.now() - started < 1500, "not much later than the deadline");
    await assert.rejects(host.exec("x"), /not connected/);
  });
});

describe("reboot step", () => {
  it("a resumed wait finds the machine already restarted and does not reboot it again", async () => {
    let reconnected = false;
    const host = markerHost("boot-2") as RemoteHost;
    host.reconnect = async () => {
      reconnected = true;
    };
    const r = await rebootAndWait({ host, step: rebootStep, dir: "/nowhere", markerBefore: "boot-1", remember: async () => assert.fail("no new marker"), holdLock: async () => undefined, log: () => undefined });
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /already restarted/);
    assert.strictEqual(reconnected, false);
  });

  it("a host that cannot reconnect fails the step instead of hanging", async () => {
    const r = await rebootAndWait({ host: markerHost("boot-1"), step: rebootStep, dir: "/nowhere", remember: async () => undefined, holdLock: async () => undefined, log: () => undefined });
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /cannot reconnect/);
  });
});
