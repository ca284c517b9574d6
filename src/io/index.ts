// wasm-mlp/io: the pure codecs and data transforms, for any JavaScript runtime (browsers, workers,
// Node). They work on bytes, strings and typed arrays; reading and writing files is the caller's
// job (wasm-mlp/node does it in Node). No module in this entry's import graph may import a Node
// built-in: tests/host/entries.test.js walks the graph to check it.

// model files, checkpoints and their container
export { encodeSafetensors, decodeSafetensors, SAFETENSORS_MAX_HEADER } from './safetensors.js';
export type { Dtype, TensorData, TensorIn, TensorOut, DecodedSafetensors } from './safetensors.js';
export { encodeModel, decodeModel, modelFromSafetensors, MODEL_FORMAT, MODEL_FORMAT_VERSION } from './model-file.js';
export type { ModelContents, DecodedModel } from './model-file.js';
export { encodeCheckpoint, decodeCheckpoint, checkpointFromSafetensors } from './checkpoint.js';
export type { CheckpointState, DecodedCheckpoint } from './checkpoint.js';
export { exportOnnx } from './onnx.js';
export { importSafetensors, IMPORTED_FROM } from './import-torch.js';
export type { TorchImportOptions } from './import-torch.js';
export { f16ToF32, bf16ToF32 } from './half.js';
export type { OnnxExportOptions } from './onnx.js';
export { importOnnx } from './onnx-import.js';
export type { OnnxImportOptions } from './onnx-import.js';
export {
  exportStandaloneWasm, planStandalone, STANDALONE_MODEL_BASE, STANDALONE_VERSION, STANDALONE_DEFAULT_MAX_ROWS,
  STANDALONE_E_ROWS, STANDALONE_E_NO_MODEL, STANDALONE_EXPORTS,
} from './standalone.js';
export type { StandaloneModel, StandaloneOptions, StandalonePlan } from './standalone.js';

// data readers and the training view of a dataset
export { parseIdx, idxImagesToFloat32, idxLabels, IDX_MAX_ELEMENTS } from '../data/idx.js';
export type { IdxFile, IdxImages, IdxType, IdxData } from '../data/idx.js';
export { parseCsv } from '../data/csv.js';
export type { CsvDataset, CsvOptions } from '../data/csv.js';
export { isPgm, readPgm } from '../data/pgm.js';
export type { GreyImage } from '../data/pgm.js';
export { preprocessDigit, centreOfMass, DIGIT_SIDE, DIGIT_BOX, DIGIT_CENTRE, type DigitImageOptions, type PreprocessedDigit } from '../data/digit-image.js';
export { fitNormalizer, applyNormalizer } from '../data/normalize.js';
export { fitNormalizerFromSource, type SourceFitOptions } from '../data/normalize-source.js';
export { splitValidation } from '../data/split.js';
export { prepareTraining, modelInputs } from '../data/prepare.js';
export { digitsFromIdx, decodeDigitPixel, DIGITS_TRAIN, DIGITS_SPLIT_SEED } from '../data/digits.js';
export type { TrainingSplits, PrepareOptions } from '../data/prepare.js';
export type { Dataset, DatasetSplits, Normalizer, NormalizerKind, Targets } from '../types.js';

// the HTML report (the caller supplies uPlot's files as ReportAssets)
export { renderReport } from '../report/html.js';
export type { ReportInput, ReportAssets, EpochRecord } from '../report/html.js';
export { confusionMatrix, perClassMetrics } from '../report/metrics.js';
export type { ClassMetrics } from '../report/metrics.js';
