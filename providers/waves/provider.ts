// The Wave gate's dynamic provider (implementation in ./impl, loaded lazily).
import { lazyProvider } from "../lazyProvider";

export const waveGateProvider = lazyProvider(require.resolve("./impl"));
