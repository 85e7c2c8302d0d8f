// How a read-only command reaches the host in its own shell: a PowerShell one through
// `powershell -NoProfile -NonInteractive -Command`, quoted as one word so its text is data to the
// login shell; an sh one as written. Shared by the version probe (server/installed.ts) and the
// host checks preview runs (precheck.ts), so both reach a Windows host the same way.
import { quote } from "../quote";
import { RemoteHost } from "../transport/remoteHost";
import { Shell } from "./catalog";

/** The command line that runs `c` in its shell (a PowerShell one through powershell -Command). */
export function inItsShell(c: { shell: Shell; command: string }): string {
  return c.shell === "powershell" ? `powershell -NoProfile -NonInteractive -Command ${quote(c.command)}` : c.command;
}

/** A read-only command, run as root in its shell. */
export function readOnHost(host: RemoteHost, c: { shell: Shell; command: string }) {
  return host.exec(inItsShell(c), { sudo: true });
}
