// OMFLOW's Linux restore: it undoes only what the 1.2.0.0 hop registered (the python3 alternative,
// the .deb packages dpkg did not have before), puts the database back with the site's command, and
// checks the restored OMFLOW the way 001 checks a running one. dpkg, update-alternatives and
// add-apt-repository are stand-ins on PATH that record what they are asked.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { omflow } from "../../../../providers/catalogs/omflow";
import { undoPython311Commands } from "../../../../providers/catalogs/omflow/linuxRestore";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { tempDir } from "../../../support/localHost";

function standIns(bin: string, log: string, state: { dpkgNow: string[]; alternativesNow: string[] }) {
  const tool = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> '${log}'\n${body}\n`, { mode: 0o755 });
  tool("dpkg-query", `printf '${state.dpkgNow.map((p) => `${p} install ok installed\\n`).join("")}'`);
  tool("dpkg", "exit 0");
  tool(
    "update-alternatives",
    state.alternativesNow.length ? `[ "$1" = --list ] && printf '${state.alternativesNow.join("\\n")}\\n'; exit 0` : `[ "$1" = --list ] && exit 2; exit 0`,
  );
  tool("add-apt-repository", "exit 0");
  tool("ln", "exit 0");
}

describe("OMFLOW on Linux: the restore undoes what the 1.2.0.0 hop registered, and only that", function () {
  this.timeout(30_000);
  const cases: {
    name: string;
    before: { dpkg: string[]; alternatives?: string[]; link: string; installedByHop?: string[] };
    now: { dpkgNow: string[]; alternativesNow: string[] };
    expected: RegExp[];
    absent: RegExp[];
  }[] = [
    {
      name: "packages the install-python step newly installed are purged; those it had before are kept",
      before: { dpkg: ["apache2", "python3.8"], link: "python3.8", installedByHop: ["python3.11", "python3.11-venv"] },
      now: { dpkgNow: ["apache2", "python3.11", "python3.11-venv", "python3.8"], alternativesNow: ["/usr/bin/python3.11"] },
      expected: [/^dpkg --purge python3\.11 python3\.11-venv$/m],
      absent: [/dpkg --purge .*(apache2|python3\.8)/],
    },
    {
      name: "a package unattended-upgrades installed during the hop is kept: only what the install-python step installed is purged",
      before: { dpkg: ["apache2", "python3.8"], link: "python3.8", installedByHop: ["python3.11", "python3.11-venv"] },
      now: { dpkgNow: ["apache2", "libssl3-security-update", "python3.11", "python3.11-venv", "python3.8"], alternativesNow: ["/usr/bin/python3.11"] },
      expected: [/^dpkg --purge python3\.11 python3\.11-venv$/m],
      absent: [/dpkg --purge .*libssl3-security-update/],
    },
    {
      name: "a hop that failed before installing Python purges no package, whatever dpkg gained meanwhile",
      before: { dpkg: ["apache2"], link: "python3.8" },
      now: { dpkgNow: ["apache2", "libssl3-security-update"], alternativesNow: [] },
      expected: [],
      absent: [/dpkg --purge/],
    },
    {
      name: "a python3 group the hop created is removed whole and the old /usr/bin/python3 link put back",
      before: { dpkg: ["python3.11"], link: "python3.8" },
      now: { dpkgNow: ["python3.11"], alternativesNow: ["/usr/bin/python3.11"] },
      expected: [/^update-alternatives --remove-all python3$/m, /^ln -sfn -- python3\.8 \/usr\/bin\/python3$/m],
      absent: [/dpkg --purge/],
    },
    {
      name: "in a python3 group that existed, only the 3.11 alternative the hop added is removed",
      before: { dpkg: ["python3.11"], alternatives: ["/usr/bin/python3.8"], link: "/etc/alternatives/python3" },
      now: { dpkgNow: ["python3.11"], alternativesNow: ["/usr/bin/python3.8", "/usr/bin/python3.11"] },
      expected: [/^update-alternatives --remove python3 \/usr\/bin\/python3\.11$/m],
      absent: [/--remove-all/, /^ln /m],
    },
    {
      name: "a 3.11 alternative that was there before the hop is left alone",
      before: { dpkg: ["python3.11"], alternatives: ["/usr/bin/python3.11"], link: "/etc/alternatives/python3" },
      now: { dpkgNow: ["python3.11"], alternativesNow: ["/usr/bin/python3.11"] },
      expected: [],
      absent: [/--remove/, /^ln /m],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const dir = tempDir("upchain-omflow-undo-");
      try {
        const backup = path.join(dir, "backup");
        const bin = path.join(dir, "bin");
        fs.mkdirSync(backup);
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(backup, "dpkg-before.txt"), [...c.before.dpkg].sort().join("\n") + "\n");
        fs.writeFileSync(path.join(backup, "python3-link"), c.before.link + "\n");
        if (c.before.installedByHop) fs.writeFileSync(path.join(backup, "dpkg-installed-by-hop.txt"), [...c.before.installedByHop].sort().join("\n") + "\n");
        if (c.before.alternatives) fs.writeFileSync(path.join(backup, "python3-alternatives"), c.before.alternatives.join("\n") + "\n");
        fs.writeFileSync(path.join(backup, "deadsnakes-was-there"), ""); // no PPA to remove here
        const log = path.join(dir, "log");
        fs.writeFileSync(log, "");
        standIns(bin, log, c.now);
        const r = spawnSync("sh", ["-c", `set -e\n${undoPython311Commands(backup).join("\n")}`], {
          encoding: "utf8",
          env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        });
        assert.strictEqual(r.status, 0, r.stderr);
        const asked = fs.readFileSync(log, "utf8");
        for (const e of c.expected) assert.match(asked, e);
        for (const a of c.absent) assert.doesNotMatch(asked, a);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it("the restore of a 1.2.0.0 hop: files, database (site), python undo, then start and the site's running check", () => {
    const options = { databaseRestore: 'pg_restore -d omflow "$UPCHAIN_BACKUP_DIR/omflow.dump"', runningCheck: "systemctl is-active --quiet omflow" };
    const hop = planUpgrade(omflow, { installed: "1.1.6.1", target: "1.2.0.0", platform: "linux", options }).hops[0];
    const steps = omflow.restoreSteps(hop, { platform: "linux", releases: omflow.defaultReleases, options });
    assert.deepStrictEqual(
      steps.map((s) => s.id),
      ["restore", "restore-database", "undo-python", "restart-after-restore"],
    );
    assert.match(
      steps[1].commands[0],
      /^\(\nexport UPCHAIN_BACKUP_DIR=\/var\/backups\/upchain\/omflow\/1\.1\.6\.1-to-1\.2\.0\.0\ncd \/\npg_restore -d omflow "\$UPCHAIN_BACKUP_DIR\/omflow\.dump"\n\)$/,
    );
    assert.deepStrictEqual(steps[3].commands.slice(-2), [
      "(\nexport UPCHAIN_BACKUP_DIR=/var/backups/upchain/omflow/1.1.6.1-to-1.2.0.0\ncd /\nsystemctl is-active --quiet omflow\n) || /opt/omflow/server/omflow_server start",
      "(\nexport UPCHAIN_BACKUP_DIR=/var/backups/upchain/omflow/1.1.6.1-to-1.2.0.0\ncd /\nsystemctl is-active --quiet omflow\n)",
    ]);
  });

  it("a bugfix hop's restore has no python undo", () => {
    const hop = planUpgrade(omflow, { installed: "1.1.6.1", target: "1.1.6.3", platform: "linux", options: {} }).hops[0];
    assert.deepStrictEqual(
      omflow.restoreSteps(hop, { platform: "linux", releases: omflow.defaultReleases, options: {} }).map((s) => s.id),
      ["restore", "restore-database", "restart-after-restore"],
    );
  });
});
