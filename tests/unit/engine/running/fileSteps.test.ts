// The services-add step and its preview check, run against a local fake transport.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { edit, servicesAdd } from "../../../../providers/engine/running/fileSteps";
import { PlannedStep } from "../../../../providers/engine/planning/planner";
import { EditStep, ServicesAddStep } from "../../../../providers/engine/planning/catalog";
import { ServiceEntry } from "../../../../providers/edits/services";
import { precheckPlan } from "../../../../providers/engine/planning/precheck";
import { isUpchainError } from "../../../../providers/errors";
import { LocalHost, tempDir } from "../../../support/localHost";
import { TEST_STEP } from "../../../support/testProvenance";

const entries: ServiceEntry[] = [
  { name: "imap", port: 143, protocol: "tcp" },
  { name: "pop3", port: 110, protocol: "tcp" },
];

function servicesStep(file: string): PlannedStep & ServicesAddStep {
  return {
    provenance: TEST_STEP,
    id: "services-add",
    action: "services-add",
    shell: "sh",
    title: "add",
    commands: [],
    destructive: true,
    hop: "03-00->06-00",
    file,
    entries,
  };
}

const plan = (file: string) => ({ product: "x", platform: "linux" as const, from: "03-00", to: "06-00", hops: [], steps: [servicesStep(file)] });

describe("services-add step (local fake transport)", () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, "services");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("adds the missing entries, keeps the existing lines and a backup, and the second run writes nothing", async () => {
    fs.writeFileSync(file, "# services\npop3\t\t110/tcp\t\tpop-3\n");
    const first = await servicesAdd(new LocalHost(), servicesStep(file), "run1");
    assert.strictEqual(first.code, 0, first.stderr);
    assert.strictEqual(fs.readFileSync(file, "utf8"), "# services\npop3\t\t110/tcp\t\tpop-3\nimap\t\t143/tcp\n", "the file's own separator (tabs)");
    assert.strictEqual(fs.readFileSync(`${file}.upchain-run1.bak`, "utf8"), "# services\npop3\t\t110/tcp\t\tpop-3\n");
    const second = await servicesAdd(new LocalHost(), servicesStep(file), "run2");
    assert.match(second.stdout, /already right; not written/);
    assert.strictEqual(fs.existsSync(`${file}.upchain-run2.bak`), false);
  });

  it("a conflict fails the step, names the line, and writes nothing", async () => {
    fs.writeFileSync(file, "imap2 143/tcp # IMAP\n");
    const r = await servicesAdd(new LocalHost(), servicesStep(file), "run1");
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /line 1 \("imap2 143\/tcp # IMAP"\): 143\/tcp is taken by "imap2", so imap 143\/tcp cannot be added/);
    assert.strictEqual(fs.readFileSync(file, "utf8"), "imap2 143/tcp # IMAP\n");
    assert.deepStrictEqual(fs.readdirSync(dir), ["services"]);
  });

  it("a file that conflicts when read back after the write (another writer took a port meanwhile) is put back, and the step names the conflict", async () => {
    fs.writeFileSync(file, "# services\n");
    // the write lands, and someone else's line for 110/tcp with it
    class RacedHost extends LocalHost {
      async writeFile(target: string, data: Buffer | string, mode?: number): Promise<void> {
        await super.writeFile(target, `${data}mailx 110/tcp\n`, mode);
      }
    }
    const r = await servicesAdd(new RacedHost(), servicesStep(file), "run1");
    assert.strictEqual(r.code, 1);
    assert.match(
      r.stderr,
      /^the edited .* was rejected, and the old file is back: the written file conflicts with its entries: line \d+: 110\/tcp is taken by "mailx"/,
    );
    assert.strictEqual(fs.readFileSync(file, "utf8"), "# services\n", "the old file is back");
  });

  it("a missing services file fails the step instead of creating one", async () => {
    const r = await servicesAdd(new LocalHost(), servicesStep(file), "run1");
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /does not exist/);
  });

  it("precheck reports every conflict at preview as SERVICES_CONFLICT and changes nothing", async () => {
    fs.writeFileSync(file, "imap2 143/tcp\nmail 110/tcp\n");
    await assert.rejects(precheckPlan(new LocalHost(), plan(file)), (e: unknown) => {
      assert.ok(isUpchainError(e, "SERVICES_CONFLICT"));
      assert.match(e.message, /143\/tcp is taken by "imap2"/);
      assert.match(e.message, /110\/tcp is taken by "mail"/);
      assert.match(e.message, /Nothing on the host was changed/);
      return true;
    });
    assert.strictEqual(fs.readFileSync(file, "utf8"), "imap2 143/tcp\nmail 110/tcp\n");
  });

  it("precheck passes when the entries are already there or free, and names the ones already there (by name or alias)", async () => {
    fs.writeFileSync(file, "imap2 143/tcp imap\n");
    const found = await precheckPlan(new LocalHost(), plan(file));
    assert.deepStrictEqual(found.present, { "03-00->06-00 services-add": [{ name: "imap", port: 143, protocol: "tcp" }] });
  });
});

describe("edit step (local fake transport)", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a wsgi module path the host printed that Apache cannot read on one line fails the step, naming it, and the file is not touched", async () => {
    const file = path.join(dir, "site.conf");
    fs.writeFileSync(file, "LoadModule wsgi_module /old.so\n");
    const step: EditStep = {
      provenance: TEST_STEP,
      id: "wsgi",
      action: "edit",
      shell: "sh",
      title: "wsgi",
      commands: [],
      destructive: true,
      file,
      edit: "wsgi-module",
      valueCommand: "printf '/new\\n/evil.so'",
    };
    const r = await edit(new LocalHost(), step, "run1");
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /^the wsgi module path .* cannot be written in an Apache configuration line/s);
    assert.strictEqual(fs.readFileSync(file, "utf8"), "LoadModule wsgi_module /old.so\n");
    assert.deepStrictEqual(fs.readdirSync(dir), ["site.conf"], "no backup: nothing was written");
  });
});
