// The ManagedFiles dynamic provider (implementation in ./impl, loaded lazily).
import { lazyProvider } from "../lazyProvider";

export const managedFilesProvider = lazyProvider(require.resolve("./impl"));
