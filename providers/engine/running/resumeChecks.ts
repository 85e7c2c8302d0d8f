// Before anything runs: what the journal on the host says about this resource (nothing pending, a run
// to resume, a failure the operator must clear), and whether the host is still where the plan or the
// interrupted run left it. Each refusal says what was found and what to do.
import { UpchainError } from "../../errors";
import { VersionProbe, probedVersion } from "../planning/catalog";
import { Journal, planDigest } from "./journal";
import { JournalStore } from "./journalStore";
import { hopLabel, hopName } from "../planning/planner";
import { ExecuteOptions } from "./run";

/**
 * What the journal on the host says about this resource, decided before anything runs: nothing
 * pending (undefined), or a running journal that names exactly `options.plan` (resume it). A failed
 * restore refuses every run until the operator clears it; a journal for another plan is refused.
 */
export async function settleJournal(
  options: ExecuteOptions,
  store: JournalStore,
  journal: Journal | undefined,
  log: (l: string) => void,
): Promise<Journal | undefined> {
  if (!journal) return undefined;
  const { plan } = options;
  const file = store.where;
  const clear = async (why: string, suffix: string) => {
    await store.archive(journal.run, suffix);
    log(`cleared run ${journal.run} (${why}) as asked by clearRun; its journal is in ${store.history}`);
    return undefined;
  };
  if (journal.status === "restore-failed") {
    if (options.clearRun === journal.run) return clear("its restore had failed", ".cleared");
    throw restorePending(file, journal);
  }
  if (journal.status !== "running") {
    // a finished run killed between its last write and the archive
    await store.archive(journal.run);
    return undefined;
  }
  if (options.clearRun === journal.run) return clear("interrupted, abandoned", ".abandoned");
  const digest = planDigest(plan);
  if (
    journal.product !== plan.product ||
    journal.from !== plan.from ||
    journal.to !== plan.to ||
    journal.planDigest !== digest ||
    journal.steps !== plan.steps.length
  ) {
    throw new UpchainError(
      "JOURNAL_INVALID",
      `the journal ${file} names interrupted run ${journal.run} (${journal.product} ${journal.from} -> ${journal.to}, plan ${journal.planDigest.slice(0, 12)}), but from this stack ` +
        `that chain plans as ${plan.product} ${plan.from} -> ${plan.to}, plan ${digest.slice(0, 12)}: the stack's options or releases changed ` +
        `since the run was interrupted, or the file was altered. upchain resumes only the exact plan it started, and nothing was run. ` +
        `Put the stack back as it was for that run; or, after checking the host by hand, set clearRun: "${journal.run}" on this server to abandon the run.`,
    );
  }
  return journal;
}

/** The version probe the run checks the host with: the catalog's, else the site's; only a POSIX one runs. */
export function shProbe(options: ExecuteOptions): VersionProbe | undefined {
  const probe = options.catalog.probeVersion?.(options.ctx) ?? options.versionProbe;
  return probe?.shell === "sh" ? probe : undefined;
}

/** What the probe answered: its exit status and stdout. */
export type ProbeAnswer = { code: number | null; stdout: string };

/**
 * The plan was made before the lock was taken: if another run changed the server meanwhile (it held
 * the lock while this one waited), the plan no longer starts from what is installed.
 */
export async function assertStillAt(options: ExecuteOptions, read?: ProbeAnswer): Promise<void> {
  if (!options.plan.hops.length) return;
  // without a probe (the version is the state's), the lock alone keeps runs apart
  const probe = shProbe(options);
  if (!probe) return;
  const answer = read ?? (await options.host.exec(probe.command, { sudo: true }));
  const now = options.catalog.scheme.normalize(probedVersion(probe, answer.stdout));
  if (answer.code === 0 && now === options.plan.from) return;
  throw new UpchainError(
    "LOCKED",
    `${options.host.label}: another upchain run changed ${options.resource} while this run waited for its lock: the plan starts from ${options.plan.from}, ` +
      `but the server now reports ${now ?? JSON.stringify(answer.stdout.trim().slice(0, 40))}. Nothing was run; run pulumi up again to plan from what is there now.`,
  );
}

/**
 * A resumed run goes on only on a host that is on one side or the other of the hop its journal points
 * at (or between them: a suite updated module by module, a vendor's intermediate state). A host past
 * the hop's target, or behind its source, was changed by someone else since, say a run that lost its
 * lock and finished the chain, or a person: resuming would redo a finished hop and "restore" it over
 * a newer version. A version that cannot be read (a product stopped mid-hop) says nothing either way.
 */
export async function assertOnHop(options: ExecuteOptions, journal: Journal, read?: ProbeAnswer): Promise<void> {
  const { plan, catalog } = options;
  const step = plan.steps[Math.min(journal.inFlight?.index ?? journal.next, plan.steps.length - 1)];
  const hop = step && plan.hops.find((h) => hopLabel(h) === step.hop);
  const probe = shProbe(options);
  if (!hop || !probe) return;
  const answer = read ?? (await options.host.exec(probe.command, { sudo: true }).catch(() => undefined));
  const now = answer?.code === 0 ? catalog.scheme.normalize(probedVersion(probe, answer.stdout)) : undefined;
  if (now === undefined || (catalog.scheme.compare(now, hop.from) >= 0 && catalog.scheme.compare(now, hop.to) <= 0)) return;
  throw new UpchainError(
    "JOURNAL_INVALID",
    `${options.host.label}: the journal names interrupted run ${journal.run} at hop ${hopName(catalog, plan, step.hop)}, but the server now reports ${now}, ` +
      `on neither side of that hop: something else changed it since (a run that lost its lock, or a person). Resuming would redo a hop the server is not on, ` +
      `so nothing was run. Check the server by hand; then set clearRun: "${journal.run}" on this server to abandon that run, and run pulumi up again to plan from ${now}.`,
  );
}

/** The refusal while a run's failed restore waits for the operator (its journal says restore-failed). */
export function restorePending(file: string, journal: Journal): UpchainError {
  const f = journal.failure;
  return new UpchainError(
    "RESTORE_FAILED",
    `the journal ${file} records that run ${journal.run} failed at ${f ? `step ${f.step} of hop ${f.hop}` : "a step"} and that restoring the hop's restore point ` +
      `failed too${f ? ` (${f.why})` : ""}. The restore point is kept: ${f?.restorePoint ?? "see the hop's backup step"}. upchain runs nothing on this ` +
      `server until you have restored it by hand and set clearRun: "${journal.run}" on this server (then remove it again).`,
  );
}
