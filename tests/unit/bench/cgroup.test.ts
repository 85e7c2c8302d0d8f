// CPU accounting for the bench: where the cgroup v2 hierarchy is mounted (a pure v2 machine, or the
// "unified" mount of a hybrid one), cpu.stat's usage_usec, and a command run through a group's
// launcher counted there with everything it forks.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { BenchCgroups, cgroup2Mount, usageUsec } from "../../../bench/cgroup";

describe("bench cgroup accounting", () => {
  it("finds the cgroup v2 mount on a pure v2 machine and on a hybrid one", () => {
    assert.strictEqual(cgroup2Mount("sysfs /sys sysfs rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n"), "/sys/fs/cgroup");
    const hybrid = "tmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n";
    assert.strictEqual(cgroup2Mount(hybrid), "/sys/fs/cgroup/unified");
  });

  it("finds none on a v1-only machine, and the bench then has no groups", () => {
    const v1 = "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n";
    assert.strictEqual(cgroup2Mount(v1), undefined);
    assert.strictEqual(BenchCgroups.create(v1), undefined);
  });

  it("reads usage_usec from cpu.stat and refuses a file without it", () => {
    assert.strictEqual(usageUsec("usage_usec 460862\nuser_usec 457174\nsystem_usec 3687\n"), 460862);
    assert.throws(() => usageUsec("user_usec 1\n"), /no usage_usec/);
  });

  it("counts the CPU of a command run through a group's launcher, its children included", function () {
    const groups = BenchCgroups.create();
    if (!groups) this.skip();
    try {
      const g = groups!.group("unit");
      const before = g.cpuSeconds();
      // the busy loop runs in a child of the launched shell: it must be counted too
      const [cmd, ...args] = [...g.launcher(), "sh", "-c", "sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'"];
      assert.strictEqual(spawnSync(cmd, args).status, 0);
      assert.ok(g.cpuSeconds() - before > 0.05, `counted ${g.cpuSeconds() - before} s`);
      assert.deepStrictEqual(g.pids(), []);
    } finally {
      assert.strictEqual(groups!.remove(), undefined);
    }
  });
});
