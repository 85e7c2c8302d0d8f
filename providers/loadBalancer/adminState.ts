// HAProxy's numeric server states (management guide, "show servers state", format version 1) mapped
// to what upchain works with. Pure: the tables below are the guide's.
import type { AdminState, Health } from "./pools";

/** srv_admin_state bits. */
export const admf = {
  FMAINT: 0x01, // forced into maintenance (by `set server ... state maint`)
  IMAINT: 0x02, // inherited maintenance from a tracked server
  CMAINT: 0x04, // maintenance from the configuration (`disabled`)
  FDRAIN: 0x08, // forced into drain (by `set server ... state drain`)
  IDRAIN: 0x10, // inherited drain from a tracked server
  RMAINT: 0x20, // maintenance because its address could not be resolved
  HMAINT: 0x40, // its FQDN was set from the stats socket (a flag, not a maintenance)
} as const;
const knownAdminBits = 0x7f;
const maintBits = admf.FMAINT | admf.IMAINT | admf.CMAINT | admf.RMAINT;
const drainBits = admf.FDRAIN | admf.IDRAIN;

/** srv_op_state values. */
export const opState = { STOPPED: 0, STARTING: 1, RUNNING: 2, STOPPING: 3 } as const;

export interface MappedState {
  admin: AdminState;
  health: Health;
  inherited: boolean;
}

/**
 * Map one server's numeric states, or say why they cannot be mapped (a value outside the guide's
 * tables means another format than the one this was written for: better to stop than to guess).
 */
export function mapServerState(adminBits: number, op: number): MappedState | string {
  if (!Number.isInteger(adminBits) || adminBits < 0 || (adminBits & ~knownAdminBits) !== 0)
    return `srv_admin_state ${adminBits} has bits the format does not define`;
  if (!Number.isInteger(op) || op < opState.STOPPED || op > opState.STOPPING) return `srv_op_state ${op} is not one of 0..3`;
  // maintenance wins over drain: a server in both takes no traffic at all
  const admin: AdminState = adminBits & maintBits ? "maint" : adminBits & drainBits ? "drain" : "ready";
  const forced = admin === "maint" ? adminBits & admf.FMAINT : admin === "drain" ? adminBits & admf.FDRAIN : 1;
  // STARTING is up but throttled (slowstart); STOPPING is up but soft-stopping (e.g. a 404 check)
  const health: Health = op === opState.STOPPED ? "down" : "up";
  return { admin, health, inherited: !forced };
}
