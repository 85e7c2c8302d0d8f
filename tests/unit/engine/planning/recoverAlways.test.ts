// After a failed restore, nothing is put back in service (issue 19): the executor then runs only the
// recovery steps marked `always` (executorRecovery.test.ts), so every such step of every catalog, on
// every chain its guide shows and for a cluster's members, must be one that is safe beside a
// half-restored server: a setting put back, a stop, a pool left, a notice. The list below names each
// and why; a step that starts a service, returns a member to a pool or ends a maintenance page must
// not be `always`, and a new `always` step fails here until it is judged and listed.
import * as assert from "assert";
import { getCatalog } from "../../../../providers/catalogs";
import { oracleAs } from "../../../../providers/catalogs/oracleAs";
import { stepOfAction } from "../../../../providers/engine/planning/catalog";
import { clusterMember } from "../../../../providers/engine/planning/clusterMember";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { exampleOptions, recipeRequests } from "../../../../providers/recipeTable";
import { RECIPE_EXAMPLES, RECIPE_READMES, regenerated } from "../../../../scripts/recipes";
import { repoRoot } from "../../../support/pulumi";

const SAFE_AFTER_A_FAILED_RESTORE: Record<string, string> = {
  "recover-autostart": "puts the automatic start setting back (starts nothing)",
  "recover-stop-destination": "stops the new home, which may not run beside the source",
  "notify-end": "tells the users the update stopped",
  "pool-recover-old-only": "takes the upgraded members out of the old release's pools",
};

describe("after a failed restore nothing is put back in service: the `always` recovery steps", () => {
  for (const product of Object.keys(RECIPE_READMES)) {
    it(`${product}: on every chain of its guide, each is one that is safe beside a half-restored server`, () => {
      const catalog = getCatalog(product);
      const seen = new Set<string>();
      for (const r of recipeRequests(regenerated(repoRoot, product).before)) {
        const options = exampleOptions(r, RECIPE_EXAMPLES[product]);
        const releases = r.releases ?? catalog.releasesBetween?.(r.from, r.to);
        const plan = planUpgrade(catalog, { installed: r.from, target: r.to, platform: r.platform, releases, options });
        for (const hop of plan.hops) {
          for (const s of catalog.recoverSteps?.(hop, { platform: r.platform, releases: releases ?? [], options }) ?? []) {
            if (!s.always) continue;
            seen.add(s.id);
            assert.ok(
              SAFE_AFTER_A_FAILED_RESTORE[s.id],
              `${product} ${r.platform} ${hop.from} -> ${hop.to}: ${s.id} ("${s.title}") runs after a failed restore`,
            );
          }
        }
      }
      if (product === "altazion-office") assert.ok(seen.has("notify-end"), "the check saw the guide's notice example");
    });
  }

  it("a Web Cache cluster member: after a failed restore it stays out of every pool; only the upgraded members leave the old release's pools", () => {
    const members = ["wc1", "wc2", "wc3"];
    for (const member of members) {
      const catalog = clusterMember(oracleAs, oracleAs.cluster!.policy, {
        members,
        member,
        backends: { traffic: "web", invalidation: "purge" },
        target: "10.1.2",
        drainSeconds: 5,
      });
      const ctx = { platform: "linux" as const, releases: ["9.0.2.3", "10.1.2"], options: { webCacheMember: true } };
      const plan = planUpgrade(catalog, { installed: "9.0.2.3", target: "10.1.2", platform: "linux", releases: ctx.releases, options: ctx.options });
      const recover = catalog.recoverSteps!(plan.hops[0], ctx);
      const always = recover.filter((s) => s.always);
      for (const s of always) assert.ok(SAFE_AFTER_A_FAILED_RESTORE[s.id], `${member}: ${s.id}`);
      // the member is never returned to a pool it left for its upgrade (pool-before's states)
      const during = stepOfAction(
        plan.steps.find((s) => s.id === "pool-before")!,
        "pool",
      ).pools;
      for (const s of always.filter((x) => x.action === "pool")) {
        for (const [backend, states] of Object.entries(stepOfAction(s, "pool").pools)) {
          if (during[backend]?.[member] !== "ready") assert.notStrictEqual(states[member], "ready", `${member} ${s.id} ${backend}`);
        }
      }
      assert.ok(
        recover.some((s) => s.id === "pool-recover" && !s.always),
        `${member}: back in its pools only after a restore that worked`,
      );
    }
  });
});
