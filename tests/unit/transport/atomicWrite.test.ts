// The script that finishes a remote write, run here by /bin/sh on files in a temp dir: the content
// lands by one rename from beside the target, and no temp or staging file survives any failure.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { atomicReplaceInput, atomicReplaceScript, tempPathBeside } from "../../../providers/transport/atomicWrite";
import { tempDir } from "../../support/localHost";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("atomic remote write", function () {
  this.timeout(30_000); // ssh-keygen and bcrypt key derivation are slow on a loaded machine
  let dir: string;
  let stageDir: string;
  beforeEach(() => {
    dir = tempDir("upchain-aw-");
    stageDir = tempDir("upchain-aw-stage-");
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(stageDir, { recursive: true, force: true });
  });
  /** The script run by sh with the expected hash on its standard input, as the transport sends it. */
  const run = (w: { script: string; input: string }) => spawnSync("/bin/sh", ["-c", w.script], { encoding: "utf8", input: w.input });
  /** A write's script and standard input (the hash never on the command line). */
  const write = (w: { target: string; tmp: string; stage?: string }, content: string, mode: number) => ({
    script: atomicReplaceScript({ ...w, mode }),
    input: atomicReplaceInput(sha(content)),
  });
  const leftovers = () => [...fs.readdirSync(dir).filter((n) => n.includes(".upchain-")), ...fs.readdirSync(stageDir)];

  /** Stage `content` as the login user would, and return the write's parts. */
  function prepare(name: string, content: string, staged = true) {
    const target = path.join(dir, name);
    const tmp = tempPathBeside(target, "0123abcd");
    const stage = path.join(stageDir, "upchain-stage");
    fs.writeFileSync(staged ? stage : tmp, content, { mode: 0o600 });
    return { target, tmp, stage: staged ? stage : undefined };
  }

  it("the temp file is beside the target, hidden and recognisable", () => {
    assert.strictEqual(tempPathBeside("/etc/apache2/sites/omflow.conf", "ab12"), "/etc/apache2/sites/.omflow.conf.upchain-ab12");
    assert.strictEqual(path.dirname(tempPathBeside("/opt/x y/z", "r")), "/opt/x y");
  });
  it("a name near the filesystem's limit still gives a temp name within 255 bytes", () => {
    const t = tempPathBeside("/d/" + "é".repeat(127), "0123456789abcdef");
    assert.ok(Buffer.byteLength(path.basename(t)) <= 255);
    assert.ok(path.basename(t).endsWith(".upchain-0123456789abcdef"));
  });
  it("a path that names no file is refused", () => {
    for (const bad of ["/", "/etc/", "/etc/.."]) assert.throws(() => tempPathBeside(bad, "r"), /does not name a file/);
  });

  it("a staged write replaces the target with the content and mode, keeps its owner, and leaves nothing behind", () => {
    const w = prepare("app.conf", "new\n");
    fs.writeFileSync(w.target, "old\n", { mode: 0o644 });
    const owner = fs.statSync(w.target);
    const r = run(write(w, "new\n", 0o640));
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(fs.readFileSync(w.target, "utf8"), "new\n");
    const st = fs.statSync(w.target);
    assert.strictEqual(st.mode & 0o7777, 0o640);
    assert.deepStrictEqual([st.uid, st.gid], [owner.uid, owner.gid]);
    assert.deepStrictEqual(leftovers(), []);
  });
  it("the new content arrives by rename: a reader holding the old file still sees the old content", () => {
    const w = prepare("app.conf", "new\n");
    fs.writeFileSync(w.target, "old\n");
    const before = fs.statSync(w.target).ino;
    const fd = fs.openSync(w.target, "r");
    assert.strictEqual(run(write(w, "new\n", 0o644)).status, 0);
    assert.strictEqual(fs.readFileSync(fd, "utf8"), "old\n");
    fs.closeSync(fd);
    assert.notStrictEqual(fs.statSync(w.target).ino, before, "a new inode, not the old file rewritten in place");
  });
  it("a root login's upload, already beside the target, is finished the same way", () => {
    const w = prepare("new.conf", "x=1\n", false);
    fs.writeFileSync(w.target, "");
    assert.strictEqual(run(write(w, "x=1\n", 0o600)).status, 0);
    assert.strictEqual(fs.readFileSync(w.target, "utf8"), "x=1\n");
    assert.deepStrictEqual(leftovers(), []);
  });
  it("a checksum mismatch leaves the target alone and removes the temp and staged files", () => {
    const w = prepare("app.conf", "corrupted\n");
    fs.writeFileSync(w.target, "old\n");
    const r = run(write(w, "what was sent\n", 0o644));
    assert.strictEqual(r.status, 3);
    assert.match(r.stderr, /the content that arrived is not the content sent/);
    assert.ok(!r.stderr.includes(sha("what was sent\n")) && !r.stderr.includes(sha("corrupted\n")), "no hash in the message: it reaches terminals and logs");
    assert.strictEqual(fs.readFileSync(w.target, "utf8"), "old\n");
    assert.deepStrictEqual(leftovers(), []);
  });
  it("a rename that fails (a directory where the file should be) removes the temp and staged files", () => {
    const w = prepare("conf.d", "x\n");
    fs.mkdirSync(w.target);
    const r = run(write(w, "x\n", 0o644));
    assert.notStrictEqual(r.status, 0);
    assert.ok(fs.statSync(w.target).isDirectory(), "nothing was moved into the directory");
    assert.deepStrictEqual(fs.readdirSync(w.target), []);
    assert.deepStrictEqual(leftovers(), []);
  });
  it("a chown that fails removes the temp and staged files", () => {
    const w = prepare("app.conf", "x\n");
    fs.writeFileSync(w.target, "old\n");
    // a chown that refuses, found first on PATH
    const bin = path.join(stageDir, "..", path.basename(stageDir) + "-bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "chown"), "#!/bin/sh\necho 'chown: Operation not permitted' >&2; exit 1\n", { mode: 0o755 });
    try {
      const r = spawnSync("/bin/sh", ["-c", atomicReplaceScript({ ...w, mode: 0o644 })], {
        encoding: "utf8",
        input: atomicReplaceInput(sha("x\n")),
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      });
      assert.notStrictEqual(r.status, 0);
      assert.match(r.stderr, /Operation not permitted/);
      assert.strictEqual(fs.readFileSync(w.target, "utf8"), "old\n");
      assert.deepStrictEqual(leftovers(), []);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
  it("names with spaces, quotes and $() are written literally, running nothing", () => {
    const w = prepare("it's $(touch pwned) `x`.conf", "ok\n");
    const r = run({ script: `cd ${JSON.stringify(dir)} && ` + atomicReplaceScript({ ...w, mode: 0o644 }), input: atomicReplaceInput(sha("ok\n")) });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(fs.readFileSync(w.target, "utf8"), "ok\n");
    assert.ok(!fs.existsSync(path.join(dir, "pwned")));
    assert.deepStrictEqual(leftovers(), []);
  });

  it("the script carries no hash: it reads the expected sha256 from its standard input, and a write with none there is refused", () => {
    const w = prepare("app.conf", "new\n");
    fs.writeFileSync(w.target, "old\n");
    const script = atomicReplaceScript({ ...w, mode: 0o644 });
    assert.doesNotMatch(script, /[0-9a-f]{64}/);
    for (const input of ["", "\n", "not-a-hash\n", `${sha("new\n")} \n`]) {
      const r = run({ script, input });
      assert.strictEqual(r.status, 3, `${JSON.stringify(input)}: ${r.stderr}`);
      assert.strictEqual(fs.readFileSync(w.target, "utf8"), "old\n");
      fs.writeFileSync(w.stage!, "new\n", { mode: 0o600 });
    }
    assert.throws(() => atomicReplaceInput("ABC"), /64 lowercase hex/);
  });
  it("content on standard input follows the hash's line and arrives byte for byte", () => {
    const target = path.join(dir, "bin.dat");
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const r = spawnSync("/bin/sh", ["-c", atomicReplaceScript({ target, tmp: tempPathBeside(target, "ab"), mode: 0o600, fromStdin: true })], {
      input: atomicReplaceInput(createHash("sha256").update(bytes).digest("hex"), bytes),
      encoding: "utf8",
    });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.ok(fs.readFileSync(target).equals(bytes));
    assert.deepStrictEqual(leftovers(), []);
  });
});
