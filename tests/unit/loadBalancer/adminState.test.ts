// HAProxy's numeric server states mapped to ready/drain/maint and up/down, from the management
// guide's tables for `show servers state` format 1.
import * as assert from "assert";
import { admf, mapServerState, opState } from "../../../providers/loadBalancer/adminState";

describe("mapServerState (HAProxy srv_admin_state / srv_op_state)", () => {
  const table: [string, number, number, ReturnType<typeof mapServerState>][] = [
    ["no admin bit, running", 0, opState.RUNNING, { admin: "ready", health: "up", inherited: false }],
    ["no admin bit, stopped by its checks", 0, opState.STOPPED, { admin: "ready", health: "down", inherited: false }],
    ["no admin bit, starting (slowstart) is up", 0, opState.STARTING, { admin: "ready", health: "up", inherited: false }],
    ["no admin bit, soft-stopping is up", 0, opState.STOPPING, { admin: "ready", health: "up", inherited: false }],
    ["FDRAIN: forced drain", admf.FDRAIN, opState.RUNNING, { admin: "drain", health: "up", inherited: false }],
    ["IDRAIN: drain from a tracked server", admf.IDRAIN, opState.RUNNING, { admin: "drain", health: "up", inherited: true }],
    ["FMAINT: forced maintenance", admf.FMAINT, opState.STOPPED, { admin: "maint", health: "down", inherited: false }],
    ["IMAINT: maintenance from a tracked server", admf.IMAINT, opState.STOPPED, { admin: "maint", health: "down", inherited: true }],
    ["CMAINT: `disabled` in the configuration", admf.CMAINT, opState.STOPPED, { admin: "maint", health: "down", inherited: true }],
    ["RMAINT: address resolution failed", admf.RMAINT, opState.STOPPED, { admin: "maint", health: "down", inherited: true }],
    ["CMAINT and then forced: forced", admf.CMAINT | admf.FMAINT, opState.STOPPED, { admin: "maint", health: "down", inherited: false }],
    ["maintenance wins over drain", admf.FMAINT | admf.FDRAIN, opState.STOPPED, { admin: "maint", health: "down", inherited: false }],
    ["HMAINT is a flag (FQDN set from the socket), not a maintenance", admf.HMAINT, opState.RUNNING, { admin: "ready", health: "up", inherited: false }],
  ];
  for (const [name, adminBits, op, expected] of table) {
    it(`${name}: admin ${adminBits}, op ${op}`, () => assert.deepStrictEqual(mapServerState(adminBits, op), expected));
  }

  it("refuses admin bits the format does not define, and op states outside 0..3", () => {
    assert.match(mapServerState(0x80, 2) as string, /srv_admin_state 128 has bits/);
    assert.match(mapServerState(-1, 2) as string, /srv_admin_state -1/);
    assert.match(mapServerState(0, 4) as string, /srv_op_state 4 is not one of 0..3/);
    assert.match(mapServerState(0, 1.5) as string, /srv_op_state 1.5/);
  });
});
