// How a failed thread is recorded in the control block (the first failure wins) and named in
// messages: shared by the pool's workers (pool-worker.ts) and the coordinator (pool.ts). Kept apart
// from pool-worker.ts, which is only ever loaded as a worker's entry: importing it from the
// library would start a pool worker in any worker thread that uses the library.

import { C_BAR_GEN, C_ERROR_AT, C_ERROR_BYTES, C_FAULT, C_GEN, C_PHASE, CTL_BYTES, PHASE_REPACK, PHASE_ROWS, PHASE_WEIGHTS } from '../engine/words.js';

/** Phase names for messages, by the codes in C_PHASE. */
export const PHASES: Record<number, string> = { [PHASE_ROWS]: 'rows', [PHASE_WEIGHTS]: 'weights', [PHASE_REPACK]: 'repack' };

const encoder = new TextEncoder();

/** C_FAULT while the first failing thread writes its message: every thread already stops (any
 * non-zero C_FAULT ends a job); the coordinator waits for the owner before reading the message. */
const CLAIMED = -1;

/** Records the first failure (C_FAULT = 1 + tid, the message at C_ERROR_AT) and wakes every thread
 * that waits, so none waits for the one that failed. The message is written before C_FAULT names
 * its thread, so a reader that sees the name sees the whole message. */
export function recordFault(memory: WebAssembly.Memory, ctl: number, tid: number, message: string): void {
  const w = new Int32Array(memory.buffer, ctl, CTL_BYTES / 4);
  if (Atomics.compareExchange(w, C_FAULT, 0, CLAIMED) === 0) {
    const out = new Uint8Array(memory.buffer, ctl + C_ERROR_AT, C_ERROR_BYTES);
    out.fill(0);
    out.set(encoder.encode(message).subarray(0, out.length - 1));
    Atomics.store(w, C_FAULT, tid + 1);
  }
  Atomics.notify(w, C_BAR_GEN);
  Atomics.notify(w, C_GEN);
}

/** 1 + the failed thread's id once its message is written (0: no failure). A thread that claimed
 * the fault writes a few hundred bytes; past a second it is taken as gone (thread 0 is named). */
export function faultOwner(w: Int32Array): number {
  const deadline = Date.now() + 1000;
  let f = Atomics.load(w, C_FAULT);
  while (f === CLAIMED && Date.now() < deadline) f = Atomics.load(w, C_FAULT);
  return f === CLAIMED ? 1 : f;
}

export const phaseOf = (w: Int32Array, tid: number): string => PHASES[Atomics.load(w, C_PHASE + tid)] ?? 'idle';
