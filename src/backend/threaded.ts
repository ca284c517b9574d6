// The multi-core backend: the threaded binary (relaxed-threads or simd-threads) over one shared
// WebAssembly.Memory, with a pool of persistent workers (threads/pool.ts). Training, gradients and
// inference run as engine jobs that every thread runs through at once (assembly/engine.ts: four
// barriers a training step, whatever the depth); the ABI's single kernels, which the host calls only for
// the pure-JS reference path and for embedders, run on the calling thread. A unit of work is
// computed by the same instructions whichever thread takes it, so results are bit-identical for
// every thread count and to the single-thread binary (tests/host/threads.test.js).

import type { BackendName } from '../vocabulary.js';
import type { Kernels } from './kernels.js';
import { WasmMlpError, WorkerError } from '../errors.js';
import type { EngineBinding } from './engine/wasm-engine.js';
import * as D from './engine/words.js';
import { ThreadPool, type Phase } from './threads/pool.js';
import { instantiateWasm } from './wasm.js';

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
  /** spins before an idle thread waits (0 when threads outnumber cores) */
  spin: number;
}

export class ThreadedKernels implements Kernels {
  readonly name: BackendName;
  readonly weightLayout = 'packed8' as const;
  readonly arenaBase: number;
  readonly threads: number;
  readonly engine: EngineBinding;
  private readonly module: WebAssembly.Module;
  private readonly memory: WebAssembly.Memory;
  private readonly k: Kernels;
  private readonly run: () => number;
  private readonly spin: number;
  private pool: ThreadPool | null = null;
  /** engine jobs run so far (the benchmarks report jobs per step) */
  jobs = 0;

  private constructor(name: BackendName, module: WebAssembly.Module, memory: WebAssembly.Memory, k: Kernels, run: () => number, o: ThreadedOptions) {
    this.name = name;
    this.module = module;
    this.memory = memory;
    this.k = k;
    this.threads = o.threads;
    this.spin = o.spin;
    this.run = run;
    const desc = k.engine!.descriptor;
    const ctl = k.arenaBase; // 64-aligned, after the descriptor: neither moves when the arena does
    // then the profile that only the profiling binary writes (4 KB), then the arena
    this.arenaBase = ctl + D.CTL_BYTES + D.PROFILE_BYTES;
    const self = this;
    this.engine = {
      descriptor: desc, ctl, threads: o.threads, profile: ctl + D.CTL_BYTES,
      buffer: () => memory.buffer as unknown as ArrayBuffer,
      run() {
        self.jobs++;
        if (self.pool?.ok) return self.pool.run(self.run);
        // a failed pool's workers may still be leaving a job (the fit's end awaits them; a
        // predict right after a failed one does not): never run beside them
        if (self.pool && self.pool.liveWorkers() > 0) {
          throw new WorkerError('the thread pool is still stopping after a failure: await the next fit (which starts a new pool) or dispose() before predicting', 0, 'idle');
        }
        // no workers (disposed, or failed and not restarted until the next fit): the job runs on
        // this thread alone, with no control block. Any thread count gives the same bits.
        const w = new Int32Array(memory.buffer, desc, D.DESC_WORDS);
        const T = w[D.D_THREADS], at = w[D.D_CTL];
        w[D.D_THREADS] = 1;
        w[D.D_CTL] = 0;
        try {
          return self.run();
        } finally {
          w[D.D_THREADS] = T;
          w[D.D_CTL] = at;
        }
      },
    };
  }

  static async create(name: BackendName, module: WebAssembly.Module, o: ThreadedOptions): Promise<ThreadedKernels> {
    const memory = sharedMemory();
    const { kernels, exports } = await instantiateWasm(name, module, memory);
    const desc = kernels.engine!.descriptor;
    const tk = new ThreadedKernels(name, module, memory, kernels, () => exports.engine_run(desc), o);
    await tk.prepare();
    return tk;
  }

  /** (Re)starts the pool: at creation, and at the start of a fit after a failure. */
  async prepare(): Promise<void> {
    if (this.threads <= 1 || this.pool?.ok) return;
    if (this.pool) await this.pool.whenEnded();
    this.pool = null;
    this.pool = await ThreadPool.start({
      module: this.module, memory: this.memory, desc: this.engine.descriptor, ctl: this.engine.ctl, threads: this.threads, spin: this.spin,
    });
  }

  /** A fit ended: idle workers wait; after a failure, resolves once the failed pool is gone. */
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

  /** First-layer units the threads have taken from each other's own ones so far (C_CLAIM + 16·t + 1):
   * how often a core that fell behind had its work done by another. */
  takenUnits(): number {
    const w = new Int32Array(this.memory.buffer, this.engine.ctl, D.CTL_BYTES / 4);
    let n = 0;
    for (let t = 0; t < this.threads; t++) n += Atomics.load(w, D.C_CLAIM + 16 * t + 1);
    return n;
  }

  /** Workers running now (0 after dispose or a failure). */
  liveWorkers(): number { return this.pool?.liveWorkers() ?? 0; }

  /** Test hook: worker `tid` traps (or leaves its thread) when it next enters `phase`; or, with
   * 'shirk', takes none of its own first-layer units from its next job on (the others take them all). */
  injectFault(tid: number, phase: Phase, kind: 'throw' | 'exit' | 'shirk'): void {
    if (!this.pool) throw new Error('no thread pool is running');
    this.pool.injectFault(tid, phase, kind);
  }

  buffer(): ArrayBuffer { return this.memory.buffer as unknown as ArrayBuffer; }
  ensureBytes(bytes: number): void { this.k.ensureBytes(bytes); }

  // the single kernels: on the calling thread
  dense_forward(A: number, X: number, W: number, bias: number, scratch: number, B: number, K: number, N: number, act: number): void { this.k.dense_forward(A, X, W, bias, scratch, B, K, N, act); }
  dense_backward_weights(dW: number, db: number, dZ: number, X: number, B: number, K: number, N: number): void { this.k.dense_backward_weights(dW, db, dZ, X, B, K, N); }
  dense_backward_weights_sgd(W: number, bias: number, dZ: number, X: number, B: number, K: number, N: number, lr: number, wd: number): number { return this.k.dense_backward_weights_sgd(W, bias, dZ, X, B, K, N, lr, wd); }
  dense_backward_input(dX: number, dZ: number, W: number, Xa: number, scratch: number, B: number, K: number, N: number, act: number): void { this.k.dense_backward_input(dX, dZ, W, Xa, scratch, B, K, N, act); }
  softmax_xent_forward(P: number, Z: number, labels: number, B: number, N: number): number { return this.k.softmax_xent_forward(P, Z, labels, B, N); }
  softmax_xent_backward(dZ: number, P: number, labels: number, B: number, N: number, scale: number): void { this.k.softmax_xent_backward(dZ, P, labels, B, N, scale); }
  sigmoid_bce_forward(P: number, Z: number, T: number, B: number, N: number): number { return this.k.sigmoid_bce_forward(P, Z, T, B, N); }
  sigmoid_bce_backward(dZ: number, P: number, T: number, B: number, N: number, scale: number): void { this.k.sigmoid_bce_backward(dZ, P, T, B, N, scale); }
  mse_forward(P: number, Z: number, T: number, B: number, N: number): number { return this.k.mse_forward(P, Z, T, B, N); }
  mse_backward(dZ: number, P: number, T: number, B: number, N: number, scale: number): void { this.k.mse_backward(dZ, P, T, B, N, scale); }
  count_correct_argmax(P: number, labels: number, B: number, N: number): number { return this.k.count_correct_argmax(P, labels, B, N); }
  count_correct_binary(P: number, T: number, B: number, N: number): number { return this.k.count_correct_binary(P, T, B, N); }
  sgd_update(P: number, G: number, n: number, nDecay: number, lr: number, wd: number): number { return this.k.sgd_update(P, G, n, nDecay, lr, wd); }
  momentum_update(P: number, V: number, G: number, n: number, nDecay: number, lr: number, mu: number, wd: number): number { return this.k.momentum_update(P, V, G, n, nDecay, lr, mu, wd); }
  adam_update(P: number, M: number, V: number, G: number, n: number, nDecay: number, lr: number, b1: number, b2: number, eps: number, wd: number, bc1: number, bc2: number): number { return this.k.adam_update(P, M, V, G, n, nDecay, lr, b1, b2, eps, wd, bc1, bc2); }
  gather_rows(dst: number, src: number, idx: number, count: number, cols: number): void { this.k.gather_rows(dst, src, idx, count, cols); }
  gather_i32(dst: number, src: number, idx: number, count: number): void { this.k.gather_i32(dst, src, idx, count); }
  first_nonfinite(x: number, n: number): number { return this.k.first_nonfinite(x, n); }
  gather_rows_u8(dst: number, src: number, idx: number, count: number, cols: number, divisor: number, norm: number): void { this.k.gather_rows_u8(dst, src, idx, count, cols, divisor, norm); }
  dropout_key(seed: number, step: number, layer: number): number { return this.k.dropout_key(seed, step, layer); }
  dropout_forward(out: number, inp: number, B: number, N: number, key: number, threshold: number, scale: number): void { this.k.dropout_forward(out, inp, B, N, key, threshold, scale); }
  dropout_backward(dX: number, dY: number, B: number, N: number, key: number, threshold: number, scale: number): void { this.k.dropout_backward(dX, dY, B, N, key, threshold, scale); }
  sum_squares(G: number, n: number): number { return this.k.sum_squares(G, n); }
  clip_values(G: number, n: number, c: number): void { this.k.clip_values(G, n, c); }
  scale_values(G: number, n: number, s: number): void { this.k.scale_values(G, n, s); }
}
