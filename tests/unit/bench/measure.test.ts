// The bench's memory sampler reads only the contender's processes: its process tree (or its cgroup),
// every 500 ms, and sums their PSS; the pulumi roles are told apart by their command lines.
import * as assert from "assert";
import { spawn } from "child_process";
import { SAMPLE_EVERY_MS, descendants, kib, roleOf, sampleContender } from "../../../bench/measure";

describe("bench memory sampler", () => {
  it("samples every 500 ms", () => assert.strictEqual(SAMPLE_EVERY_MS, 500));

  it("finds a process's children and grandchildren, and not itself", async () => {
    const root = spawn("sh", ["-c", "sh -c 'sleep 5' & sleep 5"], { detached: true });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const found = descendants(root.pid!);
      assert.ok(!found.includes(root.pid!));
      assert.ok(found.length >= 2, `found ${found}`);
      assert.deepStrictEqual(descendants(process.pid).includes(root.pid!), true);
    } finally {
      process.kill(-root.pid!, "SIGKILL");
    }
  }).timeout(10_000);

  it("reports the peak of the tree's summed PSS and the root's own peak", async () => {
    const root = spawn("sh", ["-c", "sleep 5 & sleep 5"], { detached: true });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const peaks = sampleContender({ root: root.pid! }).stop();
      assert.ok(peaks.treeKiB > 0 && peaks.cliKiB > 0, JSON.stringify(peaks));
      assert.strictEqual(peaks.providerKiB, 0);
    } finally {
      process.kill(-root.pid!, "SIGKILL");
    }
  }).timeout(10_000);

  it("reads kB fields and tells the provider from the program", () => {
    assert.strictEqual(kib("Rss: 10 kB\nPss:   1234 kB\n", "Pss"), 1234);
    assert.strictEqual(kib("Rss: 10 kB\n", "Pss"), 0);
    assert.strictEqual(roleOf("/usr/bin/node /x/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js"), "providerKiB");
    assert.strictEqual(roleOf("/usr/bin/node /x/node_modules/@pulumi/pulumi/cmd/run /p"), "programKiB");
    assert.strictEqual(roleOf("ssh -o BatchMode=yes root@10.77.0.2"), "");
  });
});
