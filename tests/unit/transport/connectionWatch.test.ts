// The SSH client's events watched for the connection's whole life, with a fake client: an `error`
// after login must not crash the process, and every operation on a lost connection fails cleanly.
import * as assert from "assert";
import { EventEmitter } from "events";
import { isUpchainError } from "../../../providers/errors";
import { ConnectionWatch } from "../../../providers/transport/connectionWatch";

class FakeClient extends EventEmitter {
  ended = 0;
  end(): void {
    this.ended++;
  }
}

const secret = "hunter2-the-password";
const lost = (e: unknown) =>
  isUpchainError(e, "CONNECTION_FAILED") && /connection was lost/.test((e as Error).message) && !(e as Error).message.includes(secret);

async function readyWatch(): Promise<{ client: FakeClient; watch: ConnectionWatch }> {
  const client = new FakeClient();
  const watch = new ConnectionWatch(client, "root@h:22", [secret]);
  const ready = watch.whenReady();
  client.emit("ready");
  await ready;
  return { client, watch };
}

describe("ConnectionWatch", () => {
  it("a second error after login neither throws nor goes unnoticed", async () => {
    const { client, watch } = await readyWatch();
    // with no listener left, EventEmitter.emit("error") throws: this is what crashed the provider
    assert.doesNotThrow(() => client.emit("error", new Error(`read ECONNRESET (${secret})`)));
    assert.doesNotThrow(() => client.emit("error", new Error("write EPIPE")));
    assert.strictEqual(watch.isLost, true);
    assert.ok(client.ended >= 1, "the client is ended");
    const e = watch.lostError("run a command");
    assert.ok(lost(e));
    assert.match(e.message, /ECONNRESET \(\[secret\]\)/, "the first reason is kept, masked");
  });

  it("an operation waiting when the connection drops is rejected at once", async () => {
    const { client, watch } = await readyWatch();
    const pending = watch.guard<string>("run a command", () => undefined); // never completes by itself
    client.emit("error", new Error("read ECONNRESET"));
    await assert.rejects(pending, lost);
  });

  it("an operation on a lost connection is refused without starting", async () => {
    const { client, watch } = await readyWatch();
    client.emit("close");
    let started = false;
    await assert.rejects(
      watch.guard("write /etc/x", () => (started = true)),
      lost,
    );
    assert.strictEqual(started, false);
  });

  it("an operation that completes is not rejected later", async () => {
    const { client, watch } = await readyWatch();
    const done = await watch.guard<number>("x", (resolve) => resolve(7));
    client.emit("error", new Error("late"));
    assert.strictEqual(done, 7);
  });

  it("the first error before login rejects the connect with ssh2's error", async () => {
    const client = new FakeClient();
    const watch = new ConnectionWatch(client, "root@h:22", []);
    const ready = watch.whenReady();
    client.emit("error", Object.assign(new Error("All configured authentication methods failed"), { level: "client-authentication" }));
    await assert.rejects(ready, (e: unknown) => (e as { level?: string }).level === "client-authentication");
    assert.doesNotThrow(() => client.emit("error", new Error("again")));
  });

  it("a server that hangs up before login rejects the connect", async () => {
    const client = new FakeClient();
    const watch = new ConnectionWatch(client, "root@h:22", []);
    const ready = watch.whenReady();
    client.emit("close");
    await assert.rejects(ready, /closed the connection before login/);
  });
});
