// Fault matrix through pulumi: a failed restore followed by another `pulumi up`. A Groupmax hop fails
// after the reboot, and the same fault breaks its restore point's checksum file, so the restore
// refuses to extract. The next preview and up are refused naming the restore point and the run to
// clear, and touch nothing; once the operator has restored by hand and set clearRun, `up` finishes.
import * as assert from "assert";
import { GROUPMAX_LAYOUT, groupmaxState, installGroupmax } from "../../support/groupmaxFixture";
import { groupmaxOptions } from "../../support/groupmaxProject";
import { TestHost, onHost, privateKey, requireRoot, startHosts, stopHosts } from "../../support/hosts";
import { PulumiProject } from "../../support/pulumi";
import { STATE } from "../../support/faultHost";

const N = "fmr";
const BACKUPS = "/var/backups/upchain/groupmax";
const POINTER = `${BACKUPS}/05-00-before-06-00.current`;
/** The fault, while this file exists: the Mail Server installer hides the restore point's checksum and fails. */
const BREAK = "/var/tmp/fm-break-restore";
const ASIDE = "/root/restore-point.sha256";

/** Step folders every run left on the host (a refused run must add none). */
const stepFolders = () => onHost(N, `ls -1d ${STATE}/runs/*/* 2>/dev/null || true`).split("\n").filter(Boolean);

describe("fault matrix through pulumi: a failed restore followed by another up", function () {
  this.timeout(600_000);
  let h: TestHost;
  let project: PulumiProject;

  function configure(clearRun?: string) {
    const options = groupmaxOptions({
      installers: {
        objectServer: "bash /var/tmp/gmx6/install.sh object",
        addressServer: "bash /var/tmp/gmx6/install.sh address --update",
        mailServer: `if [ -f ${BREAK} ]; then mv "$(cat ${POINTER}).sha256" ${ASIDE}; echo "mail installer: disk error" >&2; exit 7; fi; bash /var/tmp/gmx6/install.sh mail --update`,
      },
    });
    project.writeConfig({
      "upchain:servers": [
        {
          name: h.name,
          host: h.host,
          hostKey: h.hostKey,
          product: "groupmax",
          version: "06-00",
          versionCommand: GROUPMAX_LAYOUT.versionCommand,
          options,
          lockTimeoutSeconds: 10,
          ...(clearRun ? { clearRun } : {}),
        },
      ],
    });
    project.setConfig("upchain:privateKey", privateKey(h), true);
  }

  before(() => {
    requireRoot();
    [h] = startHosts(N);
    project = new PulumiProject("fmrestore");
    project.init();
  });
  after(() => {
    project?.dispose();
    stopHosts(N);
  });

  it("a failed restore followed by another up: preview and up are refused naming the restore point and the run, touching nothing; after a restore by hand and clearRun, up finishes", () => {
    installGroupmax(h, "05-00");
    configure();
    onHost(N, `touch ${BREAK}`);

    const failed = project.run(["up", "--yes", "--skip-preview"]);
    assert.notStrictEqual(failed.code, 0, failed.output);
    const archive = onHost(N, `cat ${POINTER}`).trim();
    assert.match(archive, /^\/var\/backups\/upchain\/groupmax\/05-00-before-06-00\.\d{8}T\d{6}\.tar\.gz$/);
    assert.match(
      failed.output,
      /RESTORE_FAILED: .*step "Update-install Mail Server \(the site's installer\)" \(install-mail-server\) of hop 05-00->06-00 exited 7, and restoring the backup failed too/,
    );
    assert.ok(failed.output.includes(`The restore point is kept on the host: ${archive}`), failed.output);
    const runId = failed.output.match(/clearRun: "([^"]+)"/)?.[1] ?? "";
    assert.match(runId, /^\d{8}T\d{6}-[0-9a-f]{6}$/, failed.output);
    const journal = JSON.parse(onHost(N, `cat ${STATE}/groupmax.journal.json`));
    assert.strictEqual(journal.status, "restore-failed", "the journal says what happened");
    assert.strictEqual(journal.run, runId);
    assert.strictEqual(journal.failure.restorePoint, archive);
    assert.strictEqual(groupmaxState(N).autostart, "on", "the auto-start setting was put back even so");
    const archiveSum = onHost(N, `sha256sum < ${archive}`);
    const folders = stepFolders();

    for (const args of [["preview"], ["up", "--yes", "--skip-preview"]]) {
      const r = project.run(args);
      assert.notStrictEqual(r.code, 0, r.output);
      assert.match(r.output, /RESTORE_FAILED: the journal .*groupmax\.journal\.json records that run/, r.output);
      assert.ok(r.output.includes(`The restore point is kept: ${archive}`) && r.output.includes(`clearRun: "${runId}"`), r.output);
    }
    assert.deepStrictEqual(stepFolders(), folders, "the refused runs ran no step");
    assert.strictEqual(onHost(N, `sha256sum < ${archive}`), archiveSum, "the restore point is untouched");

    // the operator restores by hand from the kept archive, then clears the run
    onHost(
      N,
      [
        `rm -f ${BREAK}`,
        `mv ${ASIDE} ${archive}.sha256`,
        `sha256sum -c ${archive}.sha256`,
        `for s in console server address objsrv; do /opt/groupmax/bin/gmaxctl stop $s || true; done`,
        "rm -rf /opt/groupmax /opt/gmaxmail /opt/gmaxobj /var/opt/groupmax/db /srv/gmaxmail",
        `tar -C / -xzpf ${archive}`,
        "for s in objsrv address server; do /opt/groupmax/bin/gmaxctl start $s; done",
      ].join(" && "),
    );
    assert.strictEqual(groupmaxState(N).version, "05-00");
    configure(runId);
    const done = project.run(["up", "--yes", "--skip-preview"]);
    assert.strictEqual(done.code, 0, done.output);
    const s = groupmaxState(N);
    assert.strictEqual(s.version, "06-00");
    assert.deepStrictEqual(s.running.sort(), ["address", "objsrv", "server"], "its services are up");
    assert.ok(onHost(N, `ls ${STATE}/history`).includes(`groupmax.${runId}.cleared.json`), "the cleared journal is kept");
  });
});
