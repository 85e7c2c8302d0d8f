// The HostFacts dynamic provider. Pulumi serializes this object's methods into the state and runs
// them in a separate process; each method loads the implementation by absolute path at call time,
// so the serialized closure is small and carries no module state.
import type * as pulumi from "@pulumi/pulumi";

const implPath = require.resolve("./impl");

export const hostFactsProvider: pulumi.dynamic.ResourceProvider = {
  check: (olds, news) => require(implPath).check(olds, news),
  diff: (id, olds, news) => require(implPath).diff(id, olds, news),
  create: (inputs) => require(implPath).create(inputs),
  update: (id, olds, news) => require(implPath).update(id, olds, news),
  read: (id, props) => require(implPath).read(id, props),
  delete: () => require(implPath).remove(),
};
