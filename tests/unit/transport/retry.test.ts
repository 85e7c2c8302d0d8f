// The one retry (transport/retry.ts), table-tested on a fake clock: how many attempts it makes, when it
// gives up and with whose error, which failures it throws at once, and the pauses between attempts.
import * as assert from "assert";
import { RetryPolicy, doubling, retry } from "../../../providers/transport/retry";

interface Case {
  name: string;
  /** What each attempt does, in turn: a value to return, or an error to throw. The last repeats. */
  attempts: (string | Error)[];
  policy: Partial<RetryPolicy>;
  /** How long each attempt takes on the fake clock. */
  attemptMs?: number;
  /** How long the recovery between attempts takes, and its failure if it fails. */
  recovery?: { ms: number; fails?: string };
  want: { value?: string; error?: RegExp; calls: number; pauses?: number[]; recovered?: number };
}

const boom = (m: string) => new Error(m);

const cases: Case[] = [
  { name: "an attempt that succeeds at once is not repeated", attempts: ["ok"], policy: { attempts: 3 }, want: { value: "ok", calls: 1, pauses: [] } },
  {
    name: "a failure followed by a success returns the success",
    attempts: [boom("dropped"), boom("dropped"), "ok"],
    policy: { attempts: 5 },
    want: { value: "ok", calls: 3 },
  },
  {
    name: "after the last of its attempts it gives up with the caller's error",
    attempts: [boom("dropped")],
    policy: { attempts: 3 },
    want: { error: /^gave up after: dropped$/, calls: 3 },
  },
  {
    name: "past its deadline it makes no new attempt and gives up",
    attempts: [boom("dropped")],
    attemptMs: 400,
    policy: { until: 1000 },
    want: { error: /gave up after: dropped/, calls: 3 },
  },
  {
    name: "a failure the caller calls not retryable is thrown as it is, at once",
    attempts: [boom("disk full")],
    policy: { attempts: 5, retryable: (e) => (e as Error).message !== "disk full" },
    want: { error: /^disk full$/, calls: 1 },
  },
  {
    name: "the retryable question may be asked of the host (it is awaited)",
    attempts: [boom("dropped"), "ok"],
    policy: { attempts: 5, retryable: async () => true },
    want: { value: "ok", calls: 2 },
  },
  {
    name: "the pauses double from the first and stop growing at the longest",
    attempts: [boom("dropped")],
    policy: { attempts: 6, backoffMs: doubling(500, 4000) },
    want: { error: /dropped/, calls: 6, pauses: [500, 1000, 2000, 4000, 4000] },
  },
  {
    name: "no pause follows the failure it gives up on",
    attempts: [boom("dropped")],
    policy: { attempts: 2, backoffMs: () => 100 },
    want: { error: /dropped/, calls: 2, pauses: [100] },
  },
  {
    name: "a recovery runs between attempts, not after the last one",
    attempts: [boom("dropped")],
    policy: { attempts: 3 },
    want: { error: /dropped/, calls: 3, recovered: 2 },
  },
  {
    name: "a recovery that fails and uses up the time left makes its failure the one given up with",
    attempts: [boom("dropped")],
    recovery: { ms: 1000, fails: "reconnect refused" },
    policy: { until: 1000 },
    want: { error: /^gave up after: reconnect refused$/, calls: 1 },
  },
  {
    name: "a recovery that fails with time left is followed by another attempt",
    attempts: [boom("dropped"), "ok"],
    recovery: { ms: 100, fails: "reconnect refused" },
    policy: { until: 1000 },
    want: { value: "ok", calls: 2 },
  },
];

describe("retry (transport/retry.ts)", () => {
  for (const c of cases) {
    it(c.name, async () => {
      let clock = 0;
      const pauses: number[] = [];
      let calls = 0;
      let recovered = 0;
      const policy: RetryPolicy = {
        giveUp: (last) => new Error(`gave up after: ${(last as Error).message}`, { cause: last }),
        recover: async () => {
          recovered++;
          clock += c.recovery?.ms ?? 0;
          if (c.recovery?.fails) throw new Error(c.recovery.fails);
        },
        now: () => clock,
        sleep: async (ms) => void (pauses.push(ms), (clock += ms)),
        ...c.policy,
      };
      const attempt = async () => {
        const next = c.attempts[Math.min(calls++, c.attempts.length - 1)];
        clock += c.attemptMs ?? 0;
        if (next instanceof Error) throw next;
        return next;
      };
      const got = await retry(attempt, policy).then(
        (value) => ({ value }),
        (e: Error) => ({ error: e }),
      );
      if (c.want.error) assert.match("error" in got ? got.error.message : `returned ${got.value}`, c.want.error);
      else assert.deepStrictEqual(got, { value: c.want.value });
      assert.strictEqual(calls, c.want.calls, "attempts made");
      if (c.want.pauses) assert.deepStrictEqual(pauses, c.want.pauses);
      if (c.want.recovered !== undefined) assert.strictEqual(recovered, c.want.recovered, "recoveries");
    });
  }

  it("the error it gives up with keeps the last failure as its cause", async () => {
    const last = new Error("dropped");
    const e = await retry(() => Promise.reject(last), { attempts: 2, giveUp: (l) => new Error("lost", { cause: l }) }).catch((x: Error) => x);
    assert.strictEqual((e as Error).cause, last);
  });
});
