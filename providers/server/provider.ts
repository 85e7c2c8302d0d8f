// The Server dynamic provider (implementation in ./impl, loaded lazily).
import { lazyProvider } from "../lazyProvider";

export const serverProvider = lazyProvider(require.resolve("./impl"));
