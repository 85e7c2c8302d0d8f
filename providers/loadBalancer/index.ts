// The load-balancer pools: the interface the rollout uses, HAProxy's runtime API behind it, the
// reconcile plan for a resumed run, and the config schema for the connection.
export { AdminState, Health, Pools, ServerState, adminStates } from "./pools";
export { HaproxyPools } from "./haproxyPools";
export { RuntimeApi } from "./runtimeApi";
export { Change, DesiredState, readyAlong, reconcile } from "./reconcile";
export { RuntimeApiConfig, defaultAdminSocket, haproxyPools, runtimeApiSchema, streamTargetOf } from "./config";
export { checkName, nameProblem } from "./names";
export { mapServerState } from "./adminState";
export { OwnStates, PoolLedger, foreignStates } from "./ledger";
