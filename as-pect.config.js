// as-pect runs the kernel parity specs: `npm run test:kernels` (= asp --config as-pect.config.js).
// Each tests/assembly/*.spec.ts compiles on its own with as-pect.asconfig.json (which extends the
// project's asconfig.json, enables simd, keeps asserts on and uses as-pect's own runtime: the
// spec harness allocates strings, so the project's stub runtime is not used for tests).
// The reporter prints the usual per-file lines and a closing `N passed, N failed` line.
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
