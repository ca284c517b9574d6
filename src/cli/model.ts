// Model files on the CLI side: read a model (or checkpoint) file and rebuild a network from it.

import { createNetwork, type Network } from '../network/network.js';
import type { BackendName } from '../types.js';
import { decodeModel, type DecodedModel } from '../io/model-file.js';
import { readFileChecked } from '../node/atomic.js';

export interface LoadedModel extends DecodedModel { path: string; bytes: number }

export function readModel(path: string): LoadedModel {
  const bytes = readFileChecked(path, 'model');
  return { ...decodeModel(bytes, path), path, bytes: bytes.length };
}

/** A network with the model's architecture and parameters (the optimizer is irrelevant here). */
export async function modelNetwork(model: DecodedModel, backend: BackendName | 'auto' = 'auto'): Promise<Network> {
  const net = await createNetwork({ ...model.architecture, backend });
  net.setParameters(model.parameters);
  return net;
}

export function parameterCount(layers: number[]): number {
  let n = 0;
  for (let l = 0; l + 1 < layers.length; l++) n += (layers[l] + 1) * layers[l + 1];
  return n;
}

/** Row-wise argmax of p (n, classes): the predicted class of each sample. */
export function argmaxRows(p: Float32Array, n: number, classes: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (p[i * classes + c] > p[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}
