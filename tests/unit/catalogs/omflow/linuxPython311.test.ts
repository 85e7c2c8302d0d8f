// The 1.2.0.0 hop's environment rebuild on Linux: 001's order, its online commands word for word,
// the old environment's pins kept with only Django raised, and dpkg's result checked, not skipped.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { omflow } from "../../../../providers/catalogs/omflow";
import { requirementsCommands } from "../../../../providers/catalogs/omflow/linuxPython311";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { tempDir } from "../../../support/localHost";

const hop120 = (options: Record<string, unknown>) => planUpgrade(omflow, { installed: "1.1.6.1", target: "1.2.0.0", platform: "linux", options }).steps;

describe("OMFLOW 1.2.0.0 on Linux: the steps in the document's order", () => {
  it("offline: backup, uploads and checks before the stop; then 001 steps 1-8 in order", () => {
    assert.deepStrictEqual(
      hop120({}).map((s) => s.id),
      [
        "backup",
        "backup-database",
        "start-after-backup",
        "work-folder",
        "upload-patch",
        "extract-patch",
        "upload-bundle",
        "export-packages",
        "check-wheelhouse",
        "stop",
        "remove-venv",
        "install-python",
        "python-alternative",
        "create-venv",
        "install-packages",
        "install-mod-wsgi",
        "apache-wsgi-module",
        "run-patch",
        "restart-apache",
        "start",
        "verify",
      ],
    );
  });

  it("online: no bundle, no wheelhouse check, and mod_wsgi comes from the index with the rest", () => {
    const ids = hop120({ online: true }).map((s) => s.id);
    for (const absent of ["upload-bundle", "check-wheelhouse", "install-mod-wsgi"]) assert.ok(!ids.includes(absent), absent);
  });

  it("online: Python 3.11 is installed with 001 step 3's commands, in its order", () => {
    const install = hop120({ online: true }).find((s) => s.id === "install-python")!;
    assert.deepStrictEqual(install.commands.slice(2), [
      "apt-get update -y",
      "add-apt-repository ppa:deadsnakes/ppa -y",
      "apt-get update -y",
      "apt-get install -y python3.11 python3.11-dev python3.11-venv python3-pip",
    ]);
  });

  it("online: the packages come from the index (no --no-index)", () => {
    const install = hop120({ online: true })
      .find((s) => s.id === "install-packages")!
      .commands.join("\n");
    assert.doesNotMatch(install, /--no-index/);
    assert.match(install, /pip install wheel\npip install -r /);
  });

  it("offline: dpkg -i's result is checked package by package, and a bundle without .deb files stops the step", () => {
    const install = hop120({})
      .find((s) => s.id === "install-python")!
      .commands.join("\n");
    assert.match(install, /if ! ls -- \*\.deb >\/dev\/null 2>&1; then echo .*has no \.deb files.*exit 1; fi/);
    assert.match(install, /rc=0; dpkg -i \*\.deb \|\| rc=\$\?/);
    assert.match(install, /install ok installed/);
    assert.match(install, /dpkg --audit/);
  });

  it("install-python records what it installed even when it fails halfway, and nothing installed later in the hop", () => {
    const dir = tempDir("upchain-omflow-installed-");
    try {
      const backup = path.join(dir, "1.1.6.1-to-1.2.0.0"); // the hop's restore point under backupDir
      const bin = path.join(dir, "bin");
      fs.mkdirSync(backup);
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(backup, "dpkg-before.txt"), "apache2\n");
      // dpkg has python3.11 now: the step's dpkg -i installed it before failing
      fs.writeFileSync(path.join(bin, "dpkg-query"), "#!/bin/sh\nprintf 'apache2 install ok installed\\npython3.11 install ok installed\\n'\n", {
        mode: 0o755,
      });
      const hop = planUpgrade(omflow, { installed: "1.1.6.1", target: "1.2.0.0", platform: "linux", options: { backupDir: dir } });
      const install = hop.steps.find((s) => s.id === "install-python")!;
      const r = spawnSync("sh", ["-c", `set -e\n${install.commands[0]}\nfalse`], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      assert.notStrictEqual(r.status, 0, "the step still fails");
      assert.strictEqual(fs.readFileSync(path.join(backup, "dpkg-installed-by-hop.txt"), "utf8"), "python3.11\n");
      // a step that succeeds still succeeds, and a record that cannot be written does not change its verdict
      const ok = spawnSync("sh", ["-c", `set -e\n${install.commands[0]}\ntrue`], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      assert.strictEqual(ok.status, 0, ok.stderr);
      fs.rmSync(path.join(backup, "dpkg-before.txt"));
      const unrecorded = spawnSync("sh", ["-c", `set -e\n${install.commands[0]}\nexit 7`], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      assert.strictEqual(unrecorded.status, 7, unrecorded.stderr);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the venv is created by python3 after update-alternatives, as 001 steps 4-5 write it", () => {
    const steps = hop120({});
    assert.deepStrictEqual(steps.find((s) => s.id === "python-alternative")!.commands, [
      "update-alternatives --install /usr/bin/python3 python3 /usr/bin/python3.11 1",
    ]);
    assert.deepStrictEqual(steps.find((s) => s.id === "create-venv")!.commands, ["python3 -m venv /opt/omflow/python"]);
    assert.deepStrictEqual(steps.find((s) => s.id === "remove-venv")!.commands, ["rm -rf -- /opt/omflow/python/"]);
  });
});

describe("OMFLOW 1.2.0.0 on Linux: the new environment's package list", function () {
  this.timeout(30_000);
  const cases: { name: string; freeze: string; online: boolean; expected: string[] }[] = [
    {
      name: "pins are kept and only Django is raised to 4.2",
      freeze: "Django==2.2.28\npytz==2024.1\nsix==1.16.0\nsqlparse==0.4.4\n",
      online: false,
      expected: ["django==4.2", "pytz==2024.1", "six==1.16.0", "sqlparse==0.4.4", "ldap3", "openpyxl"],
    },
    {
      name: "offline, mod_wsgi leaves the list (it is built from the bundle's tar.gz)",
      freeze: "Django==2.2.28\nmod-wsgi==4.9.4\nldap3==2.9\n",
      online: false,
      expected: ["django==4.2", "ldap3==2.9", "openpyxl"],
    },
    {
      name: "online, mod_wsgi keeps its pin, and step 6's packages are added only when missing",
      freeze: "Django==2.2.28\nmod_wsgi==4.9.4\nopenpyxl==3.0.10\n",
      online: true,
      expected: ["django==4.2", "mod_wsgi==4.9.4", "openpyxl==3.0.10", "ldap3"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const dir = tempDir("upchain-omflow-req-");
      try {
        const pip = path.join(dir, "pip");
        fs.writeFileSync(pip, `#!/bin/sh\n[ "$1" = freeze ] && printf '${c.freeze.replace(/\n/g, "\\n")}'\n`, { mode: 0o755 });
        const next = path.join(dir, "requirements.txt");
        const r = spawnSync("sh", ["-c", `set -e\n${requirementsCommands(pip, path.join(dir, "old.txt"), next, c.online).join("\n")}`], { encoding: "utf8" });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.deepStrictEqual(fs.readFileSync(next, "utf8").trim().split("\n"), c.expected);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
