// The operator's stop (Ctrl-C) as the executor hears it, and what a run says when it hears it and
// when it ends between two hops.
import * as assert from "assert";
import { createStopSignal, stopAcknowledged, stoppedBetweenHops } from "../../../../providers/engine/running/stopSignal";

describe("the operator's stop (Ctrl-C)", () => {
  it("a listener registered before the stop is told once, however often the stop is requested", () => {
    const s = createStopSignal();
    let told = 0;
    s.onRequest(() => told++);
    assert.strictEqual(s.requested(), false);
    s.request();
    s.request();
    assert.strictEqual(s.requested(), true);
    assert.strictEqual(told, 1);
  });

  it("a listener registered after the stop is told at once", () => {
    const s = createStopSignal();
    s.request();
    let told = 0;
    s.onRequest(() => told++);
    assert.strictEqual(told, 1);
  });

  it("an unsubscribed listener is not told", () => {
    const s = createStopSignal();
    let told = 0;
    const off = s.onRequest(() => told++);
    off();
    s.request();
    assert.strictEqual(told, 0);
  });

  const acknowledged: [string, string | undefined, string | undefined, RegExp][] = [
    [
      "during a hop with another after it: that hop ends, the next is named as not started",
      "1->2",
      "2->3",
      /^Ctrl-C: stopping after this hop \(1->2\): its steps run to their end and it is checked; hop 2->3 is not started\. Ctrl-C again/,
    ],
    [
      "during the last hop: it ends, and it is said to be the last",
      "2->3",
      undefined,
      /^Ctrl-C: stopping after this hop \(2->3\): .*, the last hop of the chain\./,
    ],
    ["before any hop started: nothing more starts", undefined, undefined, /^Ctrl-C: stopping before the first hop; nothing more is started\./],
  ];
  for (const [name, hop, next, want] of acknowledged) {
    it(`the acknowledgement, ${name}`, () => assert.match(stopAcknowledged(hop, next), want));
  }

  it("every acknowledgement says what a second Ctrl-C does, and that the next up carries on", () => {
    for (const [, hop, next] of acknowledged)
      assert.match(stopAcknowledged(hop, next), /Ctrl-C again ends pulumi at once: .* the next pulumi up waits for it and carries on\.$/);
  });

  it("a run stopped after a hop names the version reached, the hop not started, and how to go on", () => {
    assert.strictEqual(
      stoppedBetweenHops({ label: "web1", done: "1->2", reached: "2", next: "2->3", to: "3" }),
      "web1: stopped after hop 1->2 as asked (Ctrl-C): the server runs 2, checked by that hop; hop 2->3 was not started. Run pulumi up again to go on from 2 to 3.",
    );
  });

  it("a run stopped before its first hop says nothing was started", () => {
    assert.match(
      stoppedBetweenHops({ label: "web1", reached: "1", next: "1->2", to: "3" }),
      /^web1: stopped before hop 1->2 as asked \(Ctrl-C\): nothing was started, the server still runs 1; hop 1->2 was not started\. Run pulumi up again to go on from 1 to 3\.$/,
    );
  });
});
