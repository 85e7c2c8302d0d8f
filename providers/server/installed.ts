// Reading the installed version on the host, from the source engine/planning/installedVersion.ts chooses:
// the documented probe, or the site's versionCommand (its output checked as a version, never shown),
// else the version upchain tracks for the server, else the stack's `current`.
//
// Where the tracked version lives: Pulumi's state holds it as the Server's installedVersion output,
// but Pulumi hands a provider's check (preview) only the old inputs, never the old outputs. So the
// provider also keeps it beside the server's journal on the host (upchain's own state directory,
// like the journal and the lock: no product file), where preview and every run read it.
import { Catalog, PlanContext, Shell, probedVersion } from "../engine/planning/catalog";
import { VersionSource, VersionSources, noVersionSourceProblem, readSiteVersion, readsTheHost, versionSource } from "../engine/planning/installedVersion";
import { UpchainError } from "../errors";
import { quote } from "../quote";
import { RemoteHost } from "../transport/remoteHost";
import { DEFAULT_STATE_DIR } from "../engine/running/executor";
import { readOnHost } from "../engine/readOnHost";

const sudoRefused = (host: RemoteHost, stderr: string) =>
  new UpchainError("SUDO_REQUIRED", `${host.label}: reading the installed version needs root, and sudo said: ${stderr.trim().slice(0, 300)}`, [
    "connection",
    "user",
  ]);

/** The version the catalog's documented probe reads; the product must be there. */
export async function probeInstalled(host: RemoteHost, catalog: Catalog, ctx: PlanContext): Promise<string> {
  if (!catalog.probeVersion) throw new Error(`catalog ${catalog.product} has no documented version probe`);
  const p = catalog.probeVersion(ctx);
  const r = await readOnHost(host, p);
  if (r.code !== 0 && /sudo/.test(r.stderr)) throw sudoRefused(host, r.stderr);
  const found = probedVersion(p, r.stdout);
  if (r.code !== 0 || !found) {
    throw new UpchainError(
      "UNKNOWN_VERSION",
      `${host.label}: no ${catalog.title} installation found (${p.command} printed nothing). upchain adopts servers that already run ${catalog.title}; it never installs from nothing.`,
      ["connection", "host"],
    );
  }
  return found;
}

/**
 * The version a run's last exec read with the documented probe (engine/running/runEnd.ts), checked as
 * probeInstalled checks it; undefined when it cannot stand for probeInstalled's own read (another
 * source, a probe that failed or printed nothing): the caller then reads the host as before.
 */
export function versionReadAtEnd(
  catalog: Catalog,
  ctx: PlanContext,
  sources: VersionSources,
  read: { code: number; stdout: string } | undefined,
): string | undefined {
  const source = versionSource(catalog, ctx, sources);
  if (!read || read.code !== 0 || source?.kind !== "document" || source.probe.shell !== "sh") return undefined;
  const found = probedVersion(source.probe, read.stdout);
  return found || undefined;
}

/** The version the site's versionCommand prints, checked as a version of the product's scheme. */
async function readSiteCommand(host: RemoteHost, catalog: Catalog, probe: { shell: Shell; command: string }): Promise<string> {
  const r = await readOnHost(host, probe);
  if (r.code !== 0 && /sudo/.test(r.stderr)) throw sudoRefused(host, r.stderr);
  const read =
    r.code === 0
      ? readSiteVersion(catalog, r.stdout)
      : {
          problem: `exited with status ${r.code} (its output is not shown: run it on the host as root to see why); it must print the installed version and exit 0`,
        };
  if ("problem" in read) throw new UpchainError("UNKNOWN_VERSION", `${host.label}: versionCommand ${read.problem}`, ["versionCommand"]);
  return read.version;
}

/** Where upchain keeps the version a server's last run reached, for a product with no documented source. */
export const trackedPath = (journalName: string, stateDir = DEFAULT_STATE_DIR) => `${stateDir}/${journalName}.installed`;

/** The version upchain tracks for the server on its host; undefined before its first run. */
async function readTracked(host: RemoteHost, catalog: Catalog, journalName: string): Promise<string | undefined> {
  const file = trackedPath(journalName);
  const r = await host.exec(`if [ -e ${quote(file)} ]; then cat -- ${quote(file)}; fi`, { sudo: true });
  if (r.code !== 0) throw new UpchainError("REMOTE_IO_FAILED", `${host.label}: cannot read ${file}: ${r.stderr.trim().slice(0, 300)}`);
  if (r.stdout === "") return undefined;
  const read = readSiteVersion(catalog, r.stdout);
  if ("problem" in read) {
    throw new UpchainError(
      "UNKNOWN_VERSION",
      `${host.label}: ${file}, where upchain tracks the version this server's last run reached, ${read.problem.replace(/; it must .*/, "")}: someone changed it. ` +
        `Nothing was run. Give versionCommand so that upchain reads the version, or move the file aside and give current (the version the server runs today).`,
      ["versionCommand"],
    );
  }
  return read.version;
}

/** Keep the version a run reached, for the next preview and run (written whole, root-only). */
export async function writeTracked(host: RemoteHost, journalName: string, version: string, stateDir = DEFAULT_STATE_DIR): Promise<void> {
  // a server adopted where it already is has had no run yet: nothing made the state folder (0700, as the lock makes it)
  const made = await host.exec(`umask 077; mkdir -p -- ${quote(stateDir)}`, { sudo: true });
  if (made.code !== 0) throw new UpchainError("REMOTE_IO_FAILED", `${host.label}: cannot create ${stateDir}: ${made.stderr.trim().slice(0, 300)}`);
  await host.writeFile(trackedPath(journalName, stateDir), version + "\n", 0o600);
}

/**
 * The installed version and where it came from; a server with no source at all is refused.
 * `sources.tracked` is the Pulumi state's installedVersion where the caller has it (update, refresh):
 * the copy on the host, written by the last run, wins over it.
 */
export async function findInstalled(
  host: RemoteHost,
  catalog: Catalog,
  ctx: PlanContext,
  sources: VersionSources,
  journalName: string,
): Promise<{ version: string; source: VersionSource }> {
  const first = versionSource(catalog, ctx, sources);
  if (first?.kind === "document") return { version: await probeInstalled(host, catalog, ctx), source: first };
  if (first?.kind === "site") return { version: await readSiteCommand(host, catalog, first.probe), source: first };
  // no run ever keeps a version on a Windows host: the executor refuses PowerShell plans (engine/running/executor.ts)
  const tracked = (ctx.platform === "windows" ? undefined : await readTracked(host, catalog, journalName)) ?? sources.tracked;
  const source = versionSource(catalog, ctx, { ...sources, tracked });
  if (!source || readsTheHost(source)) {
    const p = noVersionSourceProblem(catalog);
    throw new UpchainError("INVALID_INPUT", `${p.path}: ${p.message}`, [p.path]);
  }
  return { version: source.version, source };
}
