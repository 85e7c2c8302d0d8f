// upchain's public API: what a user's own Pulumi program imports (`import { OmflowServer } from "upchain"`).
// One component per product family, the rolling cluster and waves, the connection they all take,
// and the catalog contract for a product of one's own (a Server with a catalogModule).
export { OmflowServer, OmflowServerArgs } from "./omflowServer";
export { GroupmaxServer, GroupmaxServerArgs } from "./groupmaxServer";
export { OracleAsServer, OracleAsServerArgs } from "./oracleAsServer";
export { WebCacheCluster, WebCacheClusterArgs } from "./webCacheCluster";
export { AltazionServer, AltazionServerArgs, AltazionModuleArgs } from "./altazionServer";
export { RolloutWaves, RolloutWavesArgs } from "./rolloutWaves";

// The resources underneath, for a product of one's own and for reading hosts.
export { Server, ServerArgs, RunControlArgs, RunOutcome } from "../providers/server/resource";
export { HostFacts } from "../providers/hostFacts/resource";
export type { Connection, ConnectionArgs } from "../providers/connection";
export { ManagedFiles } from "../providers/files/resource";
export { LookAhead } from "../providers/lookAhead/resource";

// The catalog contract: what a catalog module exports as `catalog`, and the helpers catalogs use.
export type {
  Catalog,
  ChainPosition,
  FileSet,
  Hop,
  HostCheck,
  HostOffer,
  PlanContext,
  Platform,
  Rule,
  Shell,
  Step,
  StepAction,
  StepSpec,
  VersionProbe,
} from "../providers/engine/planning/catalog";
export { psStep, shStep, uploadStep } from "../providers/engine/planning/catalog";
export type { VersionScheme } from "../providers/engine/planning/version";
export { dottedNumbers, paddedNumbers } from "../providers/engine/planning/version";
export { quote, quotePowerShell } from "../providers/quote";
export { UpchainError } from "../providers/errors";

// Environments promoted in order: the previous stack's `proven` output read with a StackReference.
export { Promotion, PromotionArgs, ProvenServer, provenOutput } from "./promotion";
export type { PromotionGate, Proven } from "../providers/engine/planning/promotion";
