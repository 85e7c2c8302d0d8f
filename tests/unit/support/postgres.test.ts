// Finding Debian's PostgreSQL binaries for the acceptance test of a team's state on PostgreSQL.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { postgresBinDir } from "../../support/postgres";

describe("postgresBinDir", () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "upchain-pgbin-"))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const install = (major: string) => {
    fs.mkdirSync(path.join(root, major, "bin"), { recursive: true });
    fs.writeFileSync(path.join(root, major, "bin/postgres"), "");
  };

  it("a machine without PostgreSQL's server fails with what to install", () => {
    fs.mkdirSync(path.join(root, "15/bin"), { recursive: true }); // the client package alone: no server
    assert.throws(() => postgresBinDir(root), /PostgreSQL's server is missing .*install it with 'apt-get install -y postgresql' \(or run \.ci\/run/);
    assert.throws(() => postgresBinDir(path.join(root, "absent")), /apt-get install -y postgresql/);
  });

  it("picks the newest major version, numerically", () => {
    install("9");
    install("15");
    install("13");
    assert.strictEqual(postgresBinDir(root), path.join(root, "15", "bin"));
  });
});
