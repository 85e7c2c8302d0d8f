// Bad input, services entries (issue 7): the services edit (providers/edits/services.ts) given
// hostile names, protocols and ports either refuses the entry with an UpchainError naming what is
// wrong, or writes exactly one line that reads back as that entry, keeping every other line as it was.
import * as assert from "assert";
import * as fc from "fast-check";
import { addServices, serviceConflicts, ServiceEntry } from "../../../providers/edits/services";
import { isUpchainError } from "../../../providers/errors";
import { edited } from "../../support/edited";
import { RUNS, hostileText, tally } from "../../support/hostile";

const BASE = "# services\nssh             22/tcp\nsmtp            25/tcp          mail\n";

const hostilePort = fc.oneof(
  fc.integer({ min: 1024, max: 65535 }),
  fc.constantFrom(-1, 0, 65536, 1e9, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -0),
  fc.integer({ min: -1e6, max: 1e6 }),
);
const hostileProtocol = fc.oneof(fc.constantFrom("tcp", "udp"), hostileText, fc.constantFrom("TCP", "tcp ", "tcp\nssh 22/tcp", "t\u0441p", "udp#"));
const hostileName = fc.oneof(hostileText, fc.constantFrom("imap", "-imap", "imap\nssh 23/tcp", "im ap", "imap#x", "\u0456map", "a".repeat(5000)));

/** How a reader of the services file sees one line: name, port/protocol, aliases; comments and blanks read as nothing. */
function readLine(line: string): { name: string; port: string; protocol: string } | undefined {
  const fields = line.replace(/#.*/, "").trim().split(/\s+/).filter(Boolean);
  if (fields.length < 2) return undefined;
  const [port, protocol] = fields[1].split("/");
  return { name: fields[0], port, protocol };
}

function refusedOrWrittenLiterally(e: ServiceEntry): void {
  if (serviceConflicts(BASE, [e]).length) return; // a clash with ssh or smtp: reported as a conflict, tested elsewhere
  let after: string;
  try {
    after = edited(addServices(BASE, [e])).after;
  } catch (err) {
    assert.ok(isUpchainError(err, "INVALID_INPUT"), `${JSON.stringify(e).slice(0, 200)}: thrown as ${(err as Error)?.name}: ${(err as Error)?.message}`);
    assert.ok(
      err.path.some((p) => ["name", "port", "protocol"].includes(String(p))),
      `the error names ${JSON.stringify(err.path)}`,
    );
    tally("services entries", "refused");
    return;
  }
  assert.ok(after.startsWith(BASE), "a line that was there changed");
  const added = after.slice(BASE.length).split("\n");
  assert.strictEqual(added.pop(), "", "the file no longer ends with a line ending");
  assert.strictEqual(added.length, 1, `${JSON.stringify(e).slice(0, 200)} was written as ${added.length} lines: ${JSON.stringify(added).slice(0, 300)}`);
  assert.deepStrictEqual(
    readLine(added[0]),
    { name: e.name, port: String(e.port), protocol: e.protocol },
    `the line ${JSON.stringify(added[0]).slice(0, 200)} does not read back as the entry`,
  );
  assert.ok(Number.isInteger(e.port) && e.port >= 1 && e.port <= 65535, `port ${e.port} was written`);
  assert.ok(e.protocol === "tcp" || e.protocol === "udp", `protocol ${JSON.stringify(e.protocol)} was written`);
  assert.strictEqual(edited(addServices(after, [e])).changed, false, "adding the same entry again changed the file");
  tally("services entries", "literal");
}

describe("bad input: services entries", function () {
  this.timeout(60_000);

  it("a hostile entry name is refused naming it, or written as one line that reads back as the entry", () => {
    fc.assert(
      fc.property(hostileName, (name) => refusedOrWrittenLiterally({ name, port: 20141, protocol: "tcp" })),
      RUNS,
    );
  });

  it("a hostile port is refused naming it, or written as one line that reads back as the entry", () => {
    fc.assert(
      fc.property(hostilePort, (port) => refusedOrWrittenLiterally({ name: "adrshd", port, protocol: "tcp" })),
      RUNS,
    );
  });

  it("a hostile protocol is refused naming it, or written as one line that reads back as the entry", () => {
    fc.assert(
      fc.property(hostileProtocol, (protocol) => refusedOrWrittenLiterally({ name: "adrshd", port: 20141, protocol: protocol as ServiceEntry["protocol"] })),
      RUNS,
    );
  });

  it("the well-formed entries of the Groupmax document are written as one line each (the check above can pass)", () => {
    refusedOrWrittenLiterally({ name: "imap", port: 143, protocol: "tcp" });
    refusedOrWrittenLiterally({ name: "adagt_ap", port: 9080, protocol: "tcp" });
  });
});
