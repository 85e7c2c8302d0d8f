// A small catalog for the fault matrix: like the counter (integer versions, one per hop), but each
// hop has what a real upgrade has and a fault can hit: a data payload the backup copies, an
// optional upload, an install step that stops the service and "extracts" into the data folder, an
// optional reboot, a start, a check, and a restore followed by a recovery that starts the old
// version again. The service is a daemon the host's init also starts at boot (SERVICE). Hooks on the host (files under /opt/counter/hooks) make a step slow, hang,
// fail, fill the disk, or make the restore or the reboot command fail. Every detached step records
// its start and end on the host, so a test can prove that no step ran twice or overlapped another.
import { Catalog, Hop, PlanContext, Step, shStep, uploadStep } from "../../providers/engine/planning/catalog";
import { LINUX_BOOT_MARKER } from "../../providers/catalogs/groupmax/linux";
import { quote as q } from "../../providers/quote";
import { counter } from "./counterCatalog";
import { TEST_STEP } from "./testProvenance";

export const FAULT_DIR = "/opt/counter";
export const BACKUP_ROOT = "/var/backups/counter";
export const backupOf = (h: { from: string; to: string }) => `${BACKUP_ROOT}/${h.from}-to-${h.to}`;
/** Where an upload step puts the file given as options.upload. */
export const UPLOADED = `${FAULT_DIR}/incoming/package.bin`;

/** The counter's service script, in the test host's init folder: start|stop|restart|status. */
export const SERVICE = "/etc/upchain/services.d/counter";

const dir = FAULT_DIR;
const hook = (name: string) => `${dir}/hooks/${name}`;
/**
 * Take the host's own link down for the seconds the hook file says, from inside the step, at once:
 * the connection drops while the controller is still waiting for the launch to be acknowledged.
 */
const dropLink = (name: string) =>
  `if [ -f ${hook(name)} ]; then setsid sh -c "ip link set eth0 down; sleep $(cat ${hook(name)}); ip link set eth0 up" < /dev/null > /dev/null 2>&1 & fi`;
/** Lines appended to steps.log around a step's own commands: "<start|end> <step> <epoch.ns>". */
const timed = (id: string, to: string, body: string[]) => [
  dropLink(`drop-link-${id}-${to}`),
  `echo "start ${id}-${to} $(date +%s.%N)" >> ${dir}/steps.log`,
  ...body,
  `echo "end ${id}-${to} $(date +%s.%N)" >> ${dir}/steps.log`,
];

function hopSteps(hop: Hop, ctx: PlanContext): Step[] {
  const b = backupOf(hop);
  const to = hop.to;
  const steps: Step[] = [
    shStep({
      provenance: TEST_STEP,
      id: "backup",
      action: "backup",
      title: `Back up before ${to}`,
      destructive: false,
      backupDir: b,
      commands: timed("backup", to, [
        `rm -rf ${q(b)}; mkdir -p ${q(b)}`,
        `if [ -f ${hook(`slow-backup-${to}`)} ]; then sleep "$(cat ${hook(`slow-backup-${to}`)})"; fi`,
        `cp -a ${dir}/VERSION ${dir}/data ${q(b)}/`,
        `echo ${q(b)}`,
      ]),
    }),
  ];
  if (typeof ctx.options.upload === "string") {
    steps.push(
      uploadStep("sh", { provenance: TEST_STEP, id: "upload", title: `Upload the package of ${to}`, source: ctx.options.upload, destination: UPLOADED }),
    );
  }
  steps.push(
    shStep({
      provenance: TEST_STEP,
      id: "install",
      action: "run",
      title: `Install ${to}`,
      destructive: true,
      commands: timed("install", to, [
        `${SERVICE} stop`,
        `echo "install ${to}" >> ${dir}/installs.log`,
        `echo ${q(to)} > ${dir}/VERSION`,
        // a migration that rewrites the database in place (the restore must bring it back)
        `: > ${dir}/data/db`,
        `if [ -f ${hook(`fill-${to}`)} ]; then head -c 4M /dev/zero > ${dir}/data/.filler || true; fi`,
        `if [ -f ${hook(`slow-${to}`)} ]; then sleep "$(cat ${hook(`slow-${to}`)})"; fi`,
        // a step that uses a secret (the stack's UPCHAIN_SECRET_PW), as a vendor's installer asking for a password does
        `if [ -f ${hook(`needs-secret-${to}`)} ]; then test -n "\${UPCHAIN_SECRET_PW:-}" || { echo "install ${to}: no password given" >&2; exit 4; }; fi`,
        `if [ -f ${hook(`hang-${to}`)} ]; then sleep 4242; fi`,
        // the "extraction": the new version's files, as large as the hook says (default 1 KiB)
        `head -c "$(cat ${hook(`extract-size-${to}`)} 2>/dev/null || echo 1024)" /dev/zero > ${dir}/data/new.bin`,
        `if [ -f ${hook(`fail-${to}`)} ]; then echo "installer of ${to} broke" >&2; exit 3; fi`,
        `echo "installed ${to}"`,
      ]),
    }),
  );
  if (ctx.options.reboot === true) {
    steps.push(
      shStep({
        provenance: TEST_STEP,
        id: "reboot",
        action: "reboot",
        title: `Restart the machine for ${to}`,
        destructive: true,
        bootMarker: LINUX_BOOT_MARKER,
        timeoutSeconds: typeof ctx.options.rebootTimeoutSeconds === "number" ? ctx.options.rebootTimeoutSeconds : 120,
        commands: [`if [ -f ${hook("reboot-fails")} ]; then echo "reboot: the hook refuses to restart the machine" >&2; exit 1; fi`, `/sbin/reboot`],
      }),
    );
  }
  steps.push(
    shStep({
      provenance: TEST_STEP,
      id: "start",
      action: "run",
      title: `Start the counter service at ${to}`,
      destructive: false,
      commands: [`${SERVICE} restart`],
    }),
    shStep({
      provenance: TEST_STEP,
      id: "verify",
      action: "verify",
      title: `Check the counter reports ${to} and serves it`,
      destructive: false,
      commands: [`test "$(cat ${dir}/VERSION)" = ${q(to)}`, `test "$(${SERVICE} status)" = ${q(to)}`],
    }),
  );
  return steps;
}

// the counter's versions, legal hops and version probe; its own steps, restore and recovery
export const faulty: Catalog = {
  ...counter,
  hopSteps,
  restoreSteps: (hop) => [
    shStep({
      provenance: TEST_STEP,
      id: "restore",
      action: "restore",
      title: `Restore ${hop.from}`,
      destructive: true,
      commands: timed("restore", hop.to, [
        `if [ -f ${hook(`slow-restore-${hop.to}`)} ]; then sleep "$(cat ${hook(`slow-restore-${hop.to}`)})"; fi`,
        `if [ -f ${hook("fail-restore")} ]; then echo "restore refused by the hook" >&2; exit 5; fi`,
        `${SERVICE} stop`,
        `rm -f ${dir}/data/new.bin`,
        `cp -a ${q(backupOf(hop))}/data/. ${dir}/data/`,
        `cp ${q(backupOf(hop))}/VERSION ${dir}/VERSION`,
        `echo "restored ${hop.from}" >> ${dir}/installs.log`,
      ]),
    }),
  ],
  // after the restore, or alone when the hop failed before the install stopped anything
  recoverSteps: (hop) => [
    shStep({
      provenance: TEST_STEP,
      id: "start-old",
      action: "run",
      title: `Start the counter service at ${hop.from} again`,
      destructive: false,
      commands: [`${SERVICE} restart`, `test "$(${SERVICE} status)" = ${q(hop.from)}`],
    }),
  ],
};

/**
 * The service: a daemon that serves the version installed when it started (kept in /run/counter.serving).
 * Its pid is trusted only while the process is still the daemon (a pid from before a reboot may be reused).
 */
const serviceScript = `#!/bin/sh
pidf=/run/counter.pid
alive() { p=$(cat $pidf 2>/dev/null) && [ "$(tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null)" = "sleep 1000042 " ]; }
case "$1" in
  start) alive && exit 0
    v=$(cat ${dir}/VERSION) || { echo "counter: no VERSION" >&2; exit 1; }
    echo "$v" > /run/counter.serving
    setsid sleep 1000042 < /dev/null > /dev/null 2>&1 &
    echo $! > $pidf
    # started once the child has become the daemon (until then it is this shell, then setsid)
    i=0; until alive; do [ $i -lt 50 ] || { echo "counter: the daemon did not start" >&2; exit 1; }; sleep 0.1; i=$((i+1)); done ;;
  stop) if alive; then kill "$(cat $pidf)"; fi; rm -f $pidf /run/counter.serving ;;
  restart) "$0" stop; "$0" start ;;
  status) alive && cat /run/counter.serving ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
`;

/**
 * Install the counter at `version` with a database of `dbKiB` KiB of random bytes and start its
 * service, after taking down
 * any tmpfs a disk-full test mounted (through the harness's side channel).
 */
export function faultInstallScript(version: string, dbKiB = 64): string {
  return [
    `${SERVICE} stop 2>/dev/null`,
    `umount -l ${dir}/data 2>/dev/null; umount -l ${BACKUP_ROOT} 2>/dev/null`,
    `rm -rf ${dir} /var/lib/upchain ${BACKUP_ROOT} /tmp/pwned /tmp/stolen-key`,
    `mkdir -p ${dir}/hooks ${dir}/data ${BACKUP_ROOT}`,
    `echo ${q(version)} > ${dir}/VERSION`,
    `head -c ${dbKiB * 1024} /dev/urandom > ${dir}/data/db`,
    `: > ${dir}/installs.log; : > ${dir}/steps.log`,
    `printf '%s' ${q(serviceScript)} > ${SERVICE}; chmod 0755 ${SERVICE}`,
    `${SERVICE} start`,
  ].join("; ");
}

/** A tmpfs of `kib` KiB mounted over `path` inside the host (what was there is copied onto it). */
export function mountSmallDisk(path: string, kib: number): string {
  return `set -e; mkdir -p /tmp/keep; rm -rf /tmp/keep/d; cp -a ${q(path)} /tmp/keep/d; mount -t tmpfs -o size=${kib}k tmpfs ${q(path)}; cp -a /tmp/keep/d/. ${q(path)}/; rm -rf /tmp/keep/d`;
}
