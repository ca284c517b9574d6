// The coordinator's side of the pool: starts T − 1 workers over the shared memory once (each sits
// in engine_worker inside the wasm), then runs each job by calling engine_run as thread 0, which
// wakes them, takes its share and returns when every thread is done (assembly/sync.ts). Workers
// spin briefly between jobs, so the next step finds them awake, and wait on the generation word
// when idle. A failure in any thread ends the job in every thread, tears the pool down and throws
// WorkerError naming the thread and the phase.

import { WorkerError } from '../../errors.js';
import {
  C_COORD_BLOCKS, C_ERROR_AT, C_ERROR_BYTES, C_FAULT, C_GEN, C_INJECT_KIND, C_INJECT_PHASE, C_INJECT_TID, C_PARK, C_PHASE, C_QUIT, C_READY,
  C_SPIN, CTL_BYTES, PHASE_REPACK, PHASE_ROWS, PHASE_WEIGHTS,
} from '../engine/words.js';
import { faultOwner, PHASES, recordFault } from './fault.js';
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

export type Phase = 'rows' | 'weights' | 'repack';
const PHASE_CODE: Record<Phase, number> = { rows: PHASE_ROWS, weights: PHASE_WEIGHTS, repack: PHASE_REPACK };

export interface PoolOptions {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** byte offsets of the engine's descriptor and the control block (CTL_BYTES, 64-aligned) */
  desc: number;
  ctl: number;
  threads: number;
  /** spins before a thread waits (0: wait at once, when threads outnumber cores) */
  spin: number;
}

export class ThreadPool {
  readonly threads: number;
  private readonly o: PoolOptions;
  private readonly w: Int32Array;
  private workers: WorkerHandle[] = [];
  private live = 0;
  private ended: Promise<void>[] = [];
  private broken = false;

  private constructor(o: PoolOptions) {
    this.o = o;
    this.threads = o.threads;
    this.w = new Int32Array(o.memory.buffer, o.ctl, CTL_BYTES / 4);
  }

  /** Starts threads − 1 workers and resolves once each is in engine_worker's loop. */
  static async start(o: PoolOptions): Promise<ThreadPool> {
    const pool = new ThreadPool(o);
    new Uint8Array(o.memory.buffer, o.ctl, CTL_BYTES).fill(0);
    Atomics.store(pool.w, C_INJECT_TID, -1);
    Atomics.store(pool.w, C_SPIN, o.spin);
    Atomics.store(pool.w, C_COORD_BLOCKS, canBlock() ? 1 : 0);
    for (let tid = 1; tid < o.threads; tid++) {
      let h: WorkerHandle;
      try {
        h = await spawnWorker({ module: o.module, memory: o.memory, desc: o.desc, ctl: o.ctl, tid, clockOrigin: performance.timeOrigin });
      } catch (e) {
        await pool.dispose();
        throw new WorkerError(`worker ${tid} of the thread pool could not start: ${e instanceof Error ? e.message : String(e)} (threads: 1 runs without workers)`, tid, 'start');
      }
      pool.workers.push(h);
      pool.live++;
      pool.ended.push(h.exited.then(() => { pool.live--; }));
    }
    const deadline = Date.now() + 60_000;
    while (Atomics.load(pool.w, C_READY) < o.threads - 1) {
      const failed = pool.workers.findIndex((h) => h.error() !== null);
      if (failed >= 0 || Atomics.load(pool.w, C_FAULT) !== 0 || Date.now() > deadline) {
        const tid = failed >= 0 ? failed + 1 : Math.max(1, faultOwner(pool.w) - 1);
        const why = failed >= 0 ? pool.workers[failed].error()!.message : Date.now() > deadline ? 'did not start within 60 s' : pool.message();
        await pool.dispose();
        throw new WorkerError(`worker ${tid} of the thread pool could not start: ${why}`, tid, 'start');
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    return pool;
  }

  liveWorkers(): number { return this.live; }
  get ok(): boolean { return !this.broken; }

  /** Runs `engineRun` (the binary's engine_run over the descriptor) as thread 0 and returns its
   * status; throws WorkerError if any thread failed (the pool is then torn down). */
  run(engineRun: () => number): number {
    if (this.broken || Atomics.load(this.w, C_FAULT) !== 0) this.fail();
    let status: number;
    try {
      status = engineRun();
    } catch (e) {
      // thread 0 trapped: the others must not wait for it
      recordFault(this.o.memory, this.o.ctl, 0, `${PHASES[Atomics.load(this.w, C_PHASE)] ?? 'idle'}: ${e instanceof Error ? e.message : String(e)}`);
      this.fail();
    }
    if (Atomics.load(this.w, C_FAULT) !== 0) this.fail();
    return status;
  }

  private message(): string {
    const bytes = new Uint8Array(this.o.memory.buffer, this.o.ctl + C_ERROR_AT, C_ERROR_BYTES).slice();
    const end = bytes.indexOf(0);
    return new TextDecoder().decode(end >= 0 ? bytes.subarray(0, end) : bytes);
  }

  /** Tears the pool down and throws the WorkerError that names the failing thread and phase. */
  private fail(): never {
    const tid = Math.max(0, faultOwner(this.w) - 1);
    const message = this.message() || 'the worker stopped';
    const phase = /^(\w+):/.exec(message)?.[1] ?? 'unknown';
    this.broken = true;
    void this.terminate();
    const who = tid === 0 ? 'the calling thread' : `worker ${tid}`;
    throw new WorkerError(`${who} of ${this.threads} threads failed in the ${phase} phase of a training step: ${message.replace(/^\w+: /, '')}. The thread pool was stopped; the next fit starts a new one (the parameters may hold part of that step)`, tid, phase);
  }

  /** Spinning workers wait now (a fit ended): no core stays busy while the pool is idle. */
  park(): void { Atomics.store(this.w, C_PARK, 1); }

  async whenEnded(): Promise<void> { await Promise.all(this.ended); }

  private async terminate(): Promise<void> {
    Atomics.store(this.w, C_QUIT, 1);
    Atomics.add(this.w, C_GEN, 1);
    Atomics.notify(this.w, C_GEN);
    await Promise.all(this.workers.map((h) => h.terminate()));
    await this.whenEnded();
  }

  async dispose(): Promise<void> {
    this.broken = true;
    await this.terminate();
  }

  /** Test hook: worker `tid` fails at the start of `phase`, by trapping or by leaving its thread;
   * or ('shirk') takes none of its own first-layer units, so that the others take them all. */
  injectFault(tid: number, phase: Phase, kind: 'throw' | 'exit' | 'shirk'): void {
    Atomics.store(this.w, C_INJECT_PHASE, PHASE_CODE[phase]);
    Atomics.store(this.w, C_INJECT_KIND, kind === 'shirk' ? 3 : kind === 'exit' ? 2 : 1);
    Atomics.store(this.w, C_INJECT_TID, tid);
  }
}
