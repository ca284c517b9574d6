// wasm-mlp/node: the Node-only side of the library (files and datasets), kept out of the main
// entry so that the core runs in browsers and workers.

export { loadDigits, DIGITS_TRAIN, DIGITS_SPLIT_SEED } from './digits.js';
export type { Dataset, LabeledSet } from './digits.js';
export { loadIdxFile, loadIdxDataset, findFashionMnistDir } from './idx-files.js';
export { writeFileAtomic, readFileChecked } from './atomic.js';
export { writeReport, loadReportAssets } from './report-file.js';
export { parseCsv } from '../data/csv.js';
export { fitNormalizer, applyNormalizer } from '../data/normalize.js';
export { splitValidation } from '../data/split.js';
export { encodeModel, decodeModel } from '../io/model-file.js';
export { encodeCheckpoint, decodeCheckpoint } from '../io/checkpoint.js';
export { exportOnnx } from '../io/onnx.js';
