// A command the site gives in the stack (options.databaseBackup, ...), run as root in sh inside the
// step's script. Its text goes into the script itself, never onto a command line, so whatever it
// holds does not show in the host's process list.
import { sitePlaceholder } from "../../engine/planning/provenance";
import { quote as q } from "../../quote";

/** The site's command in a subshell, from /, with the restore point's folder in UPCHAIN_BACKUP_DIR; a placeholder that fails when not given. */
export function siteCommand(command: string | undefined, field: string, backup: string): string {
  return `(\nexport UPCHAIN_BACKUP_DIR=${q(backup)}\ncd /\n${command ?? `echo ${q(`${sitePlaceholder(field)} is not given`)} >&2; exit 1`}\n)`;
}
