import * as assert from "assert";
import { applyNamedEdit, editNames, hasNamedEdit, stepValue } from "../../../providers/edits/index";
import { editError, edited } from "../../support/edited";

describe("named edits: one registry, typed values", () => {
  it("each named edit reads the step's value text and edits the file", () => {
    assert.strictEqual(edited(applyNamedEdit("wsgi-module", "", "/m.so")).after, "LoadModule wsgi_module /m.so\n");
    assert.strictEqual(
      edited(applyNamedEdit("oratab-start-at-boot", "*:/old:Y\n", stepValue("oratab-start-at-boot", { on: "/new", off: "/old" }))).after,
      "*:/old:N\n*:/new:Y\n",
    );
    assert.match(edited(applyNamedEdit("jvm-max-heap", '<JavaVM><JVMproperties property="-Xmx512m"/></JavaVM>', "1024m")).after, /-Xmx1024m/);
    assert.strictEqual(edited(applyNamedEdit("reports-server-name", "<x/>", "")).changed, false);
    assert.deepStrictEqual(editNames, ["wsgi-module", "oratab-start-at-boot", "jvm-max-heap", "reports-server-name"]);
  });

  it("the oratab homes reach the step as the same text as before, so the journal's plan digest does not change", () => {
    assert.strictEqual(stepValue("oratab-start-at-boot", { on: "/u01/10.1.2", off: "/u01/9.0.2" }), '{"on":"/u01/10.1.2","off":"/u01/9.0.2"}');
    assert.strictEqual(stepValue("jvm-max-heap", "1024m"), "1024m");
  });

  it("an edit name that is not one of them is an error naming those there are, not an edit", () => {
    assert.strictEqual(hasNamedEdit("toString"), false, "an Object.prototype name is not an edit");
    assert.strictEqual(
      editError(applyNamedEdit("toString", "x", "y")),
      "no edit named toString: the named edits are wsgi-module, oratab-start-at-boot, jvm-max-heap, reports-server-name",
    );
  });

  it("a value the host printed that the edit cannot use is an error of the step, never thrown", () => {
    assert.match(editError(applyNamedEdit("wsgi-module", "", "/a\nb.so")), /cannot be written in an Apache configuration line/);
    assert.match(editError(applyNamedEdit("reports-server-name", "", "$(reboot)")), /not a plain name/);
  });
});
