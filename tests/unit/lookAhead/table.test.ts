// The fleet's problems as one table: server | field or check | problem | what to do.
import * as assert from "assert";
import { FleetProblem, fleetTable, splitAdvice } from "../../../providers/lookAhead/table";

describe("the fleet's problems as one table", () => {
  const splits: [string, string, string, string][] = [
    ["a did-you-mean is the thing to do", 'unknown key; did you mean "product"?', "unknown key", 'did you mean "product"?'],
    [
      "advice after a semicolon is the thing to do",
      "10.0.0.9:22 refused the connection; check the host is up and sshd listens there",
      "10.0.0.9:22 refused the connection",
      "check the host is up and sshd listens there",
    ],
    ["a message without advice gets the code's next step", "1.2.9.9 is older than the installed 1.2.0.1", "1.2.9.9 is older than the installed 1.2.0.1", ""],
  ];
  for (const [name, message, problem, todo] of splits) {
    it(name, () => assert.deepStrictEqual(splitAdvice(message), { problem, todo }));
  }

  it("one row per problem, columns aligned, every server named, in the order given", () => {
    const problems: FleetProblem[] = [
      { server: "omf-a", field: "upchain:servers[0].version", problem: "1.2.9.9 is not a known OMFLOW release", todo: "give one of 1.2.0.0, 1.2.0.1" },
      { server: "omf-bb", field: "upchain:servers[1].options.offlineBundel", problem: "is not an option", todo: "did you mean `offlineBundle`?" },
      { server: "omf-c", field: "connection", problem: "could not connect to 10.0.0.9:22", todo: "check the host is up" },
    ];
    const lines = fleetTable(problems).split("\n");
    assert.match(lines[0], /^3 problems on 3 servers:$/);
    assert.match(lines[1], /^server +\| field or check +\| problem +\| what to do$/);
    assert.strictEqual(lines.length, 2 + 1 + problems.length);
    const bars = (l: string) => [...l.matchAll(/\|/g)].map((m) => m.index);
    for (const l of lines.slice(3)) assert.deepStrictEqual(bars(l), bars(lines[1]), l);
    problems.forEach((p, i) => assert.ok(lines[3 + i].startsWith(p.server + " ") && lines[3 + i].includes(p.field) && lines[3 + i].includes(p.todo)));
  });
});
