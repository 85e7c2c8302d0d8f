// What the operator reads when a hop fails, for each way the failure can end: the error's code, and the
// facts and the advice its message must carry. failureReport is pure: no host, no journal.
import * as assert from "assert";
import { UpchainErrorCode } from "../../../../providers/errors";
import { shStep } from "../../../../providers/engine/planning/catalog";
import { FailedStep, HopFailure, failureReport, outcomeText } from "../../../../providers/engine/running/failureReport";
import { PlannedStep } from "../../../../providers/engine/planning/planner";
import { TEST_STEP } from "../../../support/testProvenance";

const install: PlannedStep = {
  ...shStep({ provenance: TEST_STEP, id: "install", action: "run", title: "install 2", destructive: true, commands: [":"] }),
  hop: "1->2",
};
const restart: PlannedStep = {
  ...shStep({
    provenance: TEST_STEP,
    id: "restart",
    action: "reboot",
    title: "restart the machine",
    destructive: false,
    commands: [],
    bootMarker: "cat /proc/sys/kernel/random/boot_id",
    timeoutSeconds: 600,
  }),
  hop: "1->2",
};

const failed = (extra: Partial<FailedStep> = {}): FailedStep => ({
  host: "db1",
  step: install,
  hop: { from: "1", to: "2" },
  hopName: "1 -> 2 (trail)",
  outcome: { code: 3, stdout: "copied\n", stderr: "disk full\n" },
  changedSomething: true,
  ...extra,
});

interface Case {
  name: string;
  failed: FailedStep;
  how: HopFailure;
  code: UpchainErrorCode;
  /** What the message must say, each in order. */
  says: (string | RegExp)[];
  /** What it must not say. */
  never?: (string | RegExp)[];
}

const cases: Case[] = [
  {
    name: "a step that exited non-zero after a change was restored says the host runs the old version again and where the chain goes on",
    failed: failed(),
    how: { kind: "restored", recovered: false },
    code: "STEP_FAILED",
    says: [
      'db1: step "install 2" (install) of hop 1 -> 2 (trail) exited 3',
      "the host was restored to 1 and is running it",
      "the chain goes on from 1",
      "--- stdout ---",
      "copied",
      "--- stderr ---",
      "disk full",
    ],
  },
  {
    name: "a step that failed before anything changed says nothing was restored",
    failed: failed({ changedSomething: false }),
    how: { kind: "restored", recovered: false },
    code: "STEP_FAILED",
    says: ["nothing had been changed yet, so nothing was restored"],
    never: ["restored to 1"],
  },
  {
    name: "a step that failed before anything changed, with recovery steps run, says the old version was put back in service",
    failed: failed({ changedSomething: false }),
    how: { kind: "restored", recovered: true },
    code: "STEP_FAILED",
    says: ["nothing had been changed yet, and 1 was put back in service"],
  },
  {
    name: "a step whose process died without an exit status says so and shows no output",
    failed: failed({ outcome: "lost" }),
    how: { kind: "restored", recovered: false },
    code: "STEP_FAILED",
    says: ["died without an exit status (its process is gone)"],
    never: ["--- stdout ---"],
  },
  {
    name: "a step that threw (code -1) is said to have not been carried out",
    failed: failed({ outcome: { code: -1, stdout: "", stderr: "cannot write /etc/x" } }),
    how: { kind: "restored", recovered: false },
    code: "STEP_FAILED",
    says: ["could not be carried out", "cannot write /etc/x"],
  },
  {
    name: "a failed restore names the restore point and the clearRun that lets later runs go on",
    failed: failed(),
    how: { kind: "restore-failed", restoreError: "exited 1: tar: short read", restorePoint: "/var/backups/app-1.tgz", run: "20261207T120000-abcdef" },
    code: "RESTORE_FAILED",
    says: [
      "restoring the backup failed too (exited 1: tar: short read)",
      "The restore point is kept on the host: /var/backups/app-1.tgz.",
      'clearRun: "20261207T120000-abcdef"',
    ],
    never: ["journal could not be written"],
  },
  {
    name: "a failed restore whose journal could not be written says that too, after the restore point",
    failed: failed(),
    how: { kind: "restore-failed", restoreError: "exited 1", restorePoint: "/var/backups/app-1.tgz", run: "20261207T120000-abcdef", unsaved: "disk full" },
    code: "RESTORE_FAILED",
    says: ["/var/backups/app-1.tgz (and the journal could not be written: disk full). Restore it by hand"],
  },
  {
    name: "recovery steps that failed after a restore say the server is back on the old version but not in service, and which steps failed",
    failed: failed(),
    how: { kind: "not-in-service", recoverErrors: ['"start app" failed (exited 1)'] },
    code: "RESTORED_NOT_IN_SERVICE",
    says: [
      "the backup was restored, so the server is back on 1, but not in service",
      '"start app" failed (exited 1)',
      "Start 1 by hand",
      "retries hop 1 -> 2 (trail) from 1",
    ],
  },
  {
    name: "recovery steps that failed when nothing had changed say the server is still on the old version",
    failed: failed({ changedSomething: false }),
    how: { kind: "not-in-service", recoverErrors: ['"start app" failed (exited 1)'] },
    code: "RESTORED_NOT_IN_SERVICE",
    says: ["nothing had been changed yet, so the server is still on 1, but not in service"],
  },
  {
    name: "a host that cannot be reached after the failure is an unknown outcome, resolved by the next run",
    failed: failed(),
    how: { kind: "unreachable" },
    code: "OUTCOME_UNKNOWN",
    says: ["exited 3, and the host could not be reached again to restore it", "the next run restores the hop"],
    never: ["--- stdout ---"],
  },
  {
    name: "a reboot after which the machine did not come back names its timeout and the reason, without the reason's prefix",
    failed: failed({ step: restart, changedSomething: false, outcome: { code: 1, stdout: "", stderr: "db1: no answer on port 22" } }),
    how: { kind: "unreachable" },
    code: "HOST_DID_NOT_RETURN",
    says: [
      'step "restart the machine" (restart) of hop 1->2 restarted the machine',
      "within 600s (no answer on port 22)",
      "brings 1 back if the machine never restarted",
    ],
  },
  {
    name: "a vendor's install that may still run stops the run before any restore, with the portal's words",
    failed: failed(),
    how: { kind: "install-may-run", why: "the portal still shows an install running" },
    code: "INSTALL_MAY_STILL_RUN",
    says: ["exited 3. Before restoring the hop: the portal still shows an install running", "--- stderr ---"],
  },
];

describe("failureReport: what a failed hop tells the operator", () => {
  for (const c of cases) {
    it(c.name, () => {
      const report = failureReport(c.failed, c.how);
      assert.strictEqual(report.code, c.code);
      let from = 0;
      for (const part of c.says) {
        const at = typeof part === "string" ? report.message.indexOf(part, from) : report.message.slice(from).search(part) + from;
        assert.ok(at >= from, `says ${part} (after what came before): ${report.message}`);
        from = at;
      }
      for (const part of c.never ?? [])
        assert.ok(typeof part === "string" ? !report.message.includes(part) : !part.test(report.message), `never says ${part}: ${report.message}`);
    });
  }

  it("an output longer than 4000 characters shows its end, marked as cut", () => {
    const report = failureReport(failed({ outcome: { code: 1, stdout: "a".repeat(5000) + "END", stderr: "" } }), { kind: "restored", recovered: false });
    assert.match(report.message, /…a+END/);
    assert.ok(!report.message.includes("a".repeat(4001)));
  });

  it("how a step ended is said the same way in the log line as in the error", () => {
    assert.strictEqual(outcomeText({ code: 2, stdout: "", stderr: "" }), "exited 2");
    assert.strictEqual(outcomeText({ code: -1, stdout: "", stderr: "" }), "could not be carried out");
    assert.strictEqual(outcomeText("lost"), "died without an exit status (its process is gone)");
  });
});
