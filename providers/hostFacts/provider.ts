// The HostFacts dynamic provider (implementation in ./impl, loaded lazily).
import { lazyProvider } from "../lazyProvider";

export const hostFactsProvider = lazyProvider(require.resolve("./impl"));
