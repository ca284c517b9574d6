// How the engine cuts a job into units (assembly/engine.ts). Neither choice changes a result bit:
// row units start at multiples of the 4-row register tile, and every weight-gradient element is
// summed over the whole batch by one thread whatever the unit size. They only trade load balance
// against per-unit overhead, and cache reuse.

/** Inputs per weight unit (a multiple of 8): a unit is (8 outputs, KC inputs) of one layer, so a
 * 784×128 layer has 16 × 13 units, plenty for 2–16 threads to share evenly; the unit's inputs over
 * a 64-row batch (16 KB) stay in L1 while the thread's next units (the next output panels) reuse them. */
export const KC = 64;

/** Rows per row unit for a batch of B on T threads: one unit of up to rowsMax rows on one thread
 * (the forward tiles then reuse each weight panel across the most rows); on several, about four
 * units a thread, so that a thread that finishes early finds work and the last unit is short. The
 * threads claim runs of units (assembly/sync.ts openingRun: first an equal run each over three
 * quarters of the units, then guided runs, half of what is left per thread) and read a run in
 * pieces of up to rowsMax rows, so the weights of wide layers are read about as seldom as on one
 * thread, and about as often by each thread. */
export function rowsPerUnit(B: number, T: number, rowsMax: number): number {
  const want = T <= 1 ? B : Math.ceil(B / (4 * T));
  return Math.max(4, Math.min(rowsMax, Math.ceil(want / 4) * 4));
}

/** Weight units of a layer with K inputs and N outputs. */
export const weightUnits = (K: number, N: number, kc = KC): number => Math.ceil(N / 8) * Math.ceil(K / kc);

/** The least multiply-adds per row (K·N) for a hidden layer above the first to go by panels on
 * several threads (assembly/engine.ts panelPass). Measured on two threads
 * (BENCHMARKS.md): 256 × 256 gains 2–3 %, 512 × 512 6 %, 1024 × 1024 10–12 %; 256 × 128 (the second
 * layer of 784-256-128-10) was a wash, its two barriers a step costing what the split saves. */
export const PANEL_MIN_MACS = 256 * 256;

/** How many leading layers go by panels on more than one thread (D_PANEL_LAYERS): the first, and
 * each hidden layer above it whose K·N reaches `min` while every layer below it does too; never the
 * output layer (its loss needs whole rows). `layers` are the widths, input first. A layer by panels
 * has each thread read and update only its own share of the weights, where by rows every thread
 * reads all of them each step; it costs two barriers a step (its forward and its input gradient). */
export function panelLayers(layers: readonly number[], min = PANEL_MIN_MACS): number {
  const L = layers.length - 1;
  let F = 1;
  while (F < L - 1 && layers[F] * layers[F + 1] >= min) F++;
  return F;
}

/** The most rows of a thread's copy of the first layer's input, a bound on the memory the copies
 * take (3.2 MB a thread at 784 inputs); larger batches share A_0. (On 2 threads the copies made
 * 784-128-10 3.8 % faster at batch 1024 and 5.1 % at 512: BENCHMARKS.md.) */
export const COPY_ROWS_MAX = 1024;

/** The most threads for which each thread gathers the whole batch into its own copy. */
export const COPY_THREADS_MAX = 4;

/** Rows of each thread's own copy of the first layer's input (D_COPY_ROWS; 0: none, every thread
 * reads the batch from A_0). With a copy, each thread gathers the whole batch itself instead of
 * its share, and its first-layer forward and weight gradient (which read the batch twice a step)
 * then read only lines its own core wrote, with one barrier a step fewer: 2 threads stepped 2–6 %
 * faster on an Intel Xeon host (BENCHMARKS.md). The gather does not shrink with the threads, so
 * past a few threads it costs more than the crossings it saves (the model in bench/threads.js). */
export function inputCopyRows(capacity: number, threads: number): number {
  return threads > 1 && threads <= COPY_THREADS_MAX ? Math.min(capacity, COPY_ROWS_MAX) : 0;
}
