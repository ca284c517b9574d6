// The multi-core backend: the threaded kernel binary (relaxed-threads or simd-threads) over one
// shared WebAssembly.Memory, with a pool of persistent workers (threads/pool.ts). It implements
// the same Kernels interface as every backend; the products, the optimizer updates and the batch
// gather are split into per-thread blocks (threads/protocol.ts) when each thread gets enough work
// to pay for the barrier, and run on the calling thread alone otherwise. Every output element is
// computed by the same instructions however the work is split, so results are bit-identical for
// every thread count (tests/host/threads.test.js).

import type { BackendName } from '../vocabulary.js';
import type { Kernels } from './kernels.js';
import { WasmMlpError } from '../errors.js';
import { ThreadPool } from './threads/pool.js';
import { CONTROL_BYTES, unitsOf, workOf, type Exports, type Op } from './threads/protocol.js';
import { instantiateWasm } from './wasm.js';

/** Work each thread must get before a split pays for its barrier: multiply-adds for the products
 * (MLAS gives each thread at least 64K), floats for the memory-bound updates and gathers. The
 * barrier measured 1–2 µs (BENCHMARKS.md, "Threads"), the time of about 20–40K multiply-adds on
 * one core: with 64K a thread's share is at least twice the barrier. */
export const MIN_WORK_PER_THREAD: Record<Op, number> = {
  dense_forward: 65536,
  dense_backward_weights: 65536,
  dense_backward_weights_sgd: 65536,
  dense_backward_input: 65536,
  sgd_update: 32768,
  momentum_update: 32768,
  adam_update: 32768,
  gather_rows: 16384,
};

/** wasm32 memory ends at 65,536 pages; the threaded binaries declare that maximum. */
const MAX_PAGES = 65536;

/** A shared memory with the largest maximum the engine grants (it reserves it up front). */
function sharedMemory(): WebAssembly.Memory {
  let last: unknown;
  for (const maximum of [MAX_PAGES, 32768, 16384, 8192]) {
    try {
      return new WebAssembly.Memory({ initial: 1, maximum, shared: true });
    } catch (e) {
      last = e;
    }
  }
  throw new WasmMlpError('E_MEMORY', `cannot create a shared WebAssembly memory: ${(last as Error)?.message}`);
}

export interface ThreadedOptions {
  threads: number;
  spinMicros: number;
}

export class ThreadedKernels implements Kernels {
  readonly name: BackendName;
  readonly weightLayout = 'packed8' as const;
  readonly arenaBase: number;
  readonly threads: number;
  /** the most threads any split uses (tests lower it to force splits of small products) */
  minWork: Record<Op, number> = { ...MIN_WORK_PER_THREAD };
  private readonly module: WebAssembly.Module;
  private readonly memory: WebAssembly.Memory;
  private readonly ex: Exports;
  private readonly k: Kernels;
  private readonly ctl: number;
  private readonly spinMicros: number;
  private pool: ThreadPool | null = null;
  private a = new Float64Array(16);
  /** split jobs run so far, each one barrier (the benchmarks report barriers per step) */
  jobs = 0;

  private constructor(name: BackendName, module: WebAssembly.Module, memory: WebAssembly.Memory, k: Kernels, ex: Exports, o: ThreadedOptions) {
    this.name = name;
    this.module = module;
    this.memory = memory;
    this.k = k;
    this.ex = ex;
    this.threads = o.threads;
    this.spinMicros = o.spinMicros;
    this.ctl = k.arenaBase; // 64-aligned: the control block, then the arena
    this.arenaBase = this.ctl + CONTROL_BYTES;
  }

  static async create(name: BackendName, module: WebAssembly.Module, o: ThreadedOptions): Promise<ThreadedKernels> {
    const memory = sharedMemory();
    const { kernels, exports } = await instantiateWasm(name, module, memory);
    const tk = new ThreadedKernels(name, module, memory, kernels, exports, o);
    await tk.prepare();
    return tk;
  }

  /** (Re)starts the pool: at creation, and at the start of a fit after a failure. */
  async prepare(): Promise<void> {
    if (this.threads <= 1 || this.pool?.ok) return;
    if (this.pool) await this.pool.whenEnded();
    this.pool = null;
    this.pool = await ThreadPool.start({
      module: this.module, memory: this.memory, exports: this.ex, ctl: this.ctl, threads: this.threads, spinMicros: this.spinMicros,
    });
  }

  /** A fit ended: idle workers park; after a failure, resolves once the failed pool is gone. */
  async release(): Promise<void> {
    if (!this.pool) return;
    if (this.pool.ok) this.pool.park();
    else await this.pool.whenEnded();
  }

  async dispose(): Promise<void> {
    const p = this.pool;
    this.pool = null;
    if (p) await p.dispose();
  }

  /** Workers running now (0 after dispose or a failure). */
  liveWorkers(): number { return this.pool?.liveWorkers() ?? 0; }

  /** Test hook: worker `tid` throws (or exits its thread) when it next runs `op`. */
  injectFault(tid: number, op: Op, kind: 'throw' | 'exit'): void {
    if (!this.pool) throw new Error('no thread pool is running');
    this.pool.injectFault(tid, op, kind);
  }

  buffer(): ArrayBuffer { return this.memory.buffer as unknown as ArrayBuffer; }
  ensureBytes(bytes: number): void { this.k.ensureBytes(bytes); }

  /** Threads for a job: every thread if each gets its share of work, fewer (down to 1) if not. */
  private parts(op: Op, a: Float64Array): number {
    if (!this.pool || !this.pool.ok) return 1;
    const byWork = Math.floor(workOf(op, a) / this.minWork[op]);
    return Math.max(1, Math.min(this.threads, unitsOf(op, a), byWork));
  }

  private split(op: Op, n: number): number {
    const a = this.a.subarray(0, n);
    const parts = this.parts(op, a);
    if (parts <= 1) return NaN;
    this.jobs++;
    return this.pool!.run(op, a, parts);
  }

  /** Runs an empty job on every thread: one barrier and nothing else (the benchmarks time it). */
  sync(): void {
    if (this.pool?.ok) this.pool.run('gather_rows', [0, 0, 0, 0, 0], this.threads);
  }

  dense_forward(A: number, X: number, W: number, bias: number, scratch: number, B: number, K: number, N: number, act: number): void {
    const a = this.a; a[0] = A; a[1] = X; a[2] = W; a[3] = bias; a[4] = scratch; a[5] = B; a[6] = K; a[7] = N; a[8] = act;
    if (Number.isNaN(this.split('dense_forward', 9))) this.k.dense_forward(A, X, W, bias, scratch, B, K, N, act);
  }
  dense_backward_weights(dW: number, db: number, dZ: number, X: number, B: number, K: number, N: number): void {
    const a = this.a; a[0] = dW; a[1] = db; a[2] = dZ; a[3] = X; a[4] = B; a[5] = K; a[6] = N;
    if (Number.isNaN(this.split('dense_backward_weights', 7))) this.k.dense_backward_weights(dW, db, dZ, X, B, K, N);
  }
  dense_backward_weights_sgd(W: number, bias: number, dZ: number, X: number, B: number, K: number, N: number, lr: number, wd: number): number {
    const a = this.a; a[0] = W; a[1] = bias; a[2] = dZ; a[3] = X; a[4] = B; a[5] = K; a[6] = N; a[7] = Math.fround(lr); a[8] = Math.fround(wd);
    const r = this.split('dense_backward_weights_sgd', 9);
    return Number.isNaN(r) ? this.k.dense_backward_weights_sgd(W, bias, dZ, X, B, K, N, lr, wd) : r;
  }
  dense_backward_input(dX: number, dZ: number, W: number, Xa: number, scratch: number, B: number, K: number, N: number, act: number): void {
    const a = this.a; a[0] = dX; a[1] = dZ; a[2] = W; a[3] = Xa; a[4] = scratch; a[5] = B; a[6] = K; a[7] = N; a[8] = act;
    if (Number.isNaN(this.split('dense_backward_input', 9))) this.k.dense_backward_input(dX, dZ, W, Xa, scratch, B, K, N, act);
  }
  sgd_update(P: number, G: number, n: number, nDecay: number, lr: number, wd: number): number {
    const a = this.a; a[0] = P; a[1] = G; a[2] = n; a[3] = nDecay; a[4] = Math.fround(lr); a[5] = Math.fround(wd);
    const r = this.split('sgd_update', 6);
    return Number.isNaN(r) ? this.k.sgd_update(P, G, n, nDecay, lr, wd) : r;
  }
  momentum_update(P: number, V: number, G: number, n: number, nDecay: number, lr: number, mu: number, wd: number): number {
    const a = this.a; a[0] = P; a[1] = V; a[2] = G; a[3] = n; a[4] = nDecay; a[5] = Math.fround(lr); a[6] = Math.fround(mu); a[7] = Math.fround(wd);
    const r = this.split('momentum_update', 8);
    return Number.isNaN(r) ? this.k.momentum_update(P, V, G, n, nDecay, lr, mu, wd) : r;
  }
  adam_update(P: number, M: number, V: number, G: number, n: number, nDecay: number, lr: number, b1: number, b2: number, eps: number, wd: number, bc1: number, bc2: number): number {
    const a = this.a; a[0] = P; a[1] = M; a[2] = V; a[3] = G; a[4] = n; a[5] = nDecay; a[6] = Math.fround(lr); a[7] = Math.fround(b1);
    a[8] = Math.fround(b2); a[9] = Math.fround(eps); a[10] = Math.fround(wd); a[11] = Math.fround(bc1); a[12] = Math.fround(bc2);
    const r = this.split('adam_update', 13);
    return Number.isNaN(r) ? this.k.adam_update(P, M, V, G, n, nDecay, lr, b1, b2, eps, wd, bc1, bc2) : r;
  }
  gather_rows(dst: number, src: number, idx: number, count: number, cols: number): void {
    const a = this.a; a[0] = dst; a[1] = src; a[2] = idx; a[3] = count; a[4] = cols;
    if (Number.isNaN(this.split('gather_rows', 5))) this.k.gather_rows(dst, src, idx, count, cols);
  }

  activation_forward(out: number, inp: number, n: number, act: number): void { this.k.activation_forward(out, inp, n, act); }
  activation_backward(dZ: number, dA: number, A: number, n: number, act: number): void { this.k.activation_backward(dZ, dA, A, n, act); }
  softmax_xent_forward(P: number, Z: number, labels: number, B: number, N: number): number { return this.k.softmax_xent_forward(P, Z, labels, B, N); }
  softmax_xent_backward(dZ: number, P: number, labels: number, B: number, N: number, scale: number): void { this.k.softmax_xent_backward(dZ, P, labels, B, N, scale); }
  sigmoid_bce_forward(P: number, Z: number, T: number, B: number, N: number): number { return this.k.sigmoid_bce_forward(P, Z, T, B, N); }
  sigmoid_bce_backward(dZ: number, P: number, T: number, B: number, N: number, scale: number): void { this.k.sigmoid_bce_backward(dZ, P, T, B, N, scale); }
  mse_forward(P: number, Z: number, T: number, B: number, N: number): number { return this.k.mse_forward(P, Z, T, B, N); }
  mse_backward(dZ: number, P: number, T: number, B: number, N: number, scale: number): void { this.k.mse_backward(dZ, P, T, B, N, scale); }
  count_correct_argmax(P: number, labels: number, B: number, N: number): number { return this.k.count_correct_argmax(P, labels, B, N); }
  count_correct_binary(P: number, T: number, B: number, N: number): number { return this.k.count_correct_binary(P, T, B, N); }
  gather_i32(dst: number, src: number, idx: number, count: number): void { this.k.gather_i32(dst, src, idx, count); }
}
