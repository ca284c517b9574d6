// The fork–join protocol between the coordinator (thread 0, the one that runs fit) and the pool's
// workers (threads 1 … T−1), over a control block in the shared wasm memory; and the split of each
// product into per-thread blocks, which both sides compute with the same pure function, so a job
// is described by an op code and its arguments only. Documented for embedders in docs/ABI.md
// ("Threads").
//
// Control block: CONTROL_BYTES at a 64-aligned byte offset `ctl`, viewed as i32 words:
//   GEN        generation: the coordinator increments it to start a job
//   ARRIVED    workers that finished the current job (the coordinator waits for parts − 1)
//   OP, PARTS  the job: op code, threads taking part (coordinator included; tid < PARTS works)
//   FAULT      0, or 1 + the tid of the first thread that failed (its message at ERROR_AT)
//   QUIT       1: workers return from their loop
//   SLEEPERS   workers parked in Atomics.wait on GEN (the coordinator notifies only if > 0)
//   JOIN_WAIT  1 while the coordinator sleeps on ARRIVED (workers notify only then)
//   PARK       1: spinning workers park at once (set when a fit ends, cleared by the next job)
//   NEXT       the next unit of the job to take (forward and weight gradients: work sharing)
//   INJECT_*   test hook: make worker INJECT_TID fail on op INJECT_OP ('throw' or 'exit')
//   RESULT+t   thread t's i32 result (refused updates of the fused SGD and the optimizers)
// then the job's arguments as f64 at byte ARGS_AT (pointers, sizes, scalars: all exact in f64),
// and the failing thread's message, UTF-8, at byte ERROR_AT.
// Units: the forward pass and the weight gradients are shared out unit by unit — each thread takes
// the next unit (Atomics.add on NEXT) until none is left — so a thread on a faster core does more
// of the job; on this project's 2-vCPU machines the cores' speeds differ by up to ~30% at times,
// and a static half each waits for the slower one. Every unit is computed by the same
// instructions whichever thread takes it, so results stay bit-identical. The input gradient, the
// updates and the gather keep static blocks (the input gradient interleaves dZ once per thread).
// A job: the coordinator writes OP, PARTS and the arguments, zeroes ARRIVED and NEXT, increments GEN
// (Atomics: a release), notifies if anyone sleeps, runs its own part, then waits until ARRIVED
// is T − 1 (spinning briefly, then Atomics.wait). A worker spins on GEN (then parks), runs its
// part if its tid < PARTS, and increments ARRIVED (notifying a sleeping coordinator) — in the job
// or not, so the coordinator never writes the next job while a worker may still read this one's
// header. The two sync points of a job are one barrier.

export const CONTROL_BYTES = 1024;
export const MAX_THREADS = 64;

export const GEN = 0, ARRIVED = 1, OP = 2, PARTS = 3, FAULT = 4, QUIT = 5, SLEEPERS = 6, JOIN_WAIT = 7, PARK = 8;
export const INJECT_TID = 9, INJECT_OP = 10, INJECT_KIND = 11, NEXT = 12;
export const RESULT = 16; // … RESULT + MAX_THREADS − 1
export const ARGS_AT = 16 * 4 + MAX_THREADS * 4; // 320: 16 f64 arguments
export const MAX_ARGS = 16;
export const ERROR_AT = ARGS_AT + MAX_ARGS * 8; // 448
export const ERROR_BYTES = CONTROL_BYTES - ERROR_AT;

export const INJECT_THROW = 1, INJECT_EXIT = 2;

/** Ops a worker can run; each is one range-taking export of the wasm ABI (or a flat slice). */
export const OPS = [
  'dense_forward', 'dense_backward_weights', 'dense_backward_weights_sgd', 'dense_backward_input',
  'sgd_update', 'momentum_update', 'adam_update', 'gather_rows',
] as const;
export type Op = (typeof OPS)[number];
export const opCode = (op: Op): number => OPS.indexOf(op);

/** Block i of `parts` over `units` whole units: [floor(units·i/parts), floor(units·(i+1)/parts)). */
export function block(units: number, parts: number, i: number): [number, number] {
  return [Math.floor((units * i) / parts), Math.floor((units * (i + 1)) / parts)];
}

/** Floats per unit of the flat optimizer split: the arena aligns every tensor to 16 floats, so
 * blocks of whole units never split a SIMD group or the weights/biases boundary (nDecay). */
export const FLAT_UNIT = 16;

/** Rows per unit of the forward pass: two register tiles. Small enough to share a 64-row batch
 * out in 8 pieces, large enough that the unit's weight pass (all of W, from L2) stays cheap. */
export const FORWARD_ROWS = 8;

/** The units each op is split over, from its arguments (as the Kernels methods receive them):
 * chunks of FORWARD_ROWS rows (forward), output panels of 8 (weight gradients), input panels of 8
 * (input gradient), 16-float groups (optimizers), rows (gather). */
export function unitsOf(op: Op, a: ArrayLike<number>): number {
  switch (op) {
    case 'dense_forward': return Math.ceil(a[5] / FORWARD_ROWS);         // B
    case 'dense_backward_weights': return Math.ceil(a[6] / 8);           // N
    case 'dense_backward_weights_sgd': return Math.ceil(a[6] / 8);       // N
    case 'dense_backward_input': return Math.ceil(a[6] / 8);             // K
    case 'sgd_update': return Math.ceil(a[2] / FLAT_UNIT);               // n
    case 'momentum_update': return Math.ceil(a[3] / FLAT_UNIT);
    case 'adam_update': return Math.ceil(a[4] / FLAT_UNIT);
    case 'gather_rows': return a[3];                                      // count
  }
}

/** Multiply-adds (products) or floats moved (the others): the work a split divides. */
export function workOf(op: Op, a: ArrayLike<number>): number {
  switch (op) {
    case 'dense_forward': return a[5] * a[6] * a[7];
    case 'dense_backward_weights': case 'dense_backward_weights_sgd': return a[4] * a[5] * a[6];
    case 'dense_backward_input': return a[5] * a[6] * a[7];
    case 'sgd_update': return a[2];
    case 'momentum_update': return a[3];
    case 'adam_update': return a[4];
    case 'gather_rows': return a[3] * a[4];
  }
}

/** Exports by name, as the worker and the coordinator call them. */
export type Exports = Record<string, (...args: number[]) => number>;

/** Runs thread `tid`'s part of a job split over `parts` threads on the wasm exports; returns its
 * i32 result (refused updates; 0 for the others). `w` is the control block (NEXT hands out the
 * shared units). Scratch per thread (arena.ts sizes it): the forward pass's FORWARD_ROWS·K floats at
 * scratch + t·FORWARD_ROWS·K; the input gradient shares the re-pack buffer (each thread writes its
 * own panels) and gives thread t the B·N floats after it at t·B·N. */
export function runBlock(ex: Exports, op: Op, a: ArrayLike<number>, parts: number, tid: number, w: Int32Array): number {
  const units = unitsOf(op, a);
  switch (op) {
    case 'dense_forward': {
      const A = a[0], X = a[1], W = a[2], bias = a[3], B = a[5], K = a[6], N = a[7], act = a[8];
      const scratch = a[4] + 4 * tid * FORWARD_ROWS * K, panels = Math.ceil(N / 8);
      for (let u = Atomics.add(w, NEXT, 1); u < units; u = Atomics.add(w, NEXT, 1)) {
        const r0 = u * FORWARD_ROWS;
        ex.dense_forward_range(A, X, W, bias, scratch, B, K, N, act, r0, Math.min(B, r0 + FORWARD_ROWS), 0, panels);
      }
      return 0;
    }
    case 'dense_backward_weights': {
      const dW = a[0], db = a[1], dZ = a[2], X = a[3], B = a[4], K = a[5], N = a[6];
      for (let p = Atomics.add(w, NEXT, 1); p < units; p = Atomics.add(w, NEXT, 1)) ex.dense_backward_weights_range(dW, db, dZ, X, B, K, N, p, p + 1);
      return 0;
    }
    case 'dense_backward_weights_sgd': {
      const W = a[0], bias = a[1], dZ = a[2], X = a[3], B = a[4], K = a[5], N = a[6], lr = a[7], wd = a[8];
      let refused = 0;
      for (let p = Atomics.add(w, NEXT, 1); p < units; p = Atomics.add(w, NEXT, 1)) refused += ex.dense_backward_weights_sgd_range(W, bias, dZ, X, B, K, N, lr, wd, p, p + 1);
      return refused;
    }
    default: return runStatic(ex, op, a, units, parts, tid);
  }
}

/** The ops with a static block per thread: block `tid` of `parts` over the units. */
function runStatic(ex: Exports, op: Op, a: ArrayLike<number>, units: number, parts: number, tid: number): number {
  const [lo, hi] = block(units, parts, tid);
  if (lo === hi) return 0;
  switch (op) {
    case 'dense_backward_input': {
      const [dX, dZ, W, Xa, scratch, B, K, N, act] = a as number[];
      const repack = 4 * Math.ceil(K / 8) * 8 * N;
      ex.dense_backward_input_range(dX, dZ, W, Xa, scratch, scratch + repack + 4 * tid * B * N, B, K, N, act, lo, hi);
      return 0;
    }
    case 'sgd_update': {
      const [P, G, n, nDecay, lr, wd] = a as number[];
      const [i0, m, d] = flat(lo, hi, n, nDecay);
      return ex.sgd_update(P + 4 * i0, G + 4 * i0, m, d, lr, wd);
    }
    case 'momentum_update': {
      const [P, V, G, n, nDecay, lr, mu, wd] = a as number[];
      const [i0, m, d] = flat(lo, hi, n, nDecay);
      return ex.momentum_update(P + 4 * i0, V + 4 * i0, G + 4 * i0, m, d, lr, mu, wd);
    }
    case 'adam_update': {
      const [P, M, V, G, n, nDecay, lr, b1, b2, eps, wd, bc1, bc2] = a as number[];
      const [i0, m, d] = flat(lo, hi, n, nDecay);
      return ex.adam_update(P + 4 * i0, M + 4 * i0, V + 4 * i0, G + 4 * i0, m, d, lr, b1, b2, eps, wd, bc1, bc2);
    }
    case 'gather_rows': {
      const [dst, src, idx, , cols] = a as number[];
      ex.gather_rows(dst + 4 * lo * cols, src, idx + 4 * lo, hi - lo, cols);
      return 0;
    }
    default: throw new Error(`${op} is not a static-block op`);
  }
}

/** Element block [lo, hi) of FLAT_UNIT groups over n floats: [first, count, decayed count]. */
function flat(lo: number, hi: number, n: number, nDecay: number): [number, number, number] {
  const i0 = lo * FLAT_UNIT, i1 = Math.min(n, hi * FLAT_UNIT);
  return [i0, i1 - i0, Math.max(0, Math.min(nDecay, i1) - i0)];
}
