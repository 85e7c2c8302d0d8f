// HAProxy's answers parsed strictly: the texts below are what HAProxy 2.6.12 (the test hosts') wrote
// on its admin socket; garbage is an error naming the source, never a crash.
import * as assert from "assert";
import fc from "fast-check";
import { isUpchainError } from "../../../providers/errors";
import { parseServersState, parseShowStat } from "../../../providers/loadBalancer/answers";

const header =
  "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port";
// m2 drained, m3 in maintenance (as `set server` left them on the test host)
const real =
  `1\n${header}\n` +
  "3 traffic 1 m1 10.77.0.13 2 0 1 1 6 15 3 4 6 0 0 0 - 8000 - 0 0 - - 0\n" +
  "3 traffic 2 m2 10.77.0.14 2 8 1 1 0 15 3 4 6 0 0 0 - 8000 - 0 0 - - 0\n" +
  "3 traffic 3 m3 10.77.0.15 0 1 1 1 0 15 3 0 14 0 0 0 - 8000 - 0 0 - - 0\n" +
  "4 invalidation 1 m1 10.77.0.13 2 0 1 1 6 6 3 4 6 0 0 0 - 8001 - 0 0 - - 0\n\n";
const source = "HAProxy at root@lb:22 unix:/run/haproxy/admin.sock";

function rejects(text: string, why: RegExp): void {
  assert.throws(
    () => parseServersState(text, source),
    (e: unknown) => isUpchainError(e, "REMOTE_IO_FAILED") && e.message.startsWith(`${source}: HAProxy's answer cannot be read: `) && why.test(e.message),
  );
}

describe("parseServersState (show servers state, format 1)", () => {
  it("reads HAProxy 2.6's answer: names, addresses, ready/drain/maint and up/down", () => {
    assert.deepStrictEqual(parseServersState(real, source), [
      { backend: "traffic", server: "m1", address: "10.77.0.13", admin: "ready", health: "up", inherited: false },
      { backend: "traffic", server: "m2", address: "10.77.0.14", admin: "drain", health: "up", inherited: false },
      { backend: "traffic", server: "m3", address: "10.77.0.15", admin: "maint", health: "down", inherited: false },
      { backend: "invalidation", server: "m1", address: "10.77.0.13", admin: "ready", health: "up", inherited: false },
    ]);
  });

  it("a backend without servers is an empty list; comment lines are skipped", () => {
    assert.deepStrictEqual(parseServersState(`1\n${header}\n\n`, source), []);
    assert.strictEqual(parseServersState(real.replace("3 traffic 2", "# a comment\n3 traffic 2"), source).length, 4);
  });

  it("refuses another format version, a missing header, unknown or missing columns", () => {
    rejects(real.replace(/^1\n/, "2\n"), /format version 1, got "2"/);
    rejects("Can't find backend.\n\n", /format version 1, got "Can't find backend."/);
    rejects(real.replace("# be_id", "be_id"), /second line must be the column header/);
    rejects(real.replace("srv_port", "srv_colour"), /unknown column "srv_colour"/);
    rejects(real.replace(" srv_admin_state", ""), /lacks srv_admin_state/);
  });

  it("refuses rows with another number of fields, words in numeric columns, hostile names and undefined states", () => {
    rejects(real.replace(" 8000 - 0 0 - - 0\n", " 8000 - 0 0 - -\n"), /line 3 .* has 24 fields, the header 25/);
    rejects(real.replace("3 traffic 2 m2 10.77.0.14 2 8", "3 traffic 2 m2 10.77.0.14 2 x8"), /line 4 .*srv_admin_state is not a number/);
    rejects(real.replace("traffic 1 m1", "traffic 1 m1;shutdown"), /srv_name may only hold/);
    rejects(real.replace("3 traffic 2 m2 10.77.0.14 2 8", "3 traffic 2 m2 10.77.0.14 2 256"), /srv_admin_state 256 has bits/);
    rejects(real.replace("3 traffic 2 m2 10.77.0.14 2 8", "3 traffic 2 m2 10.77.0.14 7 8"), /srv_op_state 7/);
  });

  it("any garbage is an UpchainError naming the source, never another exception (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `1\n${header}\n${s}`),
          fc.string().map((s) => real.slice(0, real.length / 2) + s),
        ),
        (text) => {
          try {
            parseServersState(text, source);
          } catch (e) {
            assert.ok(isUpchainError(e, "REMOTE_IO_FAILED") && e.message.startsWith(source), String(e));
          }
        },
      ),
    );
  });
});

const statHeader =
  "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,";
const statRow = (px: string, sv: string, qcur: number, scur: number) =>
  `${px},${sv},${qcur},0,${scur},1,,2,166,230,,0,,0,0,0,0,UP,1,1,0,0,0,14,0,,1,3,1,,2,,2,0,,1,L7OK,200,1,`;

describe("parseShowStat (show stat CSV)", () => {
  it("reads current sessions and queue per backend/server, skipping FRONTEND and BACKEND rows", () => {
    const text = [statHeader, statRow("traffic", "m1", 0, 3), statRow("traffic", "m2", 2, 0), statRow("traffic", "BACKEND", 0, 3), ""].join("\n") + "\n";
    const load = parseShowStat(text, source);
    assert.deepStrictEqual(
      [...load],
      [
        ["traffic/m1", { sessions: 3, queued: 0 }],
        ["traffic/m2", { sessions: 0, queued: 2 }],
      ],
    );
  });

  it("reads quoted fields with commas (a check description)", () => {
    const text = `# pxname,svname,qcur,scur,check_desc,\ntraffic,m1,0,4,"Layer7, ""wrong"" status",\n\n`;
    assert.deepStrictEqual(parseShowStat(text, source).get("traffic/m1"), { sessions: 4, queued: 0 });
  });

  it("refuses a missing header, a short row, a non-number and an open quote", () => {
    const bad: [string, RegExp][] = [
      ["Permission denied\n\n", /must start with its CSV header/],
      [`${statHeader}\ntraffic,m1,0\n\n`, /does not have the header's/],
      [`${statHeader}\n${statRow("traffic", "m1", 0, 3).replace(",0,3,", ",0,three,")}\n\n`, /scur is not a number/],
      [`# pxname,svname,qcur,scur,x,\ntraffic,m1,0,4,"open,\n\n`, /does not have the header's/],
      [`# pxname,svname,qcur,x,\n\n`, /lacks scur/],
    ];
    for (const [text, why] of bad) {
      assert.throws(
        () => parseShowStat(text, source),
        (e: unknown) => isUpchainError(e, "REMOTE_IO_FAILED") && why.test(e.message),
        text,
      );
    }
  });
});
