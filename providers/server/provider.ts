// The Server dynamic provider; methods load the implementation by absolute path at call time so
// Pulumi's closure serialization captures only that path.
import type * as pulumi from "@pulumi/pulumi";

const implPath = require.resolve("./impl");

export const serverProvider: pulumi.dynamic.ResourceProvider = {
  check: (olds, news) => require(implPath).check(olds, news),
  diff: (id, olds, news) => require(implPath).diff(id, olds, news),
  create: (inputs) => require(implPath).create(inputs),
  update: (id, olds, news) => require(implPath).update(id, olds, news),
  read: (id, props) => require(implPath).read(id, props),
  delete: () => require(implPath).remove(),
};
