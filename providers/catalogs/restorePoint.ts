// Restore points on Linux hosts, shared by the catalogs: literal tar names, and an earlier restore
// point moved aside, never deleted.
import { quote as q } from "../quote";

/** GNU tar options that make the names and patterns after them literal (no \ escapes, no wildcards). */
export const TAR_LITERAL = "--no-unquote --no-wildcards";

/**
 * Move an earlier restore point at `dir` aside (to `<dir>.<UTC time>.<pid>`, made 0700) instead of
 * deleting it: after a failed restore it is the only copy of the server as it was.
 */
export function keepEarlier(dir: string): string {
  return `if [ -e ${q(dir)} ]; then aside=${q(dir)}.$(date -u +%Y%m%dT%H%M%SZ).$$; mv -T -- ${q(dir)} "$aside"; chmod 0700 "$aside"; printf 'kept the earlier restore point as %s\\n' "$aside"; fi`;
}
