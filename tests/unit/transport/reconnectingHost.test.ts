// Reconnecting after a reboot: backoff, the accept test (a new boot), the deadline, and the resumed
// wait that finds the machine already restarted.
import * as assert from "assert";
import { rebootAndWait } from "../../../providers/engine/running/reboot";
import { PlannedStep } from "../../../providers/engine/planning/planner";
import { UpchainError, isUpchainError } from "../../../providers/errors";
import { ReconnectingHost } from "../../../providers/transport/reconnectingHost";
import { ExecResult, RemoteHost } from "../../../providers/transport/remoteHost";
import { TEST_STEP } from "../../support/testProvenance";
import { UNFENCED } from "../../support/testFence";

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
  provenance: TEST_STEP,
  id: "reboot",
  action: "reboot",
  shell: "sh",
  title: "reboot",
  commands: ["reboot"],
  destructive: false,
  hop: "a->b",
  bootMarker: "marker",
  timeoutSeconds: 5,
};

describe("ReconnectingHost", () => {
  it("retries failed connections with growing waits until one is accepted", async () => {
    const times: number[] = [];
    let n = 0;
    const host = new ReconnectingHost(
      markerHost("boot-1"),
      async () => {
        times.push(Date.now());
        if (++n < 3) throw new Error("connection refused");
        return markerHost("boot-2");
      },
      20,
      1000,
    );
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
    const host = new ReconnectingHost(
      markerHost("boot-1"),
      async () => {
        throw new Error("no route to host");
      },
      50,
      100,
    );
    const started = Date.now();
    await assert.rejects(
      host.reconnect({ deadline: Date.now() + 400 }),
      (e: unknown) => isUpchainError(e, "HOST_DID_NOT_RETURN") && /no route to host/.test(e.message),
    );
    assert.ok(Date.now() - started < 1500, "not much later than the deadline");
    await assert.rejects(host.exec("x"), /not connected/);
  });
});

/** A host that records what it is asked to do and can lose its connection, like SshHost. */
function droppingHost(name: string, log: string[]): RemoteHost & { lost: boolean; dropDuring?: "exec" | "writeFile" } {
  const h = {
    label: "fake",
    lost: false,
    dropDuring: undefined as "exec" | "writeFile" | undefined,
    async exec(command: string): Promise<ExecResult> {
      if (h.lost) throw new UpchainError("CONNECTION_FAILED", "fake: cannot run a command: the connection was lost");
      log.push(`${name} exec ${command}`);
      if (h.dropDuring === "exec") {
        h.lost = true;
        throw new UpchainError("CONNECTION_FAILED", "fake: cannot run a command: the connection was lost");
      }
      return { code: 0, signal: null, stdout: name, stderr: "" };
    },
    readFile: async () => Buffer.from(name),
    async writeFile(path: string) {
      if (h.lost) throw new UpchainError("CONNECTION_FAILED", "fake: cannot write: the connection was lost");
      log.push(`${name} write ${path}`);
      if (h.dropDuring === "writeFile") {
        h.lost = true;
        throw new UpchainError("CONNECTION_FAILED", "fake: cannot write: the connection was lost");
      }
    },
    close: async () => undefined,
  };
  return h;
}

describe("ReconnectingHost after a dropped connection", () => {
  it("a connection found lost is replaced before the next command, once for operations arriving together", async () => {
    const log: string[] = [];
    const first = droppingHost("first", log);
    let made = 0;
    const host = new ReconnectingHost(first, async () => droppingHost(`new${++made}`, log), 5, 10);
    first.lost = true;
    const [a, b] = await Promise.all([host.exec("a"), host.exec("b")]);
    assert.deepStrictEqual([a.stdout, b.stdout, made], ["new1", "new1", 1]);
    assert.deepStrictEqual(log, ["new1 exec a", "new1 exec b"]);
  });

  it("a command the link dropped under is not run again (it may have run)", async () => {
    const log: string[] = [];
    const first = droppingHost("first", log);
    first.dropDuring = "exec";
    const host = new ReconnectingHost(first, async () => droppingHost("second", log), 5, 10);
    await assert.rejects(host.exec("upgrade"), (e: unknown) => isUpchainError(e, "CONNECTION_FAILED"));
    assert.deepStrictEqual(log, ["first exec upgrade"]);
    assert.strictEqual((await host.exec("next")).stdout, "second", "the next command goes over a new connection");
  });

  it("a write the link dropped under is made again over a new connection (a write is an atomic replace)", async () => {
    const log: string[] = [];
    const first = droppingHost("first", log);
    first.dropDuring = "writeFile";
    const host = new ReconnectingHost(first, async () => droppingHost("second", log), 5, 10);
    await host.writeFile("/etc/x", "y");
    assert.deepStrictEqual(log, ["first write /etc/x", "second write /etc/x"]);
  });

  it("a connection that cannot be made again fails with CONNECTION_FAILED, saying so", async () => {
    const first = droppingHost("first", []);
    const host = new ReconnectingHost(
      first,
      async () => {
        throw new Error("connection refused");
      },
      5,
      10,
      200,
    );
    first.lost = true;
    await assert.rejects(
      host.exec("x"),
      (e: unknown) => isUpchainError(e, "CONNECTION_FAILED") && /could not be made again.*connection refused/.test((e as Error).message),
    );
  });

  it("a connection that cannot be made again keeps why as its cause: the reconnect's failure, and under it the last attempt's own error", async () => {
    const first = droppingHost("first", []);
    const refused = new Error("connection refused");
    const host = new ReconnectingHost(
      first,
      async () => {
        throw refused;
      },
      5,
      10,
      200,
    );
    first.lost = true;
    const e = (await host.exec("x").catch((x: unknown) => x)) as Error;
    assert.ok(isUpchainError(e, "CONNECTION_FAILED"), String(e));
    assert.ok(isUpchainError(e.cause, "HOST_DID_NOT_RETURN"), String(e.cause));
    assert.strictEqual((e.cause as Error).cause, refused);
  });
});

describe("reboot step", () => {
  it("a resumed wait finds the machine already restarted and does not reboot it again", async () => {
    let reconnected = false;
    const host = markerHost("boot-2") as RemoteHost;
    host.reconnect = async () => {
      reconnected = true;
    };
    const r = await rebootAndWait({
      host,
      step: rebootStep,
      dir: "/nowhere",
      markerBefore: "boot-1",
      remember: async () => assert.fail("no new marker"),
      holdLock: async () => undefined,
      fence: UNFENCED,
      log: () => undefined,
    });
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /already restarted/);
    assert.strictEqual(reconnected, false);
  });

  it("a host that cannot reconnect fails the step instead of hanging", async () => {
    const r = await rebootAndWait({
      host: markerHost("boot-1"),
      step: rebootStep,
      dir: "/nowhere",
      remember: async () => undefined,
      holdLock: async () => undefined,
      fence: UNFENCED,
      log: () => undefined,
    });
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /cannot reconnect/);
  });
});
