// The LookAhead dynamic provider (implementation in ./impl, loaded lazily).
import { lazyProvider } from "../lazyProvider";

export const lookAheadProvider = lazyProvider(require.resolve("./impl"));
