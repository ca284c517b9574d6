// The coordinator's side of the pool: starts T − 1 workers over the shared memory once, then runs
// each job with them (protocol.ts): thread 0 (the caller) takes block 0 and waits for the others.
// Workers spin briefly between jobs, so the jobs of one training step find them awake, and park
// in Atomics.wait when idle. A failure in any thread tears the pool down and throws WorkerError.

import { WorkerError } from '../../errors.js';
import {
  ARGS_AT, ARRIVED, CONTROL_BYTES, ERROR_AT, ERROR_BYTES, FAULT, GEN, INJECT_KIND, INJECT_OP, INJECT_TID, JOIN_WAIT,
  MAX_ARGS, NEXT, OP, OPS, PARK, PARTS, QUIT, RESULT, SLEEPERS, opCode, runBlock, type Exports, type Op,
} from './protocol.js';
import { spawnWorker, type WorkerHandle } from './spawn.js';

/** Whether this thread may block in Atomics.wait (a browser page's main thread may not). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export interface PoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** the coordinator's instance over the same memory */
  exports: Exports;
  /** byte offset of the control block (CONTROL_BYTES, 64-aligned) */
  ctl: number;
  threads: number;
  /** how long threads spin before parking, µs */
  spinMicros: number;
}

export class ThreadPool {
  readonly threads: number;
  private readonly o: PoolOptions;
  private readonly w: Int32Array;
  private readonly args: Float64Array;
  private readonly blocking = canBlock();
  private workers: WorkerHandle[] = [];
  private live = 0;
  private ended: Promise<void>[] = [];
  private broken = false;

  private constructor(o: PoolOptions) {
    this.o = o;
    this.threads = o.threads;
    this.w = new Int32Array(o.memory.buffer, o.ctl, ARGS_AT / 4);
    this.args = new Float64Array(o.memory.buffer, o.ctl + ARGS_AT, MAX_ARGS);
  }

  /** Starts threads − 1 workers and resolves once each has instantiated the module. */
  static async start(o: PoolOptions): Promise<ThreadPool> {
    const pool = new ThreadPool(o);
    new Uint8Array(o.memory.buffer, o.ctl, CONTROL_BYTES).fill(0);
    Atomics.store(pool.w, INJECT_TID, -1);
    for (let tid = 1; tid < o.threads; tid++) {
      const h = await spawnWorker({ module: o.module, memory: o.memory, ctl: o.ctl, tid, spinMicros: o.spinMicros });
      pool.workers.push(h);
      pool.live++;
      pool.ended.push(h.exited.then(() => { pool.live--; }));
    }
    // every worker increments ARRIVED once when ready
    const deadline = Date.now() + 60_000;
    while (Atomics.load(pool.w, ARRIVED) < o.threads - 1) {
      const failed = pool.workers.findIndex((h) => h.error() !== null);
      if (failed >= 0 || Atomics.load(pool.w, FAULT) !== 0 || Date.now() > deadline) {
        const tid = failed >= 0 ? failed + 1 : Math.max(1, Atomics.load(pool.w, FAULT) - 1);
        const why = failed >= 0 ? pool.workers[failed].error()!.message : Date.now() > deadline ? 'did not start within 60 s' : pool.message();
        await pool.dispose();
        throw new WorkerError(`worker ${tid} of the thread pool could not start: ${why}`, tid, 'start');
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    return pool;
  }

  /** Workers still running (not yet exited). */
  liveWorkers(): number { return this.live; }
  get ok(): boolean { return !this.broken; }

  /** Runs `op` with its arguments (as the Kernels method received them) split over `parts`
   * threads; returns the sum of the threads' results. */
  run(op: Op, a: ArrayLike<number>, parts: number): number {
    const w = this.w;
    if (this.broken || Atomics.load(w, FAULT) !== 0) this.fail();
    for (let i = 0; i < a.length; i++) this.args[i] = a[i];
    w[OP] = opCode(op);
    w[PARTS] = parts;
    w[PARK] = 0;
    Atomics.store(w, ARRIVED, 0);
    Atomics.store(w, NEXT, 0);
    Atomics.add(w, GEN, 1);
    if (Atomics.load(w, SLEEPERS) > 0) Atomics.notify(w, GEN);
    let mine = 0, own: unknown = null;
    try {
      mine = runBlock(this.o.exports, op, this.args, parts, 0, w);
    } catch (e) {
      own = e; // the others still run on this memory: wait for them before throwing
    }
    this.join(this.threads - 1); // every worker arrives, in the job or not (pool-worker.ts)
    if (Atomics.load(w, FAULT) !== 0) this.fail();
    if (own !== null) throw own;
    let sum = mine;
    for (let t = 1; t < parts; t++) sum += w[RESULT + t];
    return sum;
  }

  private join(n: number): void {
    const w = this.w;
    let spins = 0;
    const start = performance.now();
    while (Atomics.load(w, ARRIVED) < n) {
      if ((++spins & 1023) !== 0) continue;
      if (Atomics.load(w, FAULT) !== 0) {
        // a worker that died never arrives: give the others a moment, then stop waiting
        if (performance.now() - start > 100) return;
      } else if (this.blocking && performance.now() - start > this.o.spinMicros / 1000) {
        Atomics.store(w, JOIN_WAIT, 1);
        const seen = Atomics.load(w, ARRIVED);
        if (seen < n) Atomics.wait(w, ARRIVED, seen, 50);
        Atomics.store(w, JOIN_WAIT, 0);
      }
    }
  }

  private message(): string {
    const bytes = new Uint8Array(this.o.memory.buffer, this.o.ctl + ERROR_AT, ERROR_BYTES).slice();
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(end >= 0 ? bytes.subarray(0, end) : bytes);
  }

  /** Tears the pool down and throws the WorkerError that names the failing thread and kernel. */
  private fail(): never {
    const tid = Math.max(0, Atomics.load(this.w, FAULT) - 1);
    const message = this.message() || 'the worker stopped';
    const kernel = /^(\w+):/.exec(message)?.[1] ?? 'unknown';
    this.broken = true;
    void this.terminate();
    throw new WorkerError(`worker ${tid} of ${this.threads} threads failed in ${kernel}: ${message.replace(/^\w+: /, '')}`, tid, kernel);
  }

  /** Spinning workers park now (a fit ended): no core stays busy while the pool is idle. */
  park(): void { Atomics.store(this.w, PARK, 1); }

  /** Resolves when every worker has ended (after dispose or a failure). */
  async whenEnded(): Promise<void> { await Promise.all(this.ended); }

  private async terminate(): Promise<void> {
    Atomics.store(this.w, QUIT, 1);
    Atomics.add(this.w, GEN, 1);
    Atomics.notify(this.w, GEN);
    await Promise.all(this.workers.map((h) => h.terminate()));
    await this.whenEnded();
  }

  /** Stops every worker; resolves when none is left. */
  async dispose(): Promise<void> {
    this.broken = true;
    await this.terminate();
  }

  /** Test hook: worker `tid` fails when it next runs `op`, by throwing or by exiting its thread. */
  injectFault(tid: number, op: Op, kind: 'throw' | 'exit'): void {
    Atomics.store(this.w, INJECT_OP, OPS.indexOf(op));
    Atomics.store(this.w, INJECT_KIND, kind === 'exit' ? 2 : 1);
    Atomics.store(this.w, INJECT_TID, tid);
  }
}
