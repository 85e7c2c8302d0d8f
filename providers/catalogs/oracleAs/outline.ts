// The document's steps for each hop, once: their order, ids, titles and which of them change the
// server. Each platform (linux.ts, windows.ts) renders only the commands, so the two never disagree
// on the order the document prescribes.
import { Hop, Shell, Step } from "../../engine/planning/catalog";
import { Provenance } from "../../engine/planning/provenance";
import { OracleAsOptions } from "./options";
import { DONE, PostUpgradeTask, applicableTasks, taskField } from "./postUpgrade";
import { PATCH_SET, PATCH_SET_NUMBER, TARGET, hasEmWebSite } from "./rules";
import { SOURCE } from "./sources";

/** One platform's commands for one hop. */
export interface OracleAsCommands {
  shell: Shell;
  /** Where the EM Web Site's running state (and the home it ran in) is kept from its stop to the end of the hop (shown in titles). */
  emSaved: string;
  /** The site's infrastructureCheck, run as given. */
  checkInfrastructure: string[];
  installDestination: string[];
  stopEmWebSite: string[];
  stopOpmn: string[];
  backup: string[];
  applyPatchSet: string[];
  /** Linux: the file the JVM edit changes (the executor edits it); Windows: the script itself. */
  jvmHeap: { file: string; commands: string[] };
  upgradeAssistant: string[];
  checkSsl: string[];
  reports: { file: string; valueCommand: string; commands: string[] };
  /** The two library entries 004 gives, added to the site's application.xml when missing. */
  jaznLibraryPaths: (applicationXml: string) => string[];
  /** A task confirmed done by the stack: a line that says so (nothing is changed). */
  confirmed: (field: string) => string[];
  startAtBoot: { file: string; value: string; commands: string[] };
  startSource: string[];
  startDestination: string[];
  startEmWebSite: string[];
  startWebCache: string[];
  startConsole: string[];
  consolePort: string[];
  verify: string[];
  leaveFarm: string[];
  restoreSource: string[];
  stopDestination: string[];
}

const step = (c: OracleAsCommands, id: string, action: Step["action"], title: string, commands: string[], provenance: Provenance, destructive = false): Step =>
  ({
    id,
    action,
    title,
    shell: c.shell,
    commands,
    destructive,
    provenance,
  }) as Step;

/** The site's infrastructureCheck as a step, or none when the middle tier uses no Infrastructure. */
function infrastructureStep(o: OracleAsOptions, c: OracleAsCommands, why: string): Step[] {
  if (o.infrastructureCheck === "none") return [];
  return [
    step(
      c,
      "check-infrastructure",
      "run",
      `Check that the Infrastructure this middle tier uses is up and reachable (options.infrastructureCheck)${why}`,
      c.checkInfrastructure,
      SOURCE.checkInfrastructure,
    ),
  ];
}

/** 9.0.2.x -> 9.0.2.3: the patch set in place on the source home, everything stopped around it. */
export function patchSetSteps(o: OracleAsOptions, hop: Hop, c: OracleAsCommands): Step[] {
  return [
    ...infrastructureStep(o, c, ""),
    step(
      c,
      "stop-em-web-site",
      "run",
      `Stop the Enterprise Manager Web Site of ${o.sourceHome}, which must hold the active Enterprise Manager (noting whether it ran, options.homeCommands.emRunning, in ${c.emSaved})`,
      c.stopEmWebSite,
      SOURCE.stopEmWebSite,
    ),
    step(c, "stop-opmn", "run", `Stop OPMN and every process it manages in ${o.sourceHome} (options.homeCommands.stop)`, c.stopOpmn, SOURCE.stopForPatchSet),
    step(
      c,
      "backup",
      "backup",
      `Back up ${o.sourceHome} and the start-at-boot settings (the restore point for ${hop.from} -> ${hop.to})`,
      c.backup,
      SOURCE.backup,
    ),
    step(
      c,
      "apply-patch-set",
      "run",
      `Apply the ${PATCH_SET} patch set (${PATCH_SET_NUMBER}) to ${o.sourceHome} (options.installers.patchSet)`,
      c.applyPatchSet,
      SOURCE.applyPatchSet,
      true,
    ),
    step(c, "start-source", "run", `Start ${o.sourceHome} (options.homeCommands.start)`, c.startSource, SOURCE.startSourceAgain),
    step(
      c,
      "start-em-web-site",
      "run",
      "Start the Enterprise Manager Web Site again if it ran before (options.homeCommands.emStart)",
      c.startEmWebSite,
      SOURCE.startEmAgain,
    ),
    step(c, "verify", "verify", `Check that ${o.sourceHome} answers on its HTTP port ${o.httpPort}`, c.verify, SOURCE.verifyPatchSet),
  ];
}

/** One step per applicable manual post-upgrade task: the site's command, upchain's jazn edit, or the stack's confirmation. */
function postUpgradeSteps(o: OracleAsOptions, hop: Hop, c: OracleAsCommands): Step[] {
  return applicableTasks(hop.from, o.components ?? []).map((t: PostUpgradeTask) => {
    const answer = o.postUpgradeTasks[t.id];
    const id = `post-upgrade-${t.id}`;
    const field = taskField(t.id);
    if (answer === undefined) return step(c, id, "run", `Post-upgrade task (${t.component}): ${t.what} — ${field} is not given`, [], t.source);
    if (answer === DONE)
      return step(c, id, "run", `Post-upgrade task (${t.component}): ${t.what} — done by hand (${field}: "${DONE}")`, c.confirmed(field), t.source);
    if (typeof answer === "object")
      return step(
        c,
        id,
        "run",
        `Post-upgrade task (${t.component}): ${t.what} — in ${answer.applicationXml}`,
        c.jaznLibraryPaths(answer.applicationXml),
        t.source,
        true,
      );
    return step(c, id, "run", `Post-upgrade task (${t.component}): ${t.what} — by the site's command (${field})`, [answer], t.source, true);
  });
}

/** 9.0.2.3 / 9.0.3 / 9.0.4 -> 10.1.2: a new home beside the source, then the Upgrade Assistant. */
export function sideBySideSteps(o: OracleAsOptions, hop: Hop, c: OracleAsCommands): Step[] {
  const dest = o.destinationHome ?? "(options.destinationHome)";
  const steps: Step[] = [
    ...infrastructureStep(o, c, " before anything stops (the Upgrade Assistant's examine phase fails otherwise)"),
    step(
      c,
      "install-destination",
      "run",
      `Install the ${TARGET} middle tier into ${dest} (options.installers.destination; skipped when ${dest} already holds an earlier attempt's Upgrade Assistant)`,
      c.installDestination,
      SOURCE.installDestination,
    ),
  ];
  if (hasEmWebSite(hop.from)) {
    steps.push(
      step(
        c,
        "stop-em-web-site",
        "run",
        `Stop the Enterprise Manager Web Site of ${o.sourceHome}, which must hold the active Enterprise Manager: the Upgrade Assistant leaves it running for a ${hop.from} source (noting whether it ran, options.homeCommands.emRunning, in ${c.emSaved})`,
        c.stopEmWebSite,
        SOURCE.stopEmWebSite,
      ),
    );
  }
  steps.push(
    step(
      c,
      "stop-opmn",
      "run",
      `Stop OPMN in both homes, ${o.sourceHome} and ${dest} (options.homeCommands.stop; they use the same ports, and the Upgrade Assistant fails while OPMN runs)`,
      c.stopOpmn,
      SOURCE.stopOpmn,
    ),
    step(
      c,
      "backup",
      "backup",
      `Back up ${o.sourceHome} and the start-at-boot settings (the restore point for ${hop.from} -> ${hop.to})`,
      c.backup,
      SOURCE.backup,
    ),
  );
  if (o.oc4jMaxHeap) {
    steps.push({
      ...step(
        c,
        "oc4j-jvm-heap",
        "edit",
        `Raise the Upgrade Assistant's OC4J JVM heap to -Xmx${o.oc4jMaxHeap} in ${c.jvmHeap.file}`,
        c.jvmHeap.commands,
        SOURCE.jvmHeap,
        true,
      ),
      ...(c.shell === "sh" ? { file: c.jvmHeap.file, edit: "jvm-max-heap", value: o.oc4jMaxHeap } : { action: "run" as const }),
    });
  }
  steps.push(
    step(
      c,
      "upgrade-assistant",
      "run",
      `Run the Upgrade Assistant: iasua -sourcehome ${o.sourceHome} (on failure, the component it stopped at is named from this run's part of upgrade/log/iasua.log)`,
      c.upgradeAssistant,
      SOURCE.upgradeAssistant,
      true,
    ),
    step(
      c,
      "check-ssl",
      "run",
      "Check SSL: opmn.xml's start-mode and httpd.conf's LoadModule ossl_module (inside <IfDefine SSL>) agree, and SSL on in the source stays on",
      c.checkSsl,
      SOURCE.checkSsl,
    ),
  );
  // 004 l.363: after Reports Services is upgraded (the middle tier has Reports: options.components)
  if ((o.components ?? []).includes("reports")) {
    steps.push({
      ...step(
        c,
        "reports-server-name",
        "edit",
        "Put the Reports server's original name back in targets.xml (the name as options.homeCommands.reportsServerName reads it from rwservlet.properties)",
        c.reports.commands,
        SOURCE.reportsServerName,
        true,
      ),
      ...(c.shell === "sh" ? { file: c.reports.file, edit: "reports-server-name", valueCommand: c.reports.valueCommand } : { action: "run" as const }),
    });
  }
  steps.push(
    ...postUpgradeSteps(o, hop, c),
    {
      ...step(
        c,
        "start-at-boot",
        "edit",
        `Start ${dest} at boot instead of ${o.sourceHome} (they use the same ports)`,
        c.startAtBoot.commands,
        SOURCE.startAtBoot,
        true,
      ),
      ...(c.shell === "sh" ? { file: c.startAtBoot.file, edit: "oratab-start-at-boot", value: c.startAtBoot.value } : { action: "run" as const }),
    },
    step(
      c,
      "start-destination",
      "run",
      `Start ${dest} (options.homeCommands.start), now that the Upgrade Assistant and every post-upgrade task are done`,
      c.startDestination,
      SOURCE.startDestination,
    ),
  );
  if (o.webCacheMember) {
    steps.push(
      step(
        c,
        "web-cache-start",
        "run",
        "Start Web Cache's cache and administration server processes (opmnctl startproc ias-component=WebCache)",
        c.startWebCache,
        SOURCE.startWebCache,
      ),
      step(
        c,
        "web-cache-propagate",
        "run",
        'Propagate the configuration to the cluster: Web Cache Manager\'s "Propagate Configuration" (options.webCache.propagateCommand)',
        o.webCache.propagateCommand ? [o.webCache.propagateCommand] : [],
        SOURCE.propagate,
      ),
    );
  }
  steps.push(step(c, "verify", "verify", `Check that the Oracle HTTP Server of ${dest} answers on port ${o.httpPort}`, c.verify, SOURCE.verify));
  // after the verify: a failure here warns and is recorded, it never rolls the verified upgrade back
  steps.push(
    step(
      c,
      "start-console",
      "run",
      "Start the 10.1.2 Application Server Control console (emctl start iasconsole), for 004's own check of the components",
      c.startConsole,
      SOURCE.startConsole,
    ),
    step(
      c,
      "report-console-port",
      "run",
      `Report the console's port from targets.xml's StandaloneConsoleURL (${hop.from.startsWith("9.0.4") ? "a 9.0.4 source keeps its port, 1810 by default" : "1810 becomes 1812 after a 9.0.2 or 9.0.3 source"}; portlist.ini keeps the installer's values, as 004 says)`,
      c.consolePort,
      SOURCE.consolePort,
    ),
  );
  if (o.decommissionSource)
    steps.push(
      step(c, "leave-farm", "run", `Take the source instance in ${o.sourceHome} out of its farm (dcmctl leavefarm)`, c.leaveFarm, SOURCE.leaveFarm, true),
    );
  return steps;
}

/** After a failed hop that changed something: the restore point back. */
export function restoreStepsFrom(o: OracleAsOptions, hop: Hop, c: OracleAsCommands): Step[] {
  return [
    step(
      c,
      "restore-source",
      "restore",
      `Put back ${o.sourceHome} (only if it changed) and the start-at-boot settings from the restore point taken before ${hop.to}`,
      c.restoreSource,
      SOURCE.restore,
      true,
    ),
  ];
}

/** After any failed hop: the destination stopped, the source and its EM Web Site running again. */
export function recoverStepsFrom(o: OracleAsOptions, hop: Hop, c: OracleAsCommands): Step[] {
  const steps: Step[] = [];
  if (hop.to === TARGET)
    steps.push({
      ...step(
        c,
        "recover-stop-destination",
        "restore",
        `Stop ${o.destinationHome} (options.homeCommands.stop; it may not run beside the source)`,
        c.stopDestination,
        SOURCE.recoverStopDestination,
      ),
      always: true,
    });
  steps.push(
    step(
      c,
      "recover-start-source",
      "restore",
      `Start ${hop.from} in ${o.sourceHome} again (options.homeCommands.start)`,
      c.startSource,
      SOURCE.startSourceAgain,
    ),
  );
  // only a 9.0.2/9.0.3 source has an EM Web Site the hop stops
  if (hasEmWebSite(hop.from))
    steps.push({
      ...step(
        c,
        "recover-em-web-site",
        "restore",
        "Start the Enterprise Manager Web Site again if it ran before (options.homeCommands.emStart)",
        c.startEmWebSite,
        SOURCE.startEmAgain,
      ),
    });
  return steps;
}
