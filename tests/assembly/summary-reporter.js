// as-pect reporter: the stock per-file summary, plus one closing line `N passed, N failed` over all
// spec files, printed when the process exits (after as-pect's own [Summary] block).
// A spec file whose module failed to start (or that failed outside any test) counts as one failure,
// so the line never reads "0 failed" for a red run; a compile error ends the run before any
// result and is reported as such.
import { SummaryReporter } from "@as-pect/core";

// With --summary or --verbose the CLI adds its own reporter next to this one: do not print twice.
const cliAddsReporter = process.argv.includes("--summary") || process.argv.includes("--verbose");

class ClosingSummaryReporter {
  inner = cliAddsReporter ? null : new SummaryReporter();
  passed = 0;
  failed = 0;
  files = 0;
  _stdout = null;
  stderr = null;

  constructor() {
    process.on("exit", (code) => {
      if (code !== 0 && this.failed === 0) {
        process.stdout.write(`as-pect exited with code ${code} after ${this.files} spec file(s) (compile error?)\n`);
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
    this.files += 1;
    const failedTests = ctx.testCount - ctx.testPassCount;
    this.passed += ctx.testPassCount;
    this.failed += failedTests > 0 || ctx.pass ? failedTests : 1;
  }
}

export default new ClosingSummaryReporter();
