import * as assert from "assert";
import fc from "fast-check";
import { ServiceEntry, addServices, serviceConflicts } from "../../../providers/edits/services";

const etc = `# Network services, Internet style\ntcpmux\t\t1/tcp\t\t\t\t# TCP port service multiplexer\npop3\t\t110/tcp\t\tpop-3\t\t# POP version 3\nimap2\t\t143/tcp\t\timap\t\t# Interim Mail Access P 2 and 4\n`;
const e = (name: string, port: number): ServiceEntry => ({ name, port, protocol: "tcp" });

describe("services file edit (pure)", () => {
  it("adds what is missing and keeps every existing line, comment and alias as it was", () => {
    const r = addServices(etc, [e("adrshd", 20141), e("popcfg", 106)]);
    assert.strictEqual(r.changed, true);
    assert.ok(r.after.startsWith(etc), "existing text untouched");
    assert.match(r.after, /^adrshd\s+20141\/tcp$/m);
    assert.match(r.after, /^popcfg\s+106\/tcp$/m);
  });
  it("an entry already there (by name or alias, same port and protocol) is left alone", () => {
    const r = addServices(etc, [e("pop3", 110), e("imap", 143)]);
    assert.strictEqual(r.changed, false);
    assert.strictEqual(r.after, etc);
  });
  it("is idempotent", () => {
    const once = addServices(etc, [e("adrshd", 20141)]).after;
    assert.strictEqual(addServices(once, [e("adrshd", 20141)]).changed, false);
  });
  it("a port taken by another name is a conflict, named with its line, never overwritten", () => {
    const text = "mailx 143/tcp\n";
    assert.deepStrictEqual(serviceConflicts(text, [e("imap", 143)]).map((c) => [c.lineNumber, c.reason]), [[1, '143/tcp is taken by "mailx"']]);
    assert.throws(() => addServices(text, [e("imap", 143)]), /line 1: 143\/tcp is taken by "mailx"/);
  });
  it("a name already used for another port is a conflict", () => {
    assert.match(serviceConflicts("imap 993/tcp\n", [e("imap", 143)])[0].reason, /"imap" already names 993\/tcp/);
  });
  it("keeps Windows line endings", () => {
    const r = addServices("echo 7/tcp\r\n", [e("imap", 143)]);
    assert.strictEqual(r.after, "echo 7/tcp\r\nimap            143/tcp\r\n");
  });
  it("property: after adding, every entry is present exactly once and nothing else changed", () => {
    const entry = fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), port: fc.integer({ min: 1, max: 65535 }), protocol: fc.constant<"tcp">("tcp") });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (x) => x.name, minLength: 1, maxLength: 6 }), (entries) => {
        const ports = new Set(entries.map((x) => x.port));
        const base = etc.replace(/.*(110|143).*\n/g, "");
        fc.pre(ports.size === entries.length && serviceConflicts(base, entries).length === 0);
        const after = addServices(base, entries).after;
        return after.startsWith(base) && entries.every((x) => after.split("\n").filter((l) => new RegExp(`^${x.name}\\s+${x.port}/tcp$`).test(l)).length === 1);
      }),
      { numRuns: 200 },
    );
  });
});
