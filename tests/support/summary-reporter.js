// mocha's spec reporter, plus one closing line in the plain "N passed, N failed" form that CI reads.
const Mocha = require("mocha");
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      const line = `${s.passes} passed, ${s.failures} failed` + (s.pending ? `, ${s.pending} skipped` : "");
      process.stdout.write(`\n${line}\n`);
    });
  }
}
module.exports = SummaryReporter;
