// What users import: one component per product family.
export { OmflowServer, OmflowServerArgs } from "./omflowServer";
export { HostFacts } from "../providers/hostFacts/resource";
export { Server } from "../providers/server/resource";
export { registerCatalog } from "../providers/catalogs";
export type { Catalog } from "../providers/engine/catalog";
export { GroupmaxServer, GroupmaxServerArgs } from "./groupmaxServer";
export { OracleAsServer, OracleAsServerArgs } from "./oracleAsServer";
export { WebCacheCluster, WebCacheClusterArgs } from "./webCacheCluster";
export { AltazionServer, AltazionServerArgs, AltazionModuleArgs } from "./altazionServer";
export { ManagedFiles } from "../providers/files/resource";
