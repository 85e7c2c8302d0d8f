// Lines for Pulumi's display through the engine's own Log service (a real gRPC server in this
// process, speaking the SDK's protocol), in order, ephemeral or lasting; stdout when there is none.
import * as assert from "assert";
import { createRequire } from "module";
import { displayLine, engineAddress, flushDisplay } from "../../providers/engineLog";

const sdk = createRequire(require.resolve("@pulumi/pulumi"));
const grpc = sdk("@grpc/grpc-js");
const rpc = sdk("./proto/engine_grpc_pb");

interface Received {
  message: string;
  ephemeral: boolean;
  severity: number;
}

async function fakeEngine(): Promise<{ address: string; received: Received[]; stop(): void }> {
  const received: Received[] = [];
  const server = new grpc.Server();
  server.addService(rpc.EngineService, {
    log: (call: { request: { getMessage(): string; getEphemeral(): boolean; getSeverity(): number } }, done: (e: null, r: unknown) => void) => {
      received.push({ message: call.request.getMessage(), ephemeral: call.request.getEphemeral(), severity: call.request.getSeverity() });
      done(null, new (sdk("google-protobuf/google/protobuf/empty_pb").Empty)());
    },
  });
  const port: number = await new Promise((res, rej) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e: Error | null, p: number) => (e ? rej(e) : res(p))),
  );
  return { address: `127.0.0.1:${port}`, received, stop: () => server.forceShutdown() };
}

describe("the display's lines from the provider process", () => {
  it("the engine's address is read only in Pulumi's dynamic provider host, and only a local one", () => {
    assert.strictEqual(engineAddress(["node", "/x/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", "127.0.0.1:40123"]), "127.0.0.1:40123");
    assert.strictEqual(engineAddress(["node", "/x/dist/providers/cli.js", "127.0.0.1:40123"]), undefined);
    assert.strictEqual(engineAddress(["node", "/x/cmd/dynamic-provider/index.js", "evil.example:80"]), undefined);
  });

  it("the engine's address is found after the flags the CLI puts first when it runs verbose (-v=9 --logtostderr)", () => {
    const script = "/x/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js";
    assert.strictEqual(engineAddress(["node", script, "--logtostderr", "-v=9", "127.0.0.1:40123"]), "127.0.0.1:40123");
    assert.strictEqual(engineAddress(["node", script, "--logtostderr", "-v=9", "--tracing", "file:/tmp/t.json", "127.0.0.1:40123"]), "127.0.0.1:40123");
  });

  it("through the engine: every line in order, step news ephemeral, the rest lasting", async () => {
    const engine = await fakeEngine();
    try {
      const display = displayLine("upchain 10.0.0.1: ", engine.address, () => assert.fail("nothing goes to stdout"));
      for (let i = 0; i < 50; i++) display(`[1->2 ${i}/50] step ${i}`, { ephemeral: true });
      display("[1->2] done in 3s (50 steps)");
      await flushDisplay();
      assert.deepStrictEqual(
        engine.received.map((r) => r.message),
        [...Array.from({ length: 50 }, (_, i) => `upchain 10.0.0.1: [1->2 ${i}/50] step ${i}`), "upchain 10.0.0.1: [1->2] done in 3s (50 steps)"],
      );
      assert.deepStrictEqual(
        engine.received.map((r) => r.ephemeral),
        [...Array(50).fill(true), false],
      );
    } finally {
      engine.stop();
    }
  });

  it("an engine that stops answering: the line and every later one go to stdout, nothing is lost", async () => {
    const engine = await fakeEngine();
    const printed: string[] = [];
    const display = displayLine("p: ", engine.address, (t) => printed.push(t));
    display("first");
    await flushDisplay();
    engine.stop();
    display("second");
    display("third", { ephemeral: true });
    await flushDisplay();
    assert.deepStrictEqual(
      engine.received.map((r) => r.message),
      ["p: first"],
    );
    assert.deepStrictEqual(printed, ["p: second", "p: third"]);
  });

  it("outside Pulumi (no engine), lines go to stdout in order", async () => {
    const printed: string[] = [];
    const display = displayLine("p: ", undefined, (t) => printed.push(t));
    display("a");
    display("b", { ephemeral: true });
    await flushDisplay();
    assert.deepStrictEqual(printed, ["p: a", "p: b"]);
  });
});

describe("a line on its way to the display is cleaned of the host's escapes (issue 19)", () => {
  it("a step's output with a clipboard write, a screen clear and a carriage return reaches stdout as plain text", async () => {
    const out: string[] = [];
    displayLine("upchain web1: ", undefined, (t) => out.push(t))("[1->2 3/5] 4s | a\x1b]52;c;ZXZpbA==\x07b\x1b[2Jc\rd");
    await flushDisplay();
    assert.deepStrictEqual(out, ["upchain web1: [1->2 3/5] 4s | abcd"]);
  });
});
