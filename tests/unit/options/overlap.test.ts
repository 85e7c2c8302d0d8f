// The backup directory may not be, lie inside, or hold a path it backs up: the restore removes those first.
import * as assert from "assert";
import { backupOverlaps } from "../../../providers/options/overlap";

const backedUp = [
  { field: "options.installDir", value: "/opt/omflow" },
  { field: "options.databasePaths[1]", value: "/var/db" },
];
const overlaps = (backup: string) => backupOverlaps({ field: "options.backupDir", value: backup }, backedUp, "linux", "/var/backups/upchain/omflow");

describe("backup directory overlap", () => {
  it("a backup directory apart from everything it backs up is accepted", () => {
    assert.deepStrictEqual(overlaps("/var/backups/upchain/omflow"), []);
    assert.deepStrictEqual(overlaps("/opt/omflow-backups"), [], "a sibling that shares a prefix is apart");
  });

  it("inside the install folder: refused at options.backupDir, naming the field, the rule and a legal example", () => {
    const [p, ...rest] = overlaps("/opt/omflow/backups");
    assert.strictEqual(rest.length, 0);
    assert.strictEqual(p.path, "options.backupDir");
    assert.match(p.message, /is inside options\.installDir \("\/opt\/omflow"\), which the restore removes before it extracts the backup/);
    assert.match(p.message, /must lie outside every path it backs up \(options\.installDir, options\.databasePaths\[1\]\)/);
    assert.match(p.message, /for example \/var\/backups\/upchain\/omflow/);
  });

  it("the same path as a database, and a folder that holds one, are refused too", () => {
    assert.match(overlaps("/var/db")[0].message, /is the same path as options\.databasePaths\[1\]/);
    assert.match(overlaps("/var")[0].message, /holds options\.databasePaths\[1\] \("\/var\/db"\)/);
  });

  it("a backup directory holding two backed-up paths reports both", () => {
    assert.deepStrictEqual(overlaps("/").length, 2);
  });

  it("on Windows the comparison ignores case, and a path starting with a variable is not compared", () => {
    const w = backupOverlaps(
      { field: "options.backupDir", value: "c:\\groupmax\\bk" },
      [
        { field: "options.installDir", value: "C:\\Groupmax" },
        { field: "options.servicesFile", value: "%SystemRoot%\\System32\\drivers\\etc\\services" },
      ],
      "windows",
      "C:\\upchain\\backups\\groupmax",
    );
    assert.deepStrictEqual(
      w.map((p) => p.message.match(/options\.\w+/)?.[0]),
      ["options.installDir"],
    );
  });
});
