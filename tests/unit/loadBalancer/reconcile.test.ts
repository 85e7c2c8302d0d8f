// reconcile: the changes that bring the balancer to what is wanted, servers put back before any is
// taken out, so no backend loses its last ready server when that can be avoided.
import * as assert from "assert";
import fc from "fast-check";
import { isUpchainError } from "../../../providers/errors";
import { AdminState, ServerState } from "../../../providers/loadBalancer/pools";
import { DesiredState, readyAlong, reconcile } from "../../../providers/loadBalancer/reconcile";

const server = (backend: string, name: string, admin: AdminState): ServerState => ({
  backend,
  server: name,
  address: "10.0.0.1",
  admin,
  health: "up",
  inherited: false,
});

describe("reconcile (balancer state after a killed run -> ordered changes)", () => {
  it("a run killed after draining m1 and before returning it: m1 back first, then m2 out", () => {
    const current = [server("traffic", "m1", "drain"), server("traffic", "m2", "ready")];
    const desired: DesiredState[] = [
      { backend: "traffic", server: "m2", admin: "drain" },
      { backend: "traffic", server: "m1", admin: "ready" },
    ];
    assert.deepStrictEqual(reconcile(current, desired), [
      { backend: "traffic", server: "m1", from: "drain", to: "ready" },
      { backend: "traffic", server: "m2", from: "ready", to: "drain" },
    ]);
  });

  it("keeps the caller's order within returns and within removals, and leaves unchanged and unnamed servers alone", () => {
    const current = ["m1", "m2", "m3", "m4"].map((m, i) => server("invalidation", m, i < 2 ? "maint" : "ready"));
    const desired: DesiredState[] = [
      { backend: "invalidation", server: "m4", admin: "maint" },
      { backend: "invalidation", server: "m2", admin: "ready" },
      { backend: "invalidation", server: "m3", admin: "drain" },
      { backend: "invalidation", server: "m1", admin: "ready" },
    ];
    assert.deepStrictEqual(
      reconcile(current, desired).map((c) => `${c.server}:${c.to}`),
      ["m2:ready", "m1:ready", "m4:maint", "m3:drain"],
    );
    assert.deepStrictEqual(reconcile(current, [{ backend: "invalidation", server: "m3", admin: "ready" }]), []);
  });

  it("refuses a server the balancer does not have, and one wanted in two states", () => {
    const current = [server("traffic", "m1", "ready")];
    assert.throws(
      () => reconcile(current, [{ backend: "traffic", server: "m9", admin: "ready" }]),
      (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /traffic\/m9 is not a server the balancer has \(it has traffic\/m1\)/.test(e.message),
    );
    assert.throws(
      () =>
        reconcile(current, [
          { backend: "traffic", server: "m1", admin: "ready" },
          { backend: "traffic", server: "m1", admin: "maint" },
        ]),
      (e: unknown) => isUpchainError(e, "INVALID_INPUT") && /wanted both ready and maint/.test(e.message),
    );
  });

  it("along any change sequence, a backend never has fewer ready servers than at its start or its end (property)", () => {
    const admin = fc.constantFrom<AdminState>("ready", "drain", "maint");
    const arb = fc
      .array(fc.record({ backend: fc.constantFrom("a", "b"), now: admin, want: fc.option(admin, { nil: undefined }) }), { minLength: 1, maxLength: 8 })
      .chain((rows) =>
        fc
          .shuffledSubarray(
            rows.map((r, i) => i),
            { minLength: 0 },
          )
          .map((order) => ({ rows, order })),
      );
    fc.assert(
      fc.property(arb, ({ rows, order }) => {
        const current = rows.map((r, i) => server(r.backend, `s${i}`, r.now));
        const desired = order.filter((i) => rows[i].want).map((i) => ({ backend: rows[i].backend, server: `s${i}`, admin: rows[i].want! }));
        const along = readyAlong(current, reconcile(current, desired));
        const first = along[0];
        const last = along[along.length - 1];
        for (const step of along) {
          for (const [b, n] of step) assert.ok(n >= Math.min(first.get(b)!, last.get(b)!), `backend ${b} went down to ${n} ready`);
        }
      }),
    );
  });

  it("the changes bring every named server to its wanted state (property)", () => {
    const admin = fc.constantFrom<AdminState>("ready", "drain", "maint");
    fc.assert(
      fc.property(fc.array(fc.tuple(admin, admin), { minLength: 1, maxLength: 8 }), (pairs) => {
        const current = pairs.map(([now], i) => server("a", `s${i}`, now));
        const changes = reconcile(
          current,
          pairs.map(([, want], i) => ({ backend: "a", server: `s${i}`, admin: want })),
        );
        const end = new Map(current.map((c) => [c.server, c.admin]));
        for (const c of changes) {
          assert.strictEqual(end.get(c.server), c.from, "each change starts from the state the server is in");
          end.set(c.server, c.to);
        }
        pairs.forEach(([, want], i) => assert.strictEqual(end.get(`s${i}`), want));
      }),
    );
  });
});
