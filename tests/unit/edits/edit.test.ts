import * as assert from "assert";
import { setWsgiModulePath } from "../../../providers/edits/edit";

const conf = `# site\n    LoadModule wsgi_module /opt/omflow/python/lib/python3.8/site-packages/mod_wsgi/server/mod_wsgi-py38.so # old\nWSGIPythonHome /opt/omflow/python\n`;
const newPath = "/opt/omflow/python/lib/python3.11/site-packages/mod_wsgi/server/mod_wsgi-py311.cpython-311-x86_64-linux-gnu.so";

describe("setWsgiModulePath (pure edit)", () => {
  it("points the LoadModule line at the new module, keeping indentation and the trailing comment", () => {
    const r = setWsgiModulePath(conf, newPath);
    assert.strictEqual(r.changed, true);
    assert.strictEqual(r.before, conf);
    assert.strictEqual(r.after, conf.replace(/\/opt\/omflow\/python\/lib\/python3\.8\S+/, newPath));
    assert.match(r.after, /^    LoadModule wsgi_module \S+ # old$/m);
  });
  it("is idempotent: applied twice, the second changes nothing", () => {
    const once = setWsgiModulePath(conf, newPath).after;
    const twice = setWsgiModulePath(once, newPath);
    assert.strictEqual(twice.changed, false);
    assert.strictEqual(twice.after, once);
  });
  it("adds the line at the top when the file has none", () => {
    const r = setWsgiModulePath("WSGIPythonHome /x\n", "/m.so");
    assert.strictEqual(r.after, "LoadModule wsgi_module /m.so\nWSGIPythonHome /x\n");
  });
  it("quotes a path with spaces", () => {
    assert.match(setWsgiModulePath(conf, "/opt/my env/m.so").after, /LoadModule wsgi_module "\/opt\/my env\/m\.so" # old/);
  });
});
