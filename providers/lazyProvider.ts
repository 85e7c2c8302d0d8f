// A dynamic provider whose methods load their implementation by absolute path at call time. Pulumi
// serializes the provider's closures into the state and runs them in another process; this way
// they capture only that path, never ssh2, zod or module state.
import type * as pulumi from "@pulumi/pulumi";

export function lazyProvider(implPath: string): pulumi.dynamic.ResourceProvider {
  return {
    check: (olds, news) => require(implPath).check(olds, news),
    diff: (id, olds, news) => require(implPath).diff(id, olds, news),
    create: (inputs) => require(implPath).create(inputs),
    update: (id, olds, news) => require(implPath).update(id, olds, news),
    read: (id, props) => require(implPath).read(id, props),
    delete: (id, props) => require(implPath).remove(id, props),
  };
}
