// Runs one executePlan in its own process, so a test can kill it mid-step like a killed `pulumi up`.
import { counter } from "./counterCatalog";
import { planUpgrade } from "../../providers/engine/planner";
import { executePlan } from "../../providers/engine/executor";
import { connectSsh } from "../../providers/transport/ssh";

async function main() {
  const args = JSON.parse(process.argv[2]);
  const host = await connectSsh(args.connection);
  const req = { installed: args.from, target: args.to, platform: "linux" as const };
  const plan = planUpgrade(counter, req);
  const r = await executePlan({ host, catalog: counter, plan, ctx: { platform: "linux", releases: counter.defaultReleases, options: {} }, resource: "counter", pollMs: 100, lockStaleSeconds: args.stale ?? 120, log: (l) => console.log(l) });
  console.log(JSON.stringify(r));
  await host.close();
}
main().catch((e) => {
  console.error(`${e.code ?? "ERROR"}: ${e.message}`);
  process.exit(1);
});
