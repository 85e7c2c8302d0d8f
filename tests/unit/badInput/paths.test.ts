// Bad input, paths (issue 7): every path option of OMFLOW and Groupmax, on Linux and Windows, gets
// 200+ hostile values. Each is refused at preview with a problem naming the field, or renders into
// commands that are the canary's commands with the value, literally and correctly quoted, in the
// canary's place: same code outside quotes, `sh -n` parses them, and sh reads every quoted word back
// as the bytes intended. PowerShell has no parser here: its strings are checked against
// quotePowerShell's doubling rule on the rendered text instead.
import * as assert from "assert";
import * as fc from "fast-check";
import { Step } from "../../../providers/engine/planning/catalog";
import { quote } from "../../../providers/quote";
import {
  RUNS,
  hostileAbsolutePath,
  hostilePath,
  hostileText,
  hostileWindowsPath,
  lexSh,
  tally as tallyClass,
  withNul,
  withoutNul,
} from "../../support/hostile";
import { Field, Product, fields, judgeRendering, products, verdict } from "../../support/hostileRender";

/** How each value went, per field, for the README's table (printed with UPCHAIN_BADINPUT_STATS=1). */
const tally = new Map<string, { generated: number; refused: number; rendered: number }>();

function check(productName: string, p: Product, field: Field, value: string): void {
  const t = tally.get(`${productName} ${field.label}`) ?? { generated: 0, refused: 0, rendered: 0 };
  tally.set(`${productName} ${field.label}`, t);
  t.generated++;
  const v = verdict(p, field.set(p.base, value));
  if (v.kind === "crashed") {
    const e = v.error as Error;
    assert.fail(
      `${field.label} = ${JSON.stringify(value).slice(0, 200)}: preview crashed with ${e?.name}: ${e?.message} (expected a problem naming ${field.label})`,
    );
  }
  const fieldClass = field.kind === "name" ? "names" : "paths";
  if (v.kind === "refused") {
    t.refused++;
    tallyClass(fieldClass, "refused");
    assert.ok(
      // the field itself, or another one whose problem is the overlap with it and says so by name
      v.problems.some((pr) => field.names(pr.path) || pr.message.includes(`${field.label} (`)),
      `${field.label} = ${JSON.stringify(value).slice(0, 200)} was refused, but no problem names the field: ${JSON.stringify(v.problems).slice(0, 400)}`,
    );
    for (const pr of v.problems) assert.doesNotMatch(pr.message, /ZodError|\[\s*\{\s*"code"/, "a problem reads as a raw zod dump");
    return;
  }
  t.rendered++;
  const why = judgeRendering(p, field, value);
  assert.strictEqual(why, "", `${field.label} = ${JSON.stringify(value).slice(0, 200)}: ${why}`);
  tallyClass(fieldClass, "literal");
}

const anyValueFor = (p: Product, field: Field): fc.Arbitrary<string> =>
  field.kind === "name" ? hostileText : p.platform === "windows" ? fc.oneof(hostileWindowsPath, hostileAbsolutePath) : hostilePath;
const valuesFor = (p: Product, field: Field) => withoutNul(anyValueFor(p, field));

describe("bad input: paths", function () {
  this.timeout(120_000);

  after(() => {
    if (!process.env.UPCHAIN_BADINPUT_STATS) return;
    for (const [k, t] of tally) console.log(`${k}\t${t.generated}\t${t.refused}\t${t.rendered}`);
  });

  for (const [name, p] of Object.entries(products)) {
    it(`${name}: the base options the suite varies plan and pass preview (so every rendered verdict is about the value)`, () => {
      const v = verdict(p, p.base);
      assert.strictEqual(v.kind, "rendered", JSON.stringify(v));
      if (v.kind === "rendered") assert.ok(v.commands.length > 10, `only ${v.commands.length} commands rendered`);
    });

    for (const field of fields[name]) {
      it(`${name}: a hostile ${field.label} is refused naming it, or lands in the commands as one literal quoted word`, () => {
        fc.assert(
          fc.property(valuesFor(p, field), (value) => check(name, p, field, value)),
          RUNS,
        );
      });
    }
  }

  for (const [name, p] of Object.entries(products)) {
    it(`${name}: a NUL byte anywhere in any path or name option is refused naming the field, never a crash`, () => {
      fc.assert(
        fc.property(withNul(p.platform === "windows" ? hostileWindowsPath : hostilePath), (value) => {
          const wrong = fields[name].flatMap((field) => {
            const v = verdict(p, field.set(p.base, value));
            tallyClass(field.kind === "name" ? "names" : "paths", v.kind === "refused" ? "refused" : "literal");
            if (v.kind === "crashed") return [`${field.label}: crashed with ${(v.error as Error)?.message}`];
            // a field this platform does not use may keep its NUL, as long as it reaches no step
            if (v.kind === "rendered") {
              const carrier = v.steps.find((st) => JSON.stringify(st).includes("\\u0000"));
              return carrier ? [`${field.label}: accepted, and the NUL reaches step ${carrier.id} (it will fail there, not at preview)`] : [];
            }
            return v.problems.some((pr) => field.names(pr.path))
              ? []
              : [`${field.label}: refused without naming it (${JSON.stringify(v.problems).slice(0, 200)})`];
          });
          assert.deepStrictEqual(wrong, [], `value ${JSON.stringify(value).slice(0, 100)}`);
        }),
        RUNS,
      );
    });
  }

  it("the values most likely to break quoting, by hand, for every field: each refused naming the field or literal", () => {
    const picked = [
      "",
      "/",
      "..",
      "/opt/../etc",
      "-rf",
      "--help",
      "/a b",
      "/it's",
      "/$(touch /tmp/pwned)",
      "/`touch /tmp/pwned`",
      "/a\nb",
      "/a\u2019b",
      "/a\uFF0Fb",
      "/a\u2024\u2024/b",
      "/\u0430pt",
      "C:\\a'b",
      "C:\\a\u2019; touch /tmp/pwned; \u2019",
      "/" + "x".repeat(5000),
    ];
    for (const [name, p] of Object.entries(products)) for (const field of fields[name]) for (const value of picked) check(name, p, field, value);
  });
});

describe("bad input: the judge itself", () => {
  const p = products["omflow linux"];
  const field = fields["omflow linux"][0];

  it("reads a quoted word with an escaped quote as one literal run, as sh does", () => {
    const lexed = lexSh(`cat ${quote("/it's $(here)")}/VERSION`);
    assert.deepStrictEqual(lexed.decoded, ["/it's $(here)"]);
    assert.strictEqual(lexed.code, "cat \u0001/VERSION");
  });

  it("reads single quotes inside double quotes as code, and a quoted word inside $( ) inside them as a word", () => {
    assert.deepStrictEqual(lexSh(`echo "it's ${"$"}(cat ${quote("/a b")})"`).decoded, ["/a b"]);
    assert.strictEqual(lexSh(`echo "it's"`).code, `echo "it's"`);
  });

  it("refuses a renderer that puts the quoted value inside double quotes (where $( ) still runs)", () => {
    const leaky: Product = {
      ...p,
      catalog: {
        ...p.catalog,
        hopSteps: (hop, ctx) => [
          ...p.catalog.hopSteps(hop, ctx),
          {
            id: "leak",
            action: "run",
            title: "leak",
            shell: "sh",
            destructive: false,
            commands: [`ls "${quote((ctx.options.installDir as string | undefined) ?? "/opt/omflow")}"`],
          } as Step,
        ],
      },
    };
    assert.notStrictEqual(judgeRendering(leaky, field, "/opt/$(touch /tmp/pwned)"), "");
  });

  it("refuses a renderer that forgets to quote the value (the check could fail)", () => {
    const leaky: Product = {
      ...p,
      catalog: {
        ...p.catalog,
        hopSteps: (hop, ctx) => [
          ...p.catalog.hopSteps(hop, ctx),
          {
            id: "leak",
            action: "run",
            title: "leak",
            shell: "sh",
            destructive: false,
            commands: [`ls ${(ctx.options.installDir as string | undefined) ?? "/opt/omflow"}`],
          } as Step,
        ],
      },
    };
    assert.match(judgeRendering(leaky, field, "/opt/$(touch /tmp/pwned)"), /code outside quotes that the value changed/);
    assert.strictEqual(judgeRendering(p, field, "/opt/$(touch /tmp/pwned)"), "");
  });

  it("refuses a PowerShell string whose quote is not doubled", () => {
    const pw = products["omflow windows"];
    const wfield = fields["omflow windows"][0];
    const leaky: Product = {
      ...pw,
      catalog: {
        ...pw.catalog,
        hopSteps: (hop, ctx) => [
          ...pw.catalog.hopSteps(hop, ctx),
          {
            id: "leak",
            action: "run",
            title: "leak",
            shell: "powershell",
            destructive: false,
            commands: [`Get-Item '${(ctx.options.windowsInstallDir as string | undefined) ?? "C:\\x"}'`],
          } as Step,
        ],
      },
    };
    assert.notStrictEqual(judgeRendering(leaky, wfield, "C:\\it\u2019s; New-Item x; \u2019"), "");
    assert.strictEqual(judgeRendering(pw, wfield, "C:\\it\u2019s; New-Item x; \u2019"), "");
  });
});
