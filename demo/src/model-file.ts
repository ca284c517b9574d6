// The model as a file: download it as safetensors (encodeModel: the format `wasm-mlp train --save`
// writes and `wasm-mlp predict --model` reads) and load one back (decodeModel), refusing anything
// that is not a digit classifier (784 inputs, 10 softmax outputs) with a message for the page.

import { decodeModel, encodeModel, type ModelContents } from 'wasm-mlp/io';

export function downloadModel(model: ModelContents, filename: string): void {
  const bytes = encodeModel(model);
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The model in `file`, or an Error whose message says why it cannot be used here. */
export async function readModelFile(file: File): Promise<ModelContents> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const model = decodeModel(bytes, file.name); // ModelFileError: names the file and the byte offset
  const { layers, output } = model.architecture;
  const shape = layers.join('-');
  if (layers[0] !== 784) throw new Error(`${file.name} is a ${shape} network: a digit model takes 784 inputs (28×28 pixels)`);
  if (layers[layers.length - 1] !== 10 || output !== 'softmax') throw new Error(`${file.name} is a ${shape} network with a ${output} output: a digit model has 10 softmax outputs`);
  return model;
}
