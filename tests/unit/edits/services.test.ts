import * as assert from "assert";
import fc from "fast-check";
import { ServiceEntry, addServices, presentServices, serviceConflicts, serviceEntryProblem } from "../../../providers/edits/services";
import { isUpchainError } from "../../../providers/errors";
import { editError, edited } from "../../support/edited";
import { servicesEntriesFor } from "../../../providers/catalogs/groupmax/rules";

const etc = `# Network services, Internet style\ntcpmux\t\t1/tcp\t\t\t\t# TCP port service multiplexer\npop3\t\t110/tcp\t\tpop-3\t\t# POP version 3\nimap2\t\t143/tcp\t\timap\t\t# Interim Mail Access P 2 and 4\n`;
const e = (name: string, port: number): ServiceEntry => ({ name, port, protocol: "tcp" });

describe("services file edit (pure)", () => {
  it("adds what is missing and keeps every existing line, comment and alias as it was", () => {
    const r = edited(addServices(etc, [e("adrshd", 20141), e("popcfg", 106)]));
    assert.strictEqual(r.changed, true);
    assert.ok(r.after.startsWith(etc), "existing text untouched");
    assert.match(r.after, /^adrshd\s+20141\/tcp$/m);
    assert.match(r.after, /^popcfg\s+106\/tcp$/m);
  });
  it("an entry already there (by name or alias, same port and protocol) is left alone", () => {
    const r = edited(addServices(etc, [e("pop3", 110), e("imap", 143)]));
    assert.strictEqual(r.changed, false);
    assert.strictEqual(r.after, etc);
  });
  it("Debian's pop3 (alias pop-3) and imap2 (alias imap) are already the pop3 and imap entries: present, nothing to add", () => {
    const debian = "pop3\t\t110/tcp\t\tpop-3\t\t# POP version 3\nimap2\t\t143/tcp\t\timap\t\t# Interim Mail Access P 2 and 4\n";
    assert.deepStrictEqual(presentServices(debian, [e("pop3", 110), e("imap", 143), e("adrshd", 20141)]), [e("pop3", 110), e("imap", 143)]);
    assert.deepStrictEqual(serviceConflicts(debian, [e("pop3", 110), e("imap", 143)]), []);
  });
  it("a name only in a comment, or on another protocol, is not present", () => {
    assert.deepStrictEqual(presentServices("imap2 143/tcp # imap\nimap 143/udp\n", [e("imap", 143)]), []);
  });
  it("lines appended to a file that separates its fields with tabs are separated with tabs, as Debian's are", () => {
    const r = edited(addServices(etc, [e("adrshd", 20141), e("adagt_ap", 9080), e("a_very_long_name", 9081)]));
    assert.strictEqual(r.after, etc + "adrshd\t\t20141/tcp\nadagt_ap\t9080/tcp\na_very_long_name\t9081/tcp\n");
  });
  it("lines appended to a file that separates its fields with spaces are separated with spaces", () => {
    assert.strictEqual(edited(addServices("echo            7/tcp\n", [e("imap", 143)])).after, "echo            7/tcp\nimap            143/tcp\n");
  });
  it("is idempotent", () => {
    const once = edited(addServices(etc, [e("adrshd", 20141)])).after;
    assert.strictEqual(edited(addServices(once, [e("adrshd", 20141)])).changed, false);
  });
  it("a port taken by another name is a conflict, named with its line, never overwritten", () => {
    const text = "mailx 143/tcp\n";
    assert.deepStrictEqual(
      serviceConflicts(text, [e("imap", 143)]).map((c) => [c.lineNumber, c.reason]),
      [[1, '143/tcp is taken by "mailx"']],
    );
    assert.strictEqual(editError(addServices(text, [e("imap", 143)])), 'line 1: 143/tcp is taken by "mailx"');
  });
  it("a name already used for another port is a conflict", () => {
    assert.match(serviceConflicts("imap 993/tcp\n", [e("imap", 143)])[0].reason, /"imap" already names 993\/tcp/);
  });
  it("keeps Windows line endings", () => {
    const r = edited(addServices("echo 7/tcp\r\n", [e("imap", 143)]));
    assert.strictEqual(r.after, "echo 7/tcp\r\nimap            143/tcp\r\n");
  });
  it("property: after adding, every entry is present exactly once and nothing else changed", () => {
    const entry = fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
      port: fc.integer({ min: 1, max: 65535 }),
      protocol: fc.constant<"tcp">("tcp"),
    });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (x) => x.name, minLength: 1, maxLength: 6 }), (entries) => {
        const ports = new Set(entries.map((x) => x.port));
        const base = etc.replace(/.*(110|143).*\n/g, "");
        fc.pre(ports.size === entries.length && serviceConflicts(base, entries).length === 0);
        const after = edited(addServices(base, entries)).after;
        return after.startsWith(base) && entries.every((x) => after.split("\n").filter((l) => new RegExp(`^${x.name}\\s+${x.port}/tcp$`).test(l)).length === 1);
      }),
      { numRuns: 200 },
    );
  });
});

describe("services entries that cannot be one line reading back as themselves", () => {
  const refusals: [Partial<ServiceEntry>, string, RegExp][] = [
    [{ name: "" }, "name", /"" is not a services name: give one or more printable ASCII characters without spaces or "#", like imap/],
    [{ name: "imap\nssh" }, "name", /"imap\\nssh" is not a services name/],
    [{ name: "im ap" }, "name", /not a services name/],
    [{ name: "imap#x" }, "name", /not a services name/],
    [{ name: "\u0456map" }, "name", /not a services name/], // Cyrillic і: a look-alike no program asks for
    [{ port: -1 }, "port", /-1 is not a port: give a whole number from 1 to 65535/],
    [{ port: 0 }, "port", /not a port/],
    [{ port: 65536 }, "port", /not a port/],
    [{ port: 1.5 }, "port", /not a port/],
    [{ port: Number.NaN }, "port", /NaN is not a port/],
    [{ protocol: "TCP" as "tcp" }, "protocol", /"TCP" is not a protocol of the services file: give tcp or udp \(lowercase\)/],
    [{ protocol: "tcp\nssh 22/tcp" as "tcp" }, "protocol", /not a protocol/],
    [{ protocol: "" as "tcp" }, "protocol", /not a protocol/],
  ];
  for (const [change, field, why] of refusals) {
    it(`${JSON.stringify(change)} is refused naming ${field}, and nothing is written`, () => {
      const entry = { ...e("adrshd", 20141), ...change };
      const message = serviceEntryProblem(entry, 2)?.message ?? "(accepted)";
      assert.ok(message.startsWith(`services entry 3, ${field}: `), message);
      assert.match(message, why);
      assert.throws(
        () => addServices(etc, [e("imap3", 220), entry]),
        (err) => isUpchainError(err, "INVALID_INPUT") && JSON.stringify(err.path) === JSON.stringify(["entries", 1, field]),
      );
    });
  }

  it("every entry the Groupmax document adds is well formed, from every source that adds some", () => {
    for (const from of ["02-00", "02-01", "03-00"]) {
      const entries = servicesEntriesFor(from);
      assert.ok(entries.length > 0, from);
      for (const [i, x] of entries.entries()) assert.strictEqual(serviceEntryProblem(x, i), undefined, `${from}: ${JSON.stringify(x)}`);
    }
  });
});
