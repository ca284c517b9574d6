// wasm-mlp/node: the Node-only side of the library (files and datasets), kept out of the main
// entry so that the core runs in browsers and workers. The pure codecs it re-exports are also in
// wasm-mlp/io, which runs anywhere.

export { loadDigits, DIGITS_TRAIN, DIGITS_SPLIT_SEED } from './digits.js';
// `Dataset` is the one dataset type {x, y, n, features}; a named train/test pair (what
// `Dataset` meant here before) is `DatasetSplits`.
export type { Dataset, DatasetSplits } from '../types.js';
export type { LabeledSet } from './digits.js';
export { loadIdxFile, loadIdxDataset, findFashionMnistDir } from './idx-files.js';
export { idxFileSource } from './idx-source.js';
export type { IdxFileSourceOptions } from './idx-source.js';
export { writeFileAtomic, readFileChecked } from './atomic.js';
export { writeReport, loadReportAssets } from './report-file.js';
export { parseCsv } from '../data/csv.js';
export { fitNormalizer, applyNormalizer } from '../data/normalize.js';
export { fitNormalizerFromSource, type SourceFitOptions } from '../data/normalize-source.js';
export { splitValidation } from '../data/split.js';
export { encodeModel, decodeModel } from '../io/model-file.js';
export { encodeCheckpoint, decodeCheckpoint } from '../io/checkpoint.js';
export { exportOnnx } from '../io/onnx.js';
