// A pool worker: instantiates the threaded binary over the shared memory it is given, says it is
// ready, and enters engine_worker, which runs its share of every job inside the wasm until told
// to quit (assembly/index.ts, sync.ts). It never allocates in the arena and never grows memory.
// A trap (or a wasm abort) is recorded in the control block, with the phase it happened in, and
// wakes every waiting thread so that the job ends at once and the coordinator throws a WorkerError.
// Runs under Node's worker_threads and as a browser module worker; the first message (or
// workerData) carries the compiled module, the memory, the descriptor and control block offsets
// and this thread's id.

import { C_GEN, C_QUIT, C_READY, CTL_BYTES } from '../engine/words.js';
import { phaseOf, recordFault } from './fault.js';
import { importNode, isNode } from '../../runtime.js';
import { instantiateModule, readAsString } from '../wasm.js';

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** byte offsets of the engine's descriptor and of the control block */
  desc: number;
  ctl: number;
  tid: number;
  /** the coordinator's performance.timeOrigin: the profiling binary's clock (env.now) is shared */
  clockOrigin: number;
}

function serve(init: WorkerInit, exit: (code: number) => void): Promise<void> | void {
  const { memory, ctl, tid } = init;
  const w = new Int32Array(memory.buffer, ctl, CTL_BYTES / 4);
  let instance: WebAssembly.Instance | null = null;
  const imports = {
    env: {
      memory,
      abort(msg: number, file: number, line: number, col: number): never {
        throw new Error(`wasm kernel aborted: ${readAsString(memory.buffer as ArrayBuffer, msg) || 'assertion failed'} at ${readAsString(memory.buffer as ArrayBuffer, file)}:${line}:${col}`);
      },
      now: (): number => performance.timeOrigin - init.clockOrigin + performance.now(),
    },
  };
  const run = (): void => {
    const ex = instance!.exports as { engine_worker(desc: number, ctl: number, tid: number, seen: number): number };
    // the generation is read before saying ready: a job started after that is seen
    const seen = Atomics.load(w, C_GEN);
    Atomics.add(w, C_READY, 1);
    try {
      if (ex.engine_worker(init.desc, ctl, tid, seen) === 2) exit(3); // a test hook: leave the thread mid-job
    } catch (e) {
      recordFault(memory, ctl, tid, `${phaseOf(w, tid)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  return instantiateModule(init.module, imports).then((i) => { instance = i; run(); });
}

/** Marks this worker failed in the control block when its thread ends for any reason but QUIT. */
function onDeath(init: WorkerInit, why: string): void {
  const w = new Int32Array(init.memory.buffer, init.ctl, CTL_BYTES / 4);
  if (Atomics.load(w, C_QUIT) === 1) return;
  recordFault(init.memory, init.ctl, init.tid, `${phaseOf(w, init.tid)}: worker ${init.tid} ${why}`);
}

if (isNode) {
  const { workerData, parentPort } = await importNode<typeof import('node:worker_threads')>('node:worker_threads');
  if (workerData && parentPort) {
    const init = workerData as WorkerInit;
    process.on('exit', (code) => onDeath(init, `exited with code ${code}`));
    Promise.resolve(serve(init, (code) => process.exit(code))).then(
      () => parentPort.close(),
      (e) => { onDeath(init, `failed: ${e instanceof Error ? e.message : String(e)}`); process.exit(1); },
    );
  }
} else {
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<WorkerInit>) => void) | null; close(): void };
  scope.onmessage = (e) => {
    const init = e.data;
    scope.onmessage = null;
    Promise.resolve(serve(init, () => { onDeath(init, 'closed itself'); scope.close(); })).then(
      () => scope.close(),
      (err) => { onDeath(init, `failed: ${err instanceof Error ? err.message : String(err)}`); scope.close(); },
    );
  };
}
