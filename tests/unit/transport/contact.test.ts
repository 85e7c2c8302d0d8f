// Keeping contact through a dropped link (transport/contact.ts) on a local fake transport: what is
// retried and how, what is thrown at once, and that the caller's own error, with the last failure as
// its cause, is what the user gets.
import * as assert from "assert";
import { UpchainError, isUpchainError } from "../../../providers/errors";
import { withContact } from "../../../providers/transport/contact";
import { FaultyHost } from "../../support/faultyHost";

const lostAs = (doing: string) => (last: Error) => new UpchainError("OUTCOME_UNKNOWN", `lost while ${doing}: ${last.message}`, [], { cause: last });

describe("withContact (transport/contact.ts)", function () {
  this.timeout(20_000);

  it("a failure is retried after a reconnect, and the attempt that then works returns its value", async () => {
    const host = new FaultyHost();
    let calls = 0;
    const v = await withContact(host, async () => (calls++ === 0 ? Promise.reject(new Error("Not connected")) : "read"), {
      until: Date.now() + 5000,
      lost: lostAs("reading"),
    });
    assert.strictEqual(v, "read");
    assert.strictEqual(host.reconnects, 1);
  });

  it("an answer that cannot be read is asked again without a reconnect", async () => {
    const host = new FaultyHost();
    let calls = 0;
    const v = await withContact(host, async () => (calls++ < 2 ? undefined : "read"), { until: Date.now() + 5000, lost: lostAs("reading") });
    assert.strictEqual(v, "read");
    assert.strictEqual(host.reconnects, 0);
  });

  it("when contact does not come back in time, the caller's own error is thrown, with the last failure as its cause", async () => {
    const host = new FaultyHost();
    const dropped = new Error("Not connected");
    const e = await withContact(host, () => Promise.reject(dropped), { until: Date.now() + 700, lost: lostAs("writing the journal") }).catch((x: unknown) => x);
    assert.ok(isUpchainError(e, "OUTCOME_UNKNOWN"), String(e));
    assert.strictEqual((e as Error).message, "lost while writing the journal: Not connected");
    assert.strictEqual((e as Error).cause, dropped);
  });

  it("with ownErrors, an error from a host that still answers is the operation's own and is thrown at once", async () => {
    const host = new FaultyHost();
    const full = new Error("No space left on device");
    let calls = 0;
    const e = await withContact(host, async () => (calls++, Promise.reject(full)), {
      until: Date.now() + 5000,
      ownErrors: true,
      lost: lostAs("writing"),
    }).catch((x: unknown) => x);
    assert.strictEqual(e, full);
    assert.strictEqual(calls, 1);
  });

  it("with ownErrors, an error from a host that does not answer is retried", async () => {
    const host = new FaultyHost();
    host.faults.push({ match: /^true$/, times: 1, mode: "throw", message: "Not connected" });
    let calls = 0;
    const v = await withContact(host, async () => (calls++ === 0 ? Promise.reject(new Error("Not connected")) : "written"), {
      until: Date.now() + 5000,
      ownErrors: true,
      lost: lostAs("writing"),
    });
    assert.strictEqual(v, "written");
    assert.strictEqual(calls, 2);
  });

  it("a lost lock is thrown at once: no retry can change it", async () => {
    const host = new FaultyHost();
    const taken = new UpchainError("LOCK_LOST", "another run took the lock");
    let calls = 0;
    const e = await withContact(host, async () => (calls++, Promise.reject(taken)), { until: Date.now() + 5000, lost: lostAs("polling") }).catch(
      (x: unknown) => x,
    );
    assert.strictEqual(e, taken);
    assert.strictEqual(calls, 1);
  });
});
