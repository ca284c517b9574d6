// Host-side validation: every check happens before a kernel runs, and every message names the
// argument, the index and the value, so a user can act on it without reading the source.

import { ConfigError, InputError } from './errors.js';
import type { ByteFeatures, Features, OptimizerConfig } from './types.js';
import {
  DEFAULT_LEARNING_RATE, architectureProblem, layersProblem, nameProblem, optimizerProblem,
  type OptimizerName,
} from './vocabulary.js';
import type { Architecture } from './types.js';

export function checkLayers(layers: unknown): number[] {
  const problem = layersProblem(layers);
  if (problem !== null) throw new ConfigError(problem);
  return layers as number[];
}

export function checkName<T extends string>(what: string, value: unknown, allowed: readonly T[]): T {
  const problem = nameProblem(what, value, allowed);
  if (problem !== null) throw new ConfigError(problem);
  return value as T;
}

/** The architecture with defaults (hidden relu, output softmax) filled in, or a ConfigError. */
export function checkArchitecture(a: { layers: unknown; hidden?: unknown; output?: unknown }): Architecture {
  const arch = { layers: a.layers, hidden: a.hidden ?? 'relu', output: a.output ?? 'softmax' };
  const problem = architectureProblem(arch);
  if (problem !== null) throw new ConfigError(problem);
  return { layers: [...(arch.layers as number[])], hidden: arch.hidden, output: arch.output } as Architecture;
}

/** The optimizer config with every default filled in, or a ConfigError. A name alone, or a
 * learning rate left undefined (or NaN), takes the optimizer's default learning rate. */
export function checkOptimizer(opt: OptimizerConfig | OptimizerName | undefined): Required<OptimizerConfig> {
  const o: Partial<OptimizerConfig> = typeof opt === 'string' ? { name: opt } : { ...(opt ?? { name: 'sgd' }) };
  if (Number.isNaN(o.learningRate)) delete o.learningRate;
  const problem = optimizerProblem(o);
  if (problem !== null) throw new ConfigError(problem);
  const name = o.name as OptimizerName;
  return {
    name,
    learningRate: o.learningRate ?? DEFAULT_LEARNING_RATE[name],
    momentum: o.momentum ?? 0.9,
    beta1: o.beta1 ?? 0.9,
    beta2: o.beta2 ?? 0.999,
    epsilon: o.epsilon ?? 1e-8,
    weightDecay: o.weightDecay ?? 0,
  };
}

export function checkPositiveInt(what: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ConfigError(`${what} must be an integer ≥ ${min}; got ${String(v)}`);
  }
  return v;
}

/** The error for element i (value v) of x, which is not finite. */
export function nonFiniteInput(what: string, i: number, v: number, inputs: number): InputError {
  return new InputError(`${what}[${i}] (sample ${Math.floor(i / inputs)}, feature ${i % inputs}) is ${v}: inputs must be finite`);
}

/** The index (from `start`) of the first NaN or ±Infinity among n values of a from `start`, or −1:
 * the host's check of float features, and the js backend's first_nonfinite. */
export function firstNonFinite(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  for (let i = 0; i < n; i++) {
    const v = a[start + i];
    if (v - v !== 0) return i;
  }
  return -1;
}

/** Throws the InputError naming x's first value that is not finite, if it has one. */
export function checkFinite(x: Float32Array, inputs: number, what = 'x'): void {
  const i = firstNonFinite(x);
  if (i >= 0) throw nonFiniteInput(what, i, x[i], inputs);
}

/** x as Float32Array (copied only if another type was given), with its row count. `finite`: every
 * value is checked here (false: the caller checks them, as fit does in the arena, f32_first_nonfinite). */
export function checkX(x: unknown, inputs: number, what = 'x', finite = true): { x: Float32Array; n: number } {
  if (!(x instanceof Float32Array || x instanceof Float64Array || Array.isArray(x))) {
    throw new InputError(`${what} must be a Float32Array of n × ${inputs} values (sample-major); got ${x === null ? 'null' : typeof x}`);
  }
  const arr = x instanceof Float32Array ? x : Float32Array.from(x as ArrayLike<number>);
  if (arr.length === 0) throw new InputError(`${what} is empty: the dataset needs at least one sample of ${inputs} features`);
  if (arr.length % inputs !== 0) {
    throw new InputError(`${what} has ${arr.length} values, which is not a multiple of the input size ${inputs} (n × ${inputs} expected; ${arr.length % inputs} values left over)`);
  }
  if (finite) checkFinite(arr, inputs, what);
  return { x: arr, n: arr.length / inputs };
}

/** x as float32 values or as bytes (ByteFeatures), checked against the input size; a byte form's
 * divisor and normalizer are checked so that every feature it yields is finite. `finite` as for checkX. */
export function checkFeatures(x: unknown, inputs: number, what = 'x', finite = true): { x: Features; n: number } {
  if (!isByteFeatures(x)) return checkX(x, inputs, what, finite);
  const { bytes, divisor, normalizer } = x;
  if (!(bytes instanceof Uint8Array || bytes instanceof Uint8ClampedArray)) {
    throw new InputError(`${what}.bytes must be a Uint8Array or Uint8ClampedArray of n × ${inputs} bytes (sample-major)`);
  }
  checkDivisor(divisor, what);
  if (bytes.length === 0) throw new InputError(`${what}.bytes is empty: the dataset needs at least one sample of ${inputs} features`);
  if (bytes.length % inputs !== 0) {
    throw new InputError(`${what}.bytes has ${bytes.length} values, which is not a multiple of the input size ${inputs} (n × ${inputs} expected; ${bytes.length % inputs} values left over)`);
  }
  if (normalizer) {
    const { offset, scale } = normalizer;
    if (!(offset instanceof Float32Array && scale instanceof Float32Array) || offset.length !== inputs || scale.length !== inputs) {
      throw new InputError(`${what}.normalizer must have Float32Array offset and scale of ${inputs} values each`);
    }
    // (v − offset)·scale is monotonic in v: finite at bytes 0 and 255 means finite for every byte
    for (let j = 0; j < inputs; j++) {
      for (const b of [0, 255]) {
        const v = Math.fround((Math.fround(b / divisor) - offset[j]) * scale[j]);
        if (!Number.isFinite(v)) throw new InputError(`${what}.normalizer maps byte ${b} of feature ${j} to ${v}: offset ${offset[j]}, scale ${scale[j]} must keep inputs finite`);
      }
    }
  }
  return { x, n: bytes.length / inputs };
}

/** An InputError unless `divisor` is one byte features can widen by: a positive finite number
 * exact in float32 (255 for pixels). `what` names what holds it ('x', 'fitNormalizer', a file). */
export function checkDivisor(divisor: unknown, what: string): void {
  if (!(typeof divisor === 'number' && divisor > 0 && Number.isFinite(divisor) && Math.fround(divisor) === divisor)) {
    throw new InputError(`${what}.divisor must be a positive number exact in float32 (255 for pixels); got ${String(divisor)}`);
  }
}

/** Whether x is the byte form of features (an object with a `bytes` array), not a float array. */
export function isByteFeatures(x: unknown): x is ByteFeatures {
  return typeof x === 'object' && x !== null && !ArrayBuffer.isView(x) && !Array.isArray(x) && 'bytes' in x;
}

/** Class labels for softmax: integers in [0, classes), one per sample, as Int32Array. */
export function checkLabels(y: unknown, n: number, classes: number, what = 'y'): Int32Array {
  if (!(ArrayBuffer.isView(y) || Array.isArray(y))) {
    throw new InputError(`${what} must be an array of ${n} class labels (Uint8Array or Int32Array); got ${y === null ? 'null' : typeof y}`);
  }
  const a = y as ArrayLike<number>;
  if (a.length !== n) {
    const hint = a.length === n * classes ? ` (it has n × ${classes} values: pass class indices, not one-hot rows)` : '';
    throw new InputError(`${what} has ${a.length} labels but x has ${n} samples${hint}`);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = Number(a[i]);
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new InputError(`${what}[${i}] = ${a[i]} is not a class label in [0, ${classes}) (the output layer has ${classes} units)`);
    }
    out[i] = v;
  }
  return out;
}

/** Float targets (sigmoid: in [0,1]; linear: any finite), n × width, as Float32Array. */
export function checkTargets(y: unknown, n: number, width: number, unit: boolean, what = 'y'): Float32Array {
  if (!(ArrayBuffer.isView(y) || Array.isArray(y))) {
    throw new InputError(`${what} must be a Float32Array of n × ${width} targets; got ${y === null ? 'null' : typeof y}`);
  }
  const a = y as ArrayLike<number>;
  if (a.length !== n * width) {
    throw new InputError(`${what} has ${a.length} values but ${n} samples × ${width} outputs = ${n * width} were expected`);
  }
  const out = a instanceof Float32Array ? a : Float32Array.from(a);
  for (let i = 0; i < out.length; i++) {
    const v = out[i];
    if (v - v !== 0) throw new InputError(`${what}[${i}] (sample ${Math.floor(i / width)}, output ${i % width}) is ${v}: targets must be finite`);
    if (unit && (v < 0 || v > 1)) throw new InputError(`${what}[${i}] = ${v} is outside [0, 1]: sigmoid outputs need targets in [0, 1]`);
  }
  return out;
}
