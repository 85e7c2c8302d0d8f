// What a server's host says, for preview, up and refresh alike: whether upchain may work there (as
// root, or a Windows administrator), its runs' journal and lock, and the version it runs now.
import { Platform } from "../engine/planning/catalog";
import { DEFAULT_STATE_DIR } from "../engine/running/executor";
import { Journal, readJournal } from "../engine/running/journal";
import { LockHolder, readLockHolder } from "../engine/running/lock";
import { oneLine } from "../engine/running/progress";
import { readOnHost } from "../engine/readOnHost";
import { UpchainError } from "../errors";
import { RemoteHost } from "../transport/remoteHost";
import { withSsh } from "../transport/ssh";
import { withSharedSsh } from "../transport/sharedConnections";
import { FieldNames, userField } from "./fields";
import { findInstalled } from "./installed";
import { catalogFor, contextOf, sourcesOf } from "./planFromHost";
import { ServerGiven } from "./schema";

/** A host key mismatch names the field where the user pinned the key (fields.ts). */
export const pinnedIn = (fields: FieldNames | undefined, property = "connection.hostKey") => ({ hostKeyField: userField(property, fields) });

/** A login user other than root must become root with `sudo -n`; say what sudo said when it cannot. */
export async function assertRoot(host: RemoteHost, user: string, platform: Platform = "linux"): Promise<void> {
  if (platform === "windows") return assertAdministrator(host, user);
  if (user === "root") return;
  const r = await host.exec("id -u", { sudo: true });
  if (r.code === 0 && r.stdout.trim() === "0") return;
  throw new UpchainError(
    "SUDO_REQUIRED",
    `${host.label}: upchain works as root, and user ${user} cannot become root without a password (sudo said: ${(r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`).slice(0, 300)}). ` +
      `Allow it with a sudoers rule such as "${user} ALL=(root) NOPASSWD: ALL" (visudo -f /etc/sudoers.d/upchain), or connect as root.`,
    ["connection", "user"],
  );
}

/**
 * A Windows login has no sudo: upchain works with the account's own rights, which must be an
 * administrator's (OpenSSH gives a member of Administrators an elevated session).
 */
async function assertAdministrator(host: RemoteHost, user: string): Promise<void> {
  const r = await readOnHost(host, {
    shell: "powershell",
    command:
      "([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)",
  });
  if (r.code === 0 && r.stdout.trim() === "True") return;
  throw new UpchainError(
    "SUDO_REQUIRED",
    `${host.label}: upchain works as an administrator, and the Windows user ${user} is not one in its SSH session (PowerShell said: ${(r.stdout.trim() || r.stderr.trim() || `exit ${r.code}`).replace(/[^\x20-\x7e]/g, "?").slice(0, 200)}). ` +
      `Connect as a member of the local Administrators group (OpenSSH gives it an elevated session), or add ${user} to that group.`,
    ["connection", "user"],
  );
}

/**
 * The journal and the lock of this server's runs. None on Windows: the executor refuses to run a
 * PowerShell plan (engine/running/executor.ts), so no run ever leaves either there, and their reads are sh.
 */
export async function readRunState(h: RemoteHost, platform: Platform, journalName: string): Promise<[Journal | undefined, LockHolder | undefined]> {
  if (platform === "windows") return [undefined, undefined];
  const [journal, holder] = await Promise.all([readJournal(h, DEFAULT_STATE_DIR, journalName), readLockHolder(h, DEFAULT_STATE_DIR)]);
  return [journal && withPrintableFailure(journal), holder];
}

/**
 * A failed restore's fields are the host's text, quoted in messages (restorePending) and kept in the
 * state (read's failedRestore): each becomes one printable line, so that none can clear the screen,
 * write the clipboard, or add lines of advice that seem to be upchain's.
 */
function withPrintableFailure(j: Journal): Journal {
  if (!j.failure) return j;
  const f = j.failure;
  return { ...j, failure: { hop: oneLine(f.hop), step: oneLine(f.step), restorePoint: oneLine(f.restorePoint), why: oneLine(f.why) } };
}

/** What the host runs after a failed run (its hop restored), for the state; throws when it cannot be read. */
export async function installedAfterFailure({ server: s, connection }: ServerGiven, tracked: string | undefined): Promise<string> {
  const catalog = catalogFor(s);
  return withSharedSsh(
    connection,
    async (h) => (await findInstalled(h, catalog, contextOf(catalog, s), sourcesOf(s, tracked), s.journalName ?? s.product)).version,
    pinnedIn(s.fields),
  );
}

/** What refresh reads: the installed version (a server whose version is the state's keeps it), and a failed restore, shown as drift with where its restore point is. */
export async function readBack(
  { server: s, connection }: ServerGiven,
  tracked: string | undefined,
): Promise<{ installedVersion: string; failedRestore?: Record<string, unknown> }> {
  const catalog = catalogFor(s);
  const journalName = s.journalName ?? s.product;
  const [installedVersion, pending] = await withSsh(
    connection,
    async (h) =>
      [
        (await findInstalled(h, catalog, contextOf(catalog, s), sourcesOf(s, tracked), journalName)).version,
        (await readRunState(h, s.platform, journalName))[0],
      ] as const,
    pinnedIn(s.fields),
  );
  const failedRestore = pending?.status === "restore-failed" ? { run: pending.run, ...pending.failure } : undefined;
  return { installedVersion, ...(failedRestore ? { failedRestore } : {}) };
}
