// A link that drops just as the reboot step holds the run's lock through the reboot (after the boot
// marker was noted, before the reboot command): the hold is retried once the host answers again, and
// the reboot happens, instead of the step failing. On a local fake transport whose "machine" is a
// temp folder: the reboot command changes the boot marker file.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { rebootAndWait } from "../../../../providers/engine/running/reboot";
import { PlannedStep } from "../../../../providers/engine/planning/planner";
import { RebootStep } from "../../../../providers/engine/planning/catalog";
import { ExecOptions, ExecResult, ReconnectOptions } from "../../../../providers/transport/remoteHost";
import { quote as q } from "../../../../providers/quote";
import { LocalHost, tempDir } from "../../../support/localHost";
import { UNFENCED } from "../../../support/testFence";

/** A host whose link is down until reconnect() is called; reconnecting waits for the caller's accept. */
class FlakyLink extends LocalHost {
  down = false;
  reconnects = 0;
  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    if (this.down) throw new Error("Not connected");
    return super.exec(command, options);
  }
  async reconnect(o: ReconnectOptions): Promise<void> {
    this.reconnects++;
    this.down = false;
    for (;;) {
      if (!o.accept || (await o.accept(this))) return;
      if (Date.now() > o.deadline) throw new Error("deadline");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe("the reboot step holds the lock through a dropped link", function () {
  this.timeout(60_000);

  it("the link dropping as the lock is held: reconnect, hold again, reboot, back", async () => {
    const dir = tempDir();
    const boot = path.join(dir, "boot");
    fs.writeFileSync(boot, "A\n");
    const host = new FlakyLink();
    const step = {
      id: "reboot",
      action: "reboot",
      shell: "sh",
      title: "Restart the machine",
      commands: [`echo B > ${q(boot)}`],
      destructive: false,
      hop: "1->2",
      bootMarker: `cat ${q(boot)}`,
      timeoutSeconds: 30,
    } as PlannedStep & RebootStep;
    const holds: number[] = [];
    let failOnce = true;
    try {
      const r = await rebootAndWait({
        host,
        step,
        dir: path.join(dir, "step"),
        remember: async () => undefined,
        holdLock: async (until) => {
          if (failOnce) {
            failOnce = false;
            host.down = true; // the link goes down with this write
            throw new Error("Not connected");
          }
          holds.push(until);
        },
        fence: UNFENCED,
        log: () => undefined,
      });
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(fs.readFileSync(boot, "utf8").trim(), "B", "the reboot happened");
      assert.ok(host.reconnects >= 1);
      assert.strictEqual(holds.length, 2, "held once after the link came back, released once after the reboot");
      assert.ok(holds[0] > Date.now() / 1000 && holds[1] === 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
