// The report's data: the stack's servers from a stack export, each with its newest run record; a
// file that is not a record is skipped; the command writes the picture.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { main } from "../../../providers/cli";
import { RunRecord } from "../../../providers/engine/running/runRecord";
import { readRecords, rowsFor, serversOf } from "../../../providers/report/collect";
import { tempDir } from "../../support/localHost";

const server = (name: string, host: string, extra: Record<string, unknown> = {}) => ({
  urn: `urn:pulumi:prod::upchain::upchain:omflow:OmflowServer$pulumi-nodejs:dynamic/upchain:Server::${name}`,
  type: "pulumi-nodejs:dynamic/upchain:Server",
  outputs: { product: "omflow", connection: { host, port: 22, user: "root" }, installedVersion: "1.1.6.2", ...extra },
});
const exported = {
  deployment: {
    resources: [
      { urn: "urn:pulumi:prod::upchain::pulumi:pulumi:Stack::upchain-prod", type: "pulumi:pulumi:Stack" },
      server("web2", "10.0.0.2"),
      server("web1", "10.0.0.1"),
      server("db", "10.0.0.3"),
    ],
  },
};
const record = (host: string, run: string, seconds: number): RunRecord => ({
  version: 1,
  server: `root@${host}:22`,
  resource: "omflow",
  product: "omflow",
  run,
  from: "1.1.6.1",
  to: "1.1.6.2",
  status: "done",
  steps: [
    {
      kind: "step",
      hop: "1.1.6.1->1.1.6.2",
      id: "patch",
      title: "patch",
      action: "run",
      start: "2026-11-23T10:00:00.000Z",
      end: new Date(Date.parse("2026-11-23T10:00:00.000Z") + seconds * 1000).toISOString(),
      outcome: "ok",
    },
  ],
});

describe("upchain report: the stack's servers and their newest runs", () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
    fs.mkdirSync(path.join(dir, "runs"));
    const write = (f: string, v: unknown) => fs.writeFileSync(path.join(dir, "runs", f), typeof v === "string" ? v : JSON.stringify(v));
    write("a.json", record("10.0.0.1", "20261123T100000-aaaaaa", 10));
    write("b.json", record("10.0.0.1", "20261123T110000-bbbbbb", 20));
    write("c.json", record("10.0.0.2", "20261123T100000-cccccc", 5));
    write("d.json", "{ not json");
    write("e.json", { version: 1, server: "x", steps: "no" });
    fs.writeFileSync(path.join(dir, "export.json"), JSON.stringify(exported));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("keeps the stack's order, the newest run of each server, and skips servers with no run and files that are not records", () => {
    const servers = serversOf(exported);
    assert.deepStrictEqual(
      servers.map((s) => `${s.name} ${s.server} ${s.resource}`),
      ["web2 root@10.0.0.2:22 omflow", "web1 root@10.0.0.1:22 omflow", "db root@10.0.0.3:22 omflow"],
    );
    const records = readRecords(path.join(dir, "runs"));
    assert.strictEqual(records.length, 3);
    const rows = rowsFor(servers, records);
    assert.deepStrictEqual(
      rows.map((r) => `${r.name} ${r.record.run}`),
      ["web2 20261123T100000-cccccc", "web1 20261123T110000-bbbbbb"],
    );
  });

  it("a cluster member's Servers for its stops (wc1-9.0.2.3, then wc1: one host, one journal) are one row, under the member's own name", () => {
    const staged = serversOf({
      deployment: {
        resources: [server("web1-9.0.2.3", "10.0.0.1"), server("web2-9.0.2.3", "10.0.0.2"), server("web1", "10.0.0.1"), server("web2", "10.0.0.2")],
      },
    });
    const rows = rowsFor(staged, readRecords(path.join(dir, "runs")));
    assert.deepStrictEqual(
      rows.map((r) => `${r.name} ${r.record.run}`),
      ["web1 20261123T110000-bbbbbb", "web2 20261123T100000-cccccc"],
    );
  });

  it("puts servers wave by wave, keeping the state's order within a wave", () => {
    const waved = {
      deployment: {
        resources: [
          server("c", "10.0.0.3", { wave: 1 }),
          server("a", "10.0.0.1", { wave: 0 }),
          server("d", "10.0.0.4", { wave: 1 }),
          server("b", "10.0.0.2", { wave: 0 }),
        ],
      },
    };
    assert.deepStrictEqual(
      serversOf(waved).map((s) => `${s.name}:${s.wave}`),
      ["a:0", "b:0", "c:1", "d:1"],
    );
  });

  it("the command writes the SVG with one row per server that ran", async () => {
    const out = path.join(dir, "report.svg");
    const code = await main(["report", "--stack", "prod", "--export", path.join(dir, "export.json"), "--runs", path.join(dir, "runs"), "--out", out]);
    assert.strictEqual(code, 0);
    const svg = fs.readFileSync(out, "utf8");
    assert.strictEqual((svg.match(/class="label"/g) ?? []).length, 2);
    assert.match(svg, />web1</);
    assert.match(svg, /class="total"[^>]*>20\.0 s</);
  });
});
