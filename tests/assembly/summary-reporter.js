// as-pect reporter: the stock per-file summary, plus one closing line `N passed, N failed` over all
// spec files, printed when the process exits (after as-pect's own [Summary] block).
// A spec file that fails without a failing test (its module did not start, or it did not compile:
// as-pect then exits before running anything) counts as one failure, so a red run never reads
// "0 failed". as-pect.config.js imports this module so that the exit hook is in place before the
// first compilation; as-pect's own import of it later gets the same instance.
import { SummaryReporter } from "@as-pect/core";

// With --summary or --verbose the CLI adds its own reporter next to this one: do not print twice.
const cliAddsReporter = process.argv.includes("--summary") || process.argv.includes("--verbose");

class ClosingSummaryReporter {
  inner = cliAddsReporter ? null : new SummaryReporter();
  passed = 0;
  failed = 0;
  _stdout = null;
  stderr = null;

  constructor() {
    process.on("exit", (code) => {
      if (code !== 0 && this.failed === 0) {
        process.stdout.write(`as-pect exited with code ${code} before a test failed (a spec did not compile?): counted as 1 failure\n`);
        this.failed = 1;
      }
      process.stdout.write(`${this.passed} passed, ${this.failed} failed\n`);
    });
  }

  get stdout() { return this._stdout; }
  set stdout(w) { this._stdout = w; if (this.inner) this.inner.stdout = w; }

  onEnter(ctx, node) { this.inner?.onEnter(ctx, node); }
  onExit(ctx, node) { this.inner?.onExit(ctx, node); }
  onFinish(ctx) {
    this.inner?.onFinish(ctx);
    const failedTests = ctx.testCount - ctx.testPassCount;
    this.passed += ctx.testPassCount;
    this.failed += failedTests > 0 || ctx.pass ? failedTests : 1;
  }
}

export default new ClosingSummaryReporter();
