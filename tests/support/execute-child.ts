// Runs one executePlan in its own process, so a test can kill it mid-step like a killed `pulumi up`.
// argv[2] is JSON: connection, from, to, and optionally stale (lock seconds), catalog ("counter" or
// "faulty"), options (the catalog's), stepTimeouts, clearRun, stateDir, keepaliveMs, resource (the journal's name).
import { counter } from "./counterCatalog";
import { faulty } from "./faultCatalog";
import { planUpgrade } from "../../providers/engine/planning/planner";
import { executePlan } from "../../providers/engine/running/executor";
import { connectSsh } from "../../providers/transport/ssh";
import { ReconnectingHost } from "../../providers/transport/reconnectingHost";

async function main() {
  const args = JSON.parse(process.argv[2]);
  const catalog = args.catalog === "faulty" ? faulty : counter;
  const ssh = { keepaliveIntervalMs: args.keepaliveMs ?? 10_000 };
  // reconnecting, as the provider's host is: a reboot step needs it, and so does a dropped link
  const host = new ReconnectingHost(await connectSsh(args.connection, ssh), (ms) => connectSsh(args.connection, { ...ssh, readyTimeoutMs: ms }));
  const options = args.options ?? {};
  const req = { installed: args.from, target: args.to, platform: "linux" as const, options };
  const plan = planUpgrade(catalog, req);
  const r = await executePlan({
    host,
    catalog,
    plan,
    ctx: { platform: "linux", releases: catalog.defaultReleases, options },
    resource: args.resource ?? "counter",
    pollMs: 100,
    lockStaleSeconds: args.stale ?? 120,
    stepTimeouts: args.stepTimeouts,
    clearRun: args.clearRun,
    stateDir: args.stateDir,
    log: (l) => console.log(l),
  });
  console.log(JSON.stringify(r));
  await host.close();
}
main().catch((e) => {
  console.error(`${e.code ?? "ERROR"}: ${e.message}`);
  process.exit(1);
});
