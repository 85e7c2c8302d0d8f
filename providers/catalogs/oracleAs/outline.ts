// The document's steps for each hop, once: their order, ids, titles and which of them change the
// server. Each platform (linux.ts, windows.ts) renders only the commands, so the two never disagree
// on the order the document prescribes.
import { Hop, Shell, Step } from "../../engine/catalog";
import { OracleAsOptions } from "./options";
import { PATCH_SET, PATCH_SET_NUMBER, TARGET, hasEmWebSite } from "./rules";

/** One platform's commands for one hop. */
export interface OracleAsCommands {
  shell: Shell;
  /** Where the EM Web Site's running state is kept from its stop to the end of the hop (shown in titles). */
  emSaved: string;
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
  checkWallet: string[];
  reports: { file: string; valueCommand: string; commands: string[] };
  startAtBoot: { file: string; value: string; commands: string[] };
  startSource: string[];
  startDestination: string[];
  startEmWebSite: string[];
  webCache: string[];
  verify: string[];
  leaveFarm: string[];
  restoreSource: string[];
  stopDestination: string[];
}

const step = (c: OracleAsCommands, id: string, action: Step["action"], title: string, commands: string[], destructive = false): Step => ({
  id,
  action,
  title,
  shell: c.shell,
  commands,
  destructive,
}) as Step;

/** 9.0.2.x -> 9.0.2.3: the patch set in place on the source home, everything stopped around it. */
export function patchSetSteps(o: OracleAsOptions, hop: Hop, c: OracleAsCommands): Step[] {
  return [
    step(c, "check-infrastructure", "run", "Check that the Infrastructure this middle tier uses is up and reachable (its directory answers)", c.checkInfrastructure),
    step(c, "stop-em-web-site", "run", `Stop the Enterprise Manager Web Site in the active EM home (noting that it ran, in ${c.emSaved})`, c.stopEmWebSite),
    step(c, "stop-opmn", "run", `Stop OPMN and every process it manages in ${o.sourceHome}`, c.stopOpmn),
    step(c, "backup", "backup", `Back up ${o.sourceHome} and the start-at-boot settings (the restore point for ${hop.from} -> ${hop.to})`, c.backup),
    step(c, "apply-patch-set", "run", `Apply the ${PATCH_SET} patch set (${PATCH_SET_NUMBER}) to ${o.sourceHome} (the site's installer)`, c.applyPatchSet, true),
    step(c, "start-source", "run", `Start ${o.sourceHome} (opmnctl startall)`, c.startSource),
    step(c, "start-em-web-site", "run", "Start the Enterprise Manager Web Site again if it ran before", c.startEmWebSite),
    step(c, "verify", "verify", `Check that ${o.sourceHome} reports ${hop.to} and answers on port ${o.httpPort}`, c.verify),
  ];
}

/** 9.0.2.3 / 9.0.3 / 9.0.4 -> 10.1.2: a new home beside the source, then the Upgrade Assistant. */
export function sideBySideSteps(o: OracleAsOptions, hop: Hop, c: OracleAsCommands): Step[] {
  const dest = o.destinationHome ?? "(options.destinationHome)";
  const steps: Step[] = [
    step(c, "check-infrastructure", "run", "Check that the Infrastructure this middle tier uses is up and reachable before anything stops (the Upgrade Assistant's examine phase fails otherwise)", c.checkInfrastructure),
    step(c, "install-destination", "run", `Install the ${TARGET} middle tier into ${dest} (the site's installer; skipped when ${dest} already holds ${TARGET} from an earlier attempt)`, c.installDestination),
  ];
  if (hasEmWebSite(hop.from)) {
    steps.push(step(c, "stop-em-web-site", "run", `Stop the Enterprise Manager Web Site in the active EM home: the Upgrade Assistant leaves it running for a ${hop.from} source (noting that it ran, in ${c.emSaved})`, c.stopEmWebSite));
  }
  steps.push(
    step(c, "stop-opmn", "run", `Stop OPMN in both homes, ${o.sourceHome} and ${dest} (they use the same ports, and the Upgrade Assistant fails while OPMN runs)`, c.stopOpmn),
    step(c, "backup", "backup", `Back up ${o.sourceHome} and the start-at-boot settings (the restore point for ${hop.from} -> ${hop.to})`, c.backup),
  );
  if (o.oc4jMaxHeap) {
    steps.push({
      ...step(c, "oc4j-jvm-heap", "edit", `Raise the Upgrade Assistant's OC4J JVM heap to -Xmx${o.oc4jMaxHeap} in ${c.jvmHeap.file}`, c.jvmHeap.commands, true),
      ...(c.shell === "sh" ? { file: c.jvmHeap.file, edit: "jvm-max-heap", value: o.oc4jMaxHeap } : { action: "run" as const }),
    });
  }
  steps.push(
    step(c, "upgrade-assistant", "run", `Run the Upgrade Assistant: iasua -sourcehome ${o.sourceHome} (on failure, the component it stopped at is named from upgrade/log/iasua.log)`, c.upgradeAssistant, true),
    step(c, "check-ssl", "run", "Check SSL: opmn.xml's start-mode and httpd.conf's LoadModule ossl_module (inside <IfDefine SSL>) agree", c.checkSsl),
    step(c, "check-web-cache-wallet", "run", `Check that the Web Cache wallet is configured inside ${dest}, not the source home`, c.checkWallet),
    {
      ...step(c, "reports-server-name", "edit", "Put the Reports server's original name back in targets.xml (nothing to do when Reports is not configured)", c.reports.commands, true),
      ...(c.shell === "sh" ? { file: c.reports.file, edit: "reports-server-name", valueCommand: c.reports.valueCommand } : { action: "run" as const }),
    },
    {
      ...step(c, "start-at-boot", "edit", `Start ${dest} at boot instead of ${o.sourceHome} (they use the same ports)`, c.startAtBoot.commands, true),
      ...(c.shell === "sh" ? { file: c.startAtBoot.file, edit: "oratab-start-at-boot", value: c.startAtBoot.value } : { action: "run" as const }),
    },
    step(c, "start-destination", "run", `Start ${dest} (opmnctl startall)`, c.startDestination),
  );
  if (o.webCacheMember) {
    steps.push(step(c, "web-cache-propagate", "run", "Start Web Cache (opmnctl startproc ias-component=WebCache) and propagate the configuration to the cluster", c.webCache));
  }
  steps.push(step(c, "verify", "verify", `Check that ${dest} reports ${TARGET} and answers on port ${o.httpPort}`, c.verify));
  if (o.decommissionSource) steps.push(step(c, "leave-farm", "run", `Take the source instance in ${o.sourceHome} out of its farm (dcmctl leavefarm)`, c.leaveFarm, true));
  return steps;
}

/** After a failed hop that changed something: the restore point back. */
export function restoreStepsFrom(o: OracleAsOptions, hop: Hop, c: OracleAsCommands): Step[] {
  return [step(c, "restore-source", "restore", `Put back ${o.sourceHome} (only if it changed) and the start-at-boot settings from the restore point taken before ${hop.to}`, c.restoreSource, true)];
}

/** After any failed hop: the destination stopped, the source and its EM Web Site running again. */
export function recoverStepsFrom(o: OracleAsOptions, hop: Hop, c: OracleAsCommands): Step[] {
  const steps: Step[] = [];
  if (hop.to === TARGET) steps.push({ ...step(c, "recover-stop-destination", "restore", `Stop ${o.destinationHome} (it may not run beside the source)`, c.stopDestination), always: true });
  steps.push(
    step(c, "recover-start-source", "restore", `Start ${hop.from} in ${o.sourceHome} again`, c.startSource),
    { ...step(c, "recover-em-web-site", "restore", "Start the Enterprise Manager Web Site again if it ran before", c.startEmWebSite), always: true },
  );
  return steps;
}

