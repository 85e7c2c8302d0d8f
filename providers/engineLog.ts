// Lines for the `pulumi up` display, from the dynamic provider process. Pulumi starts that process
// with the engine's address as its one argument; through the engine's Log service a line can be
// *ephemeral*: shown while it is news (a step starting, a long step's latest output) and left out of
// the summary Pulumi prints at the end, which otherwise repeats every line of a long run. Lasting
// lines (a chain planned, a hop done, a failure) stay in it. Anywhere else (unit tests, the CLI) and
// whenever the engine cannot be reached, lines go to stdout, which Pulumi shows as lasting lines.
import { createRequire } from "module";
import { terminalText } from "./engine/running/progress";

export type DisplayLine = (line: string, o?: { ephemeral?: boolean; warning?: boolean }) => void;

interface Engine {
  send(message: string, ephemeral: boolean, warning: boolean): Promise<void>;
}

// one connection per engine address (a process has one); null: that engine is not reachable
const engines = new Map<string, Engine | null>();

/** The engine's address when this process is Pulumi's dynamic provider host, else undefined. */
export function engineAddress(argv: readonly string[] = process.argv): string | undefined {
  const script = argv[1] ?? "";
  // last: the CLI puts its own flags first (`--logtostderr -v=9`, `--tracing <endpoint>`) when it runs verbose
  const addr = argv.length > 2 ? argv[argv.length - 1] : "";
  return /dynamic-provider/.test(script) && /^(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/.test(addr) ? addr : undefined;
}

function connect(address: string): Engine | null {
  try {
    // the SDK's own gRPC and protobuf modules: the versions the engine speaks
    const sdk = createRequire(require.resolve("@pulumi/pulumi"));
    const grpc = sdk("@grpc/grpc-js");
    const rpc = sdk("./proto/engine_grpc_pb");
    const proto = sdk("./proto/engine_pb");
    const client = new rpc.EngineClient(address, grpc.credentials.createInsecure());
    return {
      send: (message, ephemeral, warning) =>
        new Promise((resolve, reject) => {
          const req = new proto.LogRequest();
          req.setSeverity(warning ? proto.LogSeverity.WARNING : proto.LogSeverity.INFO);
          req.setMessage(message);
          req.setEphemeral(ephemeral);
          // an engine that does not answer must not hold the run: after 5 s the line goes to stdout
          client.log(req, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (err: Error | null) => (err ? reject(err) : resolve()));
        }),
    };
  } catch {
    return null;
  }
}

let queue: Promise<void> = Promise.resolve();

/**
 * A display for lines that start with `prefix`. Lines are sent one after the other (in order); a
 * line the engine refuses goes to stdout, and so does every later one.
 */
export function displayLine(prefix: string, address = engineAddress(), stdout: (text: string) => void = console.log): DisplayLine {
  if (address !== undefined && !engines.has(address)) engines.set(address, connect(address));
  return (line, o = {}) => {
    // the host's text (a step's output, a balancer's answer) reaches the operator's terminal only cleaned
    const text = terminalText(`${prefix}${line}`);
    const e = address === undefined ? null : engines.get(address);
    if (!e) {
      queue = queue.then(() => stdout(text));
      return;
    }
    queue = queue.then(() =>
      e.send(text, o.ephemeral === true, o.warning === true).catch(() => {
        engines.set(address!, null);
        stdout(text);
      }),
    );
  };
}

/** Wait until every line sent so far has reached the engine (before a resource's operation returns). */
export function flushDisplay(): Promise<void> {
  return queue;
}
