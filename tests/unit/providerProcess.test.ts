// The dynamic provider's process: Ctrl-C (the engine's Cancel call) becomes the operator's stop, and
// an engine that died (kill -9 of the CLI) is noticed, by the parent gone, the engine's port closed or
// a broken stdout, and the process exits instead of spinning.
import * as assert from "assert";
import { spawn } from "child_process";
import { createRequire } from "module";
import * as net from "net";
import * as path from "path";
import { ENGINE_GONE_EXIT, engineListens, hookCancel, watchEngine } from "../../providers/providerProcess";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sdk = createRequire(require.resolve("@pulumi/pulumi"));

/** A TCP server on a free port of 127.0.0.1, standing in for the engine. */
async function fakeEngine(): Promise<{ address: string; close: () => Promise<void> }> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as net.AddressInfo;
  return { address: `127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe("the dynamic provider's process", function () {
  this.timeout(30_000);

  it("the engine's Cancel call reaches upchain through the SDK's own grpc-js, and the call is still answered", async () => {
    const grpc = sdk("@grpc/grpc-js");
    const rpc = sdk("./proto/provider_grpc_pb");
    const empty = sdk("google-protobuf/google/protobuf/empty_pb");
    const original = grpc.Server.prototype._retrieveHandler;
    let heard = 0;
    let answered = 0;
    const server = new grpc.Server();
    try {
      // the shim's server is set up before upchain loads: so is this one
      server.addService(rpc.ResourceProviderService, { cancel: (_c: unknown, cb: (e: null, r: unknown) => void) => (answered++, cb(null, new empty.Empty())) });
      const port: number = await new Promise((res, rej) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e: Error | null, p: number) => (e ? rej(e) : res(p))),
      );
      assert.strictEqual(
        hookCancel(() => heard++, grpc),
        true,
        "this grpc-js has the place the hook needs",
      );
      const client = new rpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      await new Promise<void>((res, rej) => client.cancel(new empty.Empty(), (e: Error | null) => (e ? rej(e) : res())));
      client.close();
      assert.strictEqual(heard, 1);
      assert.strictEqual(answered, 1);
    } finally {
      grpc.Server.prototype._retrieveHandler = original;
      server.forceShutdown();
    }
  });

  it("a grpc-js without that place is left alone, and the hook says so", () => {
    assert.strictEqual(
      hookCancel(() => undefined, { Server: class {} }),
      false,
    );
  });

  it("a parent that changes (the CLI died, this process was reparented) means the engine is gone", async () => {
    let parent = 100;
    const gone: string[] = [];
    const stop = watchEngine({ everyMs: 10, parentPid: () => parent, engineListens: async () => true, onGone: (w) => gone.push(w) });
    await sleep(50);
    assert.deepStrictEqual(gone, []);
    parent = 1;
    await sleep(50);
    stop();
    assert.deepStrictEqual(gone, ["the parent process 100 is gone"]);
  });

  it("an engine port that refuses twice in a row means the engine is gone; one refusal between answers does not", async () => {
    const answers = [false, true, false, true, false, false, false];
    const gone: string[] = [];
    const stop = watchEngine({ everyMs: 10, parentPid: () => 100, engineListens: async () => answers.shift() ?? false, onGone: (w) => gone.push(w) });
    await sleep(45);
    assert.deepStrictEqual(gone, [], "after false, true, false, true");
    await sleep(100);
    stop();
    assert.deepStrictEqual(gone, ["the engine's port refuses connections"], "told once");
  });

  it("engineListens: a listening port answers; a closed one is refused", async () => {
    const engine = await fakeEngine();
    assert.strictEqual(await engineListens(engine.address), true);
    await engine.close();
    assert.strictEqual(await engineListens(engine.address), false);
  });

  /** A provider process in miniature: guarded, beating a "heartbeat" line to stdout every 20 ms. */
  const orphanScript = (address: string) => `
    const { guardProviderProcess } = require(${JSON.stringify(path.resolve(__dirname, "../../providers/providerProcess.js"))});
    process.on("uncaughtException", (e) => console.error(e.stack)); // as Pulumi's shim does
    guardProviderProcess(["node", "/x/@pulumi/pulumi/cmd/dynamic-provider", ${JSON.stringify(address)}]);
    setInterval(() => console.log("heartbeat"), 20);
  `;

  it("when the engine's port closes, the provider process exits on its own within seconds", async () => {
    const engine = await fakeEngine();
    const child = spawn(process.execPath, ["-e", orphanScript(engine.address)], { stdio: ["ignore", "ignore", "ignore"] });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    await sleep(500);
    assert.strictEqual(child.exitCode, null, "alive while the engine is");
    const closed = Date.now();
    await engine.close();
    const code = await Promise.race([exited, sleep(10_000).then(() => "still running")]);
    if (code === "still running") child.kill("SIGKILL");
    assert.strictEqual(code, ENGINE_GONE_EXIT);
    assert.ok(Date.now() - closed < 8000);
  });

  it("a provider that exits because the engine's port closed says so, and why, on its stderr (which lands in the CLI's log)", async () => {
    const engine = await fakeEngine();
    const child = spawn(process.execPath, ["-e", orphanScript(engine.address)], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    await sleep(500);
    await engine.close();
    const code = await Promise.race([exited, sleep(10_000).then(() => "still running")]);
    if (code === "still running") child.kill("SIGKILL");
    assert.strictEqual(code, ENGINE_GONE_EXIT);
    assert.match(stderr, new RegExp(`upchain provider: exiting \\(${ENGINE_GONE_EXIT}\\): the engine is gone: the engine's port refuses connections`));
  });

  it("when its stdout's reader dies (EPIPE), the provider process exits instead of looping on the error", async () => {
    const engine = await fakeEngine();
    const child = spawn(process.execPath, ["-e", orphanScript(engine.address)], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    await new Promise((r) => child.stdout!.once("data", r));
    child.stdout!.destroy();
    child.stderr!.destroy();
    const code = await Promise.race([exited, sleep(5000).then(() => "still running")]);
    if (code === "still running") child.kill("SIGKILL");
    await engine.close();
    assert.strictEqual(code, ENGINE_GONE_EXIT);
  });
});
