// as-pect runs the kernel parity specs: `npm run test:kernels` (= asp --config as-pect.config.js).
// Each tests/assembly/*.spec.ts compiles on its own with as-pect.asconfig.json, which extends the
// project's asconfig.json: simd on, asserts on, no optimization (a debug build), and the project's
// stub runtime. Not as-pect's default (incremental GC): as-pect caches every string it reads from
// the module by its address, so once the GC frees a test name or failure message and reuses the
// memory, later tests are reported under earlier names/messages. The stub never frees managed
// objects, so addresses are never reused; specs allocate their buffers with heap.alloc.
// The reporter prints the usual per-file lines and a closing `N passed, N failed` line; it is
// imported here so that its exit hook also reports a spec that fails to compile.
import "./tests/assembly/summary-reporter.js";

export default {
  entries: ["tests/assembly/**/*.spec.ts"],
  include: ["tests/assembly/**/*.include.ts"],
  disclude: [/node_modules/],
  reporter: "tests/assembly/summary-reporter.js",
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
