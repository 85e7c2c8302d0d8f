import * as assert from "assert";
import { isUpchainError } from "../../../providers/errors";
import { create, diff, judge, update } from "../../../providers/waves/impl";

const gate = (over: Partial<Parameters<typeof judge>[0]> = {}) => ({
  wave: "wave 2 of 3",
  servers: ["b1", "b2", "b3"],
  outcomes: [
    { name: "b1", status: "ok" as const },
    { name: "b2", status: "failed" as const, error: "STEP_FAILED: root@10.0.0.2:22: step run-patch exited 1; 1.1.6.3 was put back" },
    { name: "b3", status: "ok" as const },
  ],
  maxFailPercentage: 34,
  later: ["c1", "c2", "c3"],
  earlierFailed: [],
  last: false,
  ...over,
});

describe("wave gate: the verdict at the end of a wave", () => {
  it("a failure within the budget lets the next wave start and is carried to the next gate", () => {
    assert.deepStrictEqual(
      judge(gate()).failed.map((f) => f.name),
      ["b2"],
    );
  });
  it("over the budget it stops the run, naming the wave, its failed servers with their errors, the budget and the servers not touched", () => {
    const outcomes = gate().outcomes.map((o) => (o.name === "b3" ? { name: "b3", status: "failed" as const, error: "LOCKED: another run holds the lock" } : o));
    assert.throws(
      () => judge(gate({ outcomes })),
      (e: unknown) => {
        assert.ok(isUpchainError(e));
        assert.strictEqual(e.code, "WAVE_FAILED");
        assert.match(e.message, /^wave 2 of 3 \(b1, b2, b3\): 2 of 3 servers failed, over its budget of 1 \(maxFailPercentage 34\)/);
        assert.match(e.message, /3 servers of later waves were not touched \(c1, c2, c3\)/);
        assert.match(e.message, /b2: STEP_FAILED: .*run-patch[\s\S]*b3: LOCKED/);
        return true;
      },
    );
  });
  it("the last gate fails the run when any server of any wave failed, even within the budgets", () => {
    const earlierFailed = [{ name: "a1", status: "failed" as const, error: "STEP_FAILED: x" }];
    const allOk = gate().outcomes.map((o) => ({ name: o.name, status: "ok" as const }));
    assert.throws(
      () => judge(gate({ last: true, later: [], outcomes: allOk, earlierFailed })),
      /WAVE_FAILED|every wave ran, but 1 server\(s\) failed within their wave's budget[\s\S]*a1: STEP_FAILED: x/,
    );
    assert.deepStrictEqual(judge(gate({ last: true, later: [], outcomes: allOk })).failed, [], "and passes when none did");
  });
  it("create and update report the code in front of the message (Pulumi shows the message only)", async () => {
    await assert.rejects(create(gate({ maxFailPercentage: 0 })), /^Error: WAVE_FAILED: wave 2 of 3/);
    await assert.rejects(update("wave-2-of-3", {}, gate({ maxFailPercentage: 0 })), /^Error: WAVE_FAILED/);
    const made = await create(gate());
    assert.strictEqual(made.id, "wave-2-of-3");
    assert.deepStrictEqual(
      made.outs.failed.map((f: { name: string }) => f.name),
      ["b2"],
    );
  });
  it("malformed inputs (a program of one's own) are refused with the field", async () => {
    await assert.rejects(create({ ...gate(), maxFailPercentage: 150 }), /INVALID_INPUT: wave gate: maxFailPercentage/);
  });
  it("changes when an outcome changes, so a repeated failure is weighed again; not when nothing changed", async () => {
    assert.strictEqual((await diff("w", gate(), gate())).changes, false);
    assert.strictEqual((await diff("w", gate(), gate({ outcomes: gate().outcomes.map((o) => ({ name: o.name, status: "ok" as const })) }))).changes, true);
  });
});
