// The fake Groupmax master management server on test hosts (tests/fixtures/groupmax): its old
// versions, the Version 6 installer package the stack uploads, and what tests read back. Everything
// is local shell scripts; nothing is downloaded.
import * as fs from "fs";
import * as path from "path";
import { onHost } from "./hosts";
import { repoRoot } from "./pulumi";

const fixtureDir = path.join(repoRoot, "tests/fixtures/groupmax");

export type GroupmaxComponent = "object" | "address" | "mail";

/**
 * Where the fake keeps things (tests/fixtures/groupmax/bin/layout.sh; all the fake's inventions,
 * which a stack gives as the site's paths and commands).
 */
export const GROUPMAX_LAYOUT = {
  control: "/opt/groupmax/bin/gmaxctl",
  installFolders: ["/opt/groupmax", "/opt/gmaxmail", "/opt/gmaxobj"],
  databaseFolders: ["/var/opt/groupmax/db", "/srv/gmaxmail"],
  journalFolder: "/var/opt/groupmax/journal",
  advup: "/opt/groupmax/bin/advup2_6",
  setup: "/opt/groupmax/bin/gmaxsetup --ok",
  /** The fake's stand-in for the site's way of reading the installed version. */
  versionCommand: "/opt/groupmax/bin/gmaxctl version",
} as const;

/**
 * Install Groupmax at `version` (VV-RR: 02-00, 02-01, 03-00, 05-00, 06-00) and start objsrv,
 * address and server. `servicesExtra` lines go to the end of /etc/services afterwards, e.g. to
 * pre-add a port or plant a conflicting entry. `journals: false`: the old version kept none.
 */
export function installGroupmax(
  host: { name: string; root: string },
  version: string,
  opts: { autostart?: boolean; servicesExtra?: string; journals?: boolean } = {},
): void {
  const target = path.join(host.root, "opt/groupmax-fixture");
  fs.mkdirSync(target, { recursive: true });
  fs.cpSync(fixtureDir, target, { recursive: true });
  const autostart = opts.autostart === false ? "off" : "on";
  // The log goes to stderr on failure: that is what onHost's error carries.
  const journals = opts.journals === false ? "nojournals" : "journals";
  onHost(
    host.name,
    `sh /opt/groupmax-fixture/install.sh ${version} ${autostart} ${journals} >/var/log/groupmax-fixture.log 2>&1 || { cat /var/log/groupmax-fixture.log >&2; exit 1; }`,
  );
  if (opts.servicesExtra) {
    const extra = opts.servicesExtra.endsWith("\n") ? opts.servicesExtra : opts.servicesExtra + "\n";
    fs.appendFileSync(path.join(host.root, "etc/services"), extra);
  }
}

/** The Version 6 installer package, a local directory (bash install.sh object | address --update | mail --update). */
export function groupmaxPackage(): string {
  return path.join(fixtureDir, "package");
}

/** The host's Groupmax events in order, without their epoch: "start objsrv", "advup2_6 2.0->6", ... */
export function groupmaxLog(hostName: string): string[] {
  return onHost(hostName, "cat /var/log/groupmax.log 2>/dev/null || true")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.replace(/^\d+ /, ""));
}

export interface GroupmaxState {
  /** Address Server's release (the fake's own .fake-release files; tests may read them). */
  version: string;
  objsrv: string;
  mail: string;
  format: string;
  origin: string;
  /** "pending" after advup2_6 until the Address_Mail setup, then "done"; empty otherwise. */
  setup: string;
  autostart: string;
  /** How many *.jnl files are left in the journal folder (-1: the folder does not exist). */
  journals: number;
  /** Database records (address.db record= lines + mail.db box= lines), to see a restore. */
  records: number;
  /** Running services among objsrv, address, server, console. */
  running: string[];
  /** /etc/services as it is. */
  services: string;
}

export function groupmaxState(hostName: string): GroupmaxState {
  // key=value lines, then the services file after a marker line (it may contain anything).
  const out = onHost(
    hostName,
    `
    . /opt/groupmax/bin/layout.sh
    echo "version=$(release $ADDR)"
    echo "objsrv=$(release $OBJ)"
    echo "mail=$(release $MAIL)"
    echo "format=$(field format)"
    echo "origin=$(field origin)"
    echo "setup=$(field setup)"
    echo "autostart=$(cat $ETC/autostart 2>/dev/null)"
    if [ -d $JOURNAL ]; then echo "journals=$(ls $JOURNAL/*.jnl 2>/dev/null | wc -l)"; else echo "journals=-1"; fi
    echo "records=$(cat $ADB $MDB 2>/dev/null | grep -c -E '^(record|box)=')"
    r=; for s in objsrv address server console; do $ADDR/bin/gmaxctl status $s >/dev/null 2>&1 && r="$r $s"; done
    echo "running=$r"
    echo "--- services ---"; cat /etc/services 2>/dev/null || true`,
  );
  const marker = out.indexOf("--- services ---\n");
  const fields: Record<string, string> = {};
  for (const line of out.slice(0, marker).split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return {
    version: fields.version,
    objsrv: fields.objsrv,
    mail: fields.mail,
    format: fields.format,
    origin: fields.origin,
    setup: fields.setup,
    autostart: fields.autostart,
    journals: Number(fields.journals),
    records: Number(fields.records),
    running: fields.running.split(/\s+/).filter(Boolean),
    services: out.slice(marker + "--- services ---\n".length),
  };
}

/** Make `gmaxctl stop <service>` fail once Version 6 is installed (a step after the upgrade fails). */
export function failStopAfterUpgrade(hostName: string, service: "objsrv" | "address" | "server"): void {
  onHost(hostName, `mkdir -p /var/tmp/groupmax-fail && touch /var/tmp/groupmax-fail/stop-${service}-at-06`);
}

/** Make the package's installer fail (exit 7, nothing changed) for `component` on this host. */
export function failInstall(hostName: string, component: GroupmaxComponent): void {
  onHost(hostName, `mkdir -p /var/tmp/groupmax-fail && touch /var/tmp/groupmax-fail/${component}`);
}
