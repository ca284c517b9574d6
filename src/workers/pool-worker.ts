// A pool worker: instantiates the threaded kernel binary over the shared memory it is given and
// runs its block of every job the coordinator starts (protocol.ts), until told to quit. It never
// allocates in the arena and never grows the memory. Runs under Node's worker_threads and as a
// browser module worker; the first message (or workerData) carries the compiled module, the
// memory, the control block's offset, this thread's id and the spin budget.

import {
  ARRIVED, ERROR_AT, ERROR_BYTES, FAULT, GEN, INJECT_EXIT, INJECT_KIND, INJECT_OP, INJECT_TID, JOIN_WAIT,
  MAX_ARGS, ARGS_AT, OP, OPS, PARK, PARTS, QUIT, RESULT, SLEEPERS, runBlock, type Exports,
} from '../backend/threads/protocol.js';
import { importNode, isNode } from '../runtime.js';
import { instantiateModule } from '../backend/wasm.js';

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** byte offset of the control block */
  ctl: number;
  tid: number;
  /** microseconds to spin on the generation word before parking in Atomics.wait */
  spinMicros: number;
}

const encoder = new TextEncoder();

/** Records the first failure: FAULT = 1 + tid, the message in the control block. */
function recordFault(memory: WebAssembly.Memory, ctl: number, tid: number, message: string): void {
  const w = new Int32Array(memory.buffer, ctl);
  if (Atomics.compareExchange(w, FAULT, 0, tid + 1) === 0) {
    const bytes = encoder.encode(message).subarray(0, ERROR_BYTES - 1);
    const out = new Uint8Array(memory.buffer, ctl + ERROR_AT, ERROR_BYTES);
    out.fill(0);
    out.set(bytes);
  }
  Atomics.notify(w, ARRIVED);
}

async function serve(init: WorkerInit, exit: (code: number) => void): Promise<void> {
  const { memory, ctl, tid, spinMicros } = init;
  const instance = await instantiateModule(init.module, { env: { memory, abort() { throw new Error('wasm abort'); } } });
  const ex = instance.exports as unknown as Exports;
  // The control block sits below the arena, so views made now stay valid when memory grows.
  const w = new Int32Array(memory.buffer, ctl, ARGS_AT / 4);
  const args = new Float64Array(memory.buffer, ctl + ARGS_AT, MAX_ARGS);
  let gen = Atomics.load(w, GEN);
  Atomics.add(w, ARRIVED, 1); // "ready": the coordinator waits for every worker once, at start
  if (Atomics.load(w, JOIN_WAIT) === 1) Atomics.notify(w, ARRIVED);
  for (;;) {
    const start = performance.now();
    let spins = 0;
    while (Atomics.load(w, GEN) === gen) {
      // check the clock every 1024 spins: cheap, and the budget holds whatever the spin costs
      if ((++spins & 1023) === 0 && (Atomics.load(w, PARK) === 1 || performance.now() - start > spinMicros / 1000)) {
        Atomics.add(w, SLEEPERS, 1);
        Atomics.wait(w, GEN, gen);
        Atomics.sub(w, SLEEPERS, 1);
      }
    }
    gen = Atomics.load(w, GEN);
    if (Atomics.load(w, QUIT) === 1) return;
    const parts = Atomics.load(w, PARTS);
    if (tid >= parts) {
      // not in this job, but it arrives all the same: the coordinator writes the next job only once
      // every worker is past this one, so no worker can read a newer job's header under this one's
      // generation
      Atomics.add(w, ARRIVED, 1);
      if (Atomics.load(w, JOIN_WAIT) === 1) Atomics.notify(w, ARRIVED);
      continue;
    }
    const op = OPS[Atomics.load(w, OP)];
    let result = 0;
    try {
      if (Atomics.load(w, INJECT_TID) === tid && OPS[Atomics.load(w, INJECT_OP)] === op) {
        if (Atomics.load(w, INJECT_KIND) === INJECT_EXIT) exit(3);
        throw new Error('injected fault (test hook)');
      }
      result = runBlock(ex, op, args, parts, tid, w);
    } catch (e) {
      recordFault(memory, ctl, tid, `${op}: ${e instanceof Error ? e.message : String(e)}`);
    }
    w[RESULT + tid] = result;
    Atomics.add(w, ARRIVED, 1);
    if (Atomics.load(w, JOIN_WAIT) === 1) Atomics.notify(w, ARRIVED);
  }
}

/** Marks this worker dead in the control block when its thread ends for any reason but QUIT. */
function onDeath(init: WorkerInit, why: string): void {
  const w = new Int32Array(init.memory.buffer, init.ctl, ARGS_AT / 4);
  if (Atomics.load(w, QUIT) === 1) return;
  recordFault(init.memory, init.ctl, init.tid, `${OPS[Atomics.load(w, OP)] ?? 'idle'}: worker ${init.tid} ${why}`);
}

if (isNode) {
  const { workerData, parentPort } = await importNode<typeof import('node:worker_threads')>('node:worker_threads');
  const init = workerData as WorkerInit;
  process.on('exit', (code) => onDeath(init, `exited with code ${code}`));
  serve(init, (code) => process.exit(code)).then(
    () => parentPort?.close(),
    (e) => { onDeath(init, `failed: ${e instanceof Error ? e.message : String(e)}`); process.exit(1); },
  );
} else {
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<WorkerInit>) => void) | null; close(): void; postMessage(m: unknown): void };
  scope.onmessage = (e) => {
    const init = e.data;
    scope.onmessage = null;
    serve(init, () => { onDeath(init, 'closed itself'); scope.close(); }).then(
      () => scope.close(),
      (err) => { onDeath(init, `failed: ${err instanceof Error ? err.message : String(err)}`); scope.close(); },
    );
  };
}
