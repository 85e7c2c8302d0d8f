// The dynamic provider's own process, as Pulumi runs it: a child of the pulumi CLI that serves the
// engine over gRPC. Two things reach it from the engine that Pulumi's Node shim drops on the floor,
// and upchain needs both:
//
// - Cancel: the engine's call on the first Ctrl-C. The shim answers it and does nothing, so a run went
//   on hop after hop. Here it becomes the operator's stop (engine/running/stopSignal.ts): the hop in progress
//   ends, and no other starts.
// - The engine's death: after `kill -9` of the CLI this process is orphaned, and nothing tells it. It
//   went on beating its runs' locks (so the next `up` was refused as LOCKED, forever), and its first
//   write to the dead CLI's stdout failed with EPIPE: an 'error' event nobody listened to is an
//   uncaught exception, which the shim prints to stderr, whose pipe is just as dead, and so on in an
//   endless loop that ate a core and memory. Here the broken pipes are listened to, the parent and the
//   engine's port are watched, and when the engine is gone every heartbeat stops (the locks go stale
//   and the next run takes them over; none is released, since a step may still run on the host and
//   the next run must read from the journal how it ended) and the process exits.
import { createRequire } from "module";
import * as net from "net";
import { stopHeartbeats } from "./engine/running/lock";
import { operatorStop } from "./engine/running/stopSignal";
import { engineAddress } from "./engineLog";

const CANCEL_PATH = "/pulumirpc.ResourceProvider/Cancel";
/** The exit status of a provider that found its engine gone (EX_SOFTWARE is taken by crashes; this one is "unavailable"). */
export const ENGINE_GONE_EXIT = 69;

let guarded = false;

/** In Pulumi's dynamic provider process (and only there): hear Cancel, and exit when the engine is gone. Idempotent. */
export function guardProviderProcess(argv: readonly string[] = process.argv): void {
  const address = engineAddress(argv);
  if (address === undefined || guarded) return;
  guarded = true;
  hookCancel(() => operatorStop.request());
  const gone = (why: string) => {
    stopHeartbeats();
    // said where a live engine keeps it (the provider's stderr lands in the CLI's log): an exit that
    // was wrong must be explicable; to a dead engine the write fails, and that is listened to above
    try {
      process.stderr.write(`upchain provider: exiting (${ENGINE_GONE_EXIT}): the engine is gone: ${why}\n`);
    } catch {
      // nothing to tell: stderr is gone with the engine
    }
    process.exit(ENGINE_GONE_EXIT);
  };
  for (const [name, stream] of [
    ["stdout", process.stdout],
    ["stderr", process.stderr],
  ] as const) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") gone(`its ${name} pipe is broken (${e.code})`);
    });
  }
  watchEngine({ everyMs: 2000, parentPid: () => process.ppid, engineListens: () => engineListens(address), onGone: gone });
}

/**
 * Call `onCancel` whenever the engine calls the provider's Cancel. The shim's gRPC server was set up
 * before any upchain code loaded, so the call is seen where the server looks its handler up (the
 * SDK's own @grpc/grpc-js); false when that version of grpc-js has no such place.
 */
export function hookCancel(onCancel: () => void, grpc: unknown = sdkGrpc()): boolean {
  const proto = (grpc as GrpcModule | undefined)?.Server?.prototype;
  const retrieve = proto?._retrieveHandler;
  if (!proto || typeof retrieve !== "function") return false;
  proto._retrieveHandler = function (this: unknown, path: string, ...rest: unknown[]) {
    if (path === CANCEL_PATH) onCancel();
    return retrieve.call(this, path, ...rest);
  };
  return true;
}

/** What hookCancel reaches into: grpc-js's Server class and the private method it looks a call's handler up with. */
interface GrpcModule {
  Server?: { prototype?: { _retrieveHandler?: unknown } };
}

function sdkGrpc(): unknown {
  try {
    return createRequire(require.resolve("@pulumi/pulumi"))("@grpc/grpc-js");
  } catch {
    return undefined;
  }
}

export interface EngineWatch {
  everyMs: number;
  parentPid: () => number;
  /** Whether the engine's gRPC port still takes connections. */
  engineListens: () => Promise<boolean>;
  onGone: (why: string) => void;
}

/**
 * Look every `everyMs`: a parent that changed (this process was reparented: the CLI died) or an engine
 * port that refused two looks in a row means the engine is gone. Returns a stop function.
 */
export function watchEngine(o: EngineWatch): () => void {
  const parent = o.parentPid();
  let refused = 0;
  let looking = false;
  let stopped = false;
  const look = async () => {
    if (looking || stopped) return;
    looking = true;
    try {
      if (o.parentPid() !== parent) return finish(`the parent process ${parent} is gone`);
      refused = (await o.engineListens()) ? 0 : refused + 1;
      if (refused >= 2) finish("the engine's port refuses connections");
    } finally {
      looking = false;
    }
  };
  const finish = (why: string) => {
    if (stopped) return;
    stop();
    o.onGone(why);
  };
  const timer = setInterval(() => void look(), o.everyMs);
  timer.unref(); // the gRPC server keeps the process alive, not this watch
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}

/** Whether something listens at `address` ("127.0.0.1:port"); only a refused connection says no. */
export function engineListens(address: string, timeoutMs = 3000): Promise<boolean> {
  const at = address.lastIndexOf(":");
  const host = address.slice(0, at).replace(/^\[|\]$/g, "");
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (listens: boolean) => {
      socket.destroy();
      resolve(listens);
    };
    socket.setTimeout(timeoutMs, () => done(true)); // slow is not gone
    socket.once("connect", () => done(true));
    socket.once("error", (e: NodeJS.ErrnoException) => done(e.code !== "ECONNREFUSED"));
  });
}
