// The engine floor: N dynamic resources whose provider does nothing (check returns the inputs, diff
// reports no change). `pulumi preview` of this costs what the Pulumi engine and the Node.js dynamic
// provider machinery cost per resource, with no SSH and no planning: what upchain's preview is compared with.
import * as pulumi from "@pulumi/pulumi";

const nothing: pulumi.dynamic.ResourceProvider = {
  async check(_olds: unknown, news: unknown) {
    return { inputs: news };
  },
  async diff() {
    return {};
  },
  async create(inputs: { index: number }) {
    return { id: String(inputs.index), outs: inputs };
  },
};

// a concrete class: dynamic.Resource is abstract
class Nothing extends pulumi.dynamic.Resource {
  constructor(name: string, index: number) {
    super(nothing, name, { index }, {});
  }
}

const count = new pulumi.Config("bench").requireNumber("count");
for (let i = 0; i < count; i++) new Nothing(`r${i}`, i);
