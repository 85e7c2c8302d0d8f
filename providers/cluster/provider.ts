// The ClusterRollout dynamic provider (implementation in ./impl, loaded lazily).
import { lazyProvider } from "../lazyProvider";

export const clusterRolloutProvider = lazyProvider(require.resolve("./impl"));
