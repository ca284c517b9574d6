// The embedded digits as the page gets them: the two gzip IDX files the build copies next to the
// page (the same bytes `wasm-mlp train` reads), decompressed by the browser's DecompressionStream
// and split into 8,000 train / 2,000 test by the library's digitsFromIdx.

import { digitsFromIdx, type Dataset } from 'wasm-mlp/io';

export interface Digits { train: Dataset<Uint8Array>; test: Dataset<Uint8Array> }

async function gunzip(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`could not load ${url} (HTTP ${res.status})`);
  const plain = res.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(plain).arrayBuffer());
}

export async function loadDigits(): Promise<Digits> {
  const [images, labels] = await Promise.all([gunzip('digits/images.idx3-ubyte.gz'), gunzip('digits/labels.idx1-ubyte.gz')]);
  const { train, test } = digitsFromIdx(images, labels);
  return { train, test: test! }; // digitsFromIdx always holds 2,000 back
}
