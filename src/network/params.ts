// Parameters: initialisation, conversion between the arena's layout and the documented one
// (W (n_out, n_in) row-major, layout.ts), and the checks on parameters a caller passes in.
// Optimizer state blocks share the parameters' layout at a fixed shift, so the same readers serve them.

import { packWeights, unpackWeights, weightFloats } from '../backend/layout.js';
import { InputError } from '../errors.js';
import type { Architecture, Parameters } from '../types.js';
import { HIDDEN_INIT } from '../vocabulary.js';
import type { Core } from './core.js';

/** Where one block (params, grads, a state block) keeps each layer's weights and bias. */
export interface BlockOffsets { weights: number[]; biases: number[] }

export const paramOffsets = (c: Core): BlockOffsets => ({ weights: c.plan.weights, biases: c.plan.biases });
export const gradOffsets = (c: Core): BlockOffsets => ({ weights: c.plan.gradWeights, biases: c.plan.gradBiases });
/** State block `i` of the optimizer: the parameters' layout at the block's shift. */
export function stateOffsets(c: Core, i: number): BlockOffsets {
  const shift = c.plan.state[i] - c.plan.params;
  return { weights: c.plan.weights.map((o) => o + shift), biases: c.plan.biases.map((o) => o + shift) };
}

/** He-normal before relu-like activations, Glorot-normal before saturating ones and the output
 * layer (vocabulary.ts HIDDEN_INIT); zero biases. Draws from the network's PRNG. */
export function initParameters(c: Core): void {
  const { layers, hidden } = c.arch;
  const L = c.depth;
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l < L; l++) {
    const nIn = layers[l], nOut = layers[l + 1];
    const he = l < L - 1 && HIDDEN_INIT[hidden] === 'he';
    const std = he ? Math.sqrt(2 / nIn) : Math.sqrt(2 / (nIn + nOut));
    const w = new Float32Array(nOut * nIn);
    for (let i = 0; i < w.length; i++) w[i] = c.rng.normal() * std;
    weights.push(w);
    biases.push(new Float32Array(nOut));
  }
  c.f32(c.plan.params, c.plan.paramFloats).fill(0);
  writeBlock(c, paramOffsets(c), { weights, biases });
}

export function writeBlock(c: Core, at: BlockOffsets, p: Parameters): void {
  const { layers } = c.arch;
  const layout = c.k.weightLayout;
  for (let l = 0; l < c.depth; l++) {
    const K = layers[l], N = layers[l + 1];
    packWeights(c.f32(at.weights[l], weightFloats(layout, N, K)), p.weights[l], N, K, layout);
    c.f32(at.biases[l], N).set(p.biases[l]);
  }
}

/** Copies of one block in the documented layout. */
export function readBlock(c: Core, at: BlockOffsets): Parameters {
  const { layers } = c.arch;
  const layout = c.k.weightLayout;
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l < c.depth; l++) {
    const K = layers[l], N = layers[l + 1];
    const w = new Float32Array(N * K);
    unpackWeights(w, c.f32(at.weights[l], weightFloats(layout, N, K)), N, K, layout);
    weights.push(w);
    biases.push(Float32Array.from(c.f32(at.biases[l], N)));
  }
  return { weights, biases };
}

/** Throws an InputError naming the array, the expected shape or the first non-finite value. */
export function checkParameters(arch: Architecture, p: Parameters, who: string): void {
  const { layers } = arch;
  const L = layers.length - 1;
  if (!p || !Array.isArray(p.weights) || !Array.isArray(p.biases)) throw new InputError(`${who} needs { weights: Float32Array[], biases: Float32Array[] }`);
  if (p.weights.length !== L || p.biases.length !== L) {
    throw new InputError(`${who}: the network has ${L} layers of weights, got ${p.weights.length} weight and ${p.biases.length} bias arrays`);
  }
  for (let l = 0; l < L; l++) {
    const K = layers[l], N = layers[l + 1];
    for (const [kind, arr, len, shape] of [['weights', p.weights[l], N * K, `(${N}, ${K})`], ['biases', p.biases[l], N, `(${N})`]] as const) {
      if (!(arr instanceof Float32Array)) throw new InputError(`${who}: ${kind}[${l}] must be a Float32Array of shape ${shape}`);
      if (arr.length !== len) throw new InputError(`${who}: ${kind}[${l}] has ${arr.length} values, expected shape ${shape} = ${len}`);
      for (let i = 0; i < arr.length; i++) {
        if (arr[i] - arr[i] !== 0) throw new InputError(`${who}: ${kind}[${l}][${i}] is ${arr[i]}: parameters must be finite`);
      }
    }
  }
}
