// What 004 does to an Oracle home without giving the command, so the site gives it
// (options.homeCommands, no defaults). Read line by line, 004 says:
// - OPMN must be stopped before the Upgrade Assistant (l.87) and the upgraded instance is started
//   after the manual tasks (l.444, l.447: 「中間層インスタンスを起動するには、次の手順を実行します。」, the
//   steps themselves are not in the chapter); its only OPMN command is `opmnctl startproc
//   ias-component=WebCache` (l.315). `opmnctl startall`, `stopall` and `status` are not in it.
// - The EM Web Site is stopped with `emctl stop` (l.32, l.36); nothing says how to tell whether it runs
//   (`emctl status` is not in it) or how to start it again (`emctl start` is not either: only the
//   10.1.2 console's `emctl start iasconsole`, l.519).
// - The Reports server's original name is in rwservlet.properties (l.371-372), without its key.
// Each command runs in the platform's shell (sh on the Linux stand-in, PowerShell on Windows) with
// ORACLE_HOME set to the home it acts on, so one line serves the source and the destination alike.
import { z } from "zod";
import { Hop } from "../../engine/planning/catalog";
import { command, strictOptions } from "../../options/schema";
import { quote } from "../../quote";
import type { OracleAsOptions } from "./optionTypes";
import { TARGET, hasEmWebSite } from "./rules";

/** Each command: what it must do, as the schema and preview's refusals say it. */
export const HOME_COMMANDS = {
  start: "starts OPMN and every process it manages in $ORACLE_HOME, failing when they do not start",
  stop: "stops OPMN and every process it manages in $ORACLE_HOME, succeeding once they are stopped, also when nothing ran",
  emRunning: "read-only: succeeds while the Enterprise Manager Web Site of $ORACLE_HOME runs and fails while it does not",
  emStart: "starts the Enterprise Manager Web Site of $ORACLE_HOME",
  reportsServerName: "read-only: prints the Reports server's original name, read from $ORACLE_HOME's reports/conf/rwservlet.properties",
} as const;
export type HomeCommand = keyof typeof HOME_COMMANDS;

export const homeCommandsSchema = strictOptions(
  Object.fromEntries(Object.entries(HOME_COMMANDS).map(([k, what]) => [k, command(`a command that ${what}`).optional()])) as Record<
    HomeCommand,
    z.ZodOptional<ReturnType<typeof command>>
  >,
  `an object of the site's commands (${Object.keys(HOME_COMMANDS).join(", ")})`,
).default({});

export const homeCommandField = (k: HomeCommand) => `options.homeCommands.${k}`;

/** Why a hop needs each command: 004's words for what it does without a command. Only those the hop runs. */
export function homeCommandsNeeded(o: Partial<OracleAsOptions>, hop: Hop): { key: HomeCommand; why: string }[] {
  const needs: { key: HomeCommand; why: string }[] = [
    {
      key: "stop",
      why: "stops OPMN in the homes before the hop changes them (004: 「OracleAS Upgrade Assistantを起動する前に、OPMNを停止する必要があります。」, OPMN must be stopped before the Upgrade Assistant) and 004 gives no command for it",
    },
    {
      key: "start",
      why: "starts the homes it stopped, the upgraded one after the manual tasks (004: 「アップグレードされた中間層インスタンスを起動できます」, the upgraded instance can be started) and 004 gives no command for it",
    },
  ];
  if (hasEmWebSite(hop.from)) {
    needs.push(
      {
        key: "emRunning",
        why: `stops the ${hop.from} Enterprise Manager Web Site only if it runs, and starts it again afterwards only if it ran; 004 gives emctl stop but no way to tell whether it runs`,
      },
      {
        key: "emStart",
        why: `starts the ${hop.from} Enterprise Manager Web Site again when it ran before (after the patch set, or after a failed hop); 004 gives emctl stop but no command that starts it`,
      },
    );
  }
  if (hop.to === TARGET && (o.components ?? []).includes("reports")) {
    needs.push({
      key: "reportsServerName",
      why: "puts the Reports server's original name back in targets.xml; 004 says the name is in rwservlet.properties (l.371-372) but not under which key",
    });
  }
  return needs;
}

/** sh: the site's command in a subshell with ORACLE_HOME set (`home` already quoted, or a "$var"). Its own exit ends only the subshell. */
export const inHomeSh = (home: string, cmd: string) => `(ORACLE_HOME=${home}; export ORACLE_HOME\n${cmd}\n)`;
export const inHomeShQuoted = (home: string, cmd: string) => inHomeSh(quote(home), cmd);

/**
 * PowerShell: the site's command with $env:ORACLE_HOME set (`home` a PowerShell expression), failing
 * the step when it throws or when the last native command it ran exited non-zero.
 */
export const inHomePs = (home: string, cmd: string, field: string) =>
  `$env:ORACLE_HOME = ${home}; $global:LASTEXITCODE = 0; & {\n${cmd}\n}; if ($global:LASTEXITCODE -ne 0) { throw ('${field} exited ' + $global:LASTEXITCODE) }`;

/**
 * PowerShell: $true when the site's read-only command succeeds with $env:ORACLE_HOME set, $false when
 * it throws or its last native command exits non-zero. Its output and errors are not shown; in a
 * scope that continues, as a native tool's redirected stderr is an error record in Windows PowerShell.
 */
export const inHomePsSucceeds = (home: string, cmd: string) =>
  `(& { $ErrorActionPreference = 'Continue'; $env:ORACLE_HOME = ${home}; $global:LASTEXITCODE = 0; try { & {\n${cmd}\n} 2>&1 | Out-Null; $global:LASTEXITCODE -eq 0 } catch { $false } })`;
