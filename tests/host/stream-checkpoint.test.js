// A streamed run's geometry (chunk rows, window chunks) in checkpoints: written and read back,
// passed through toCheckpoint/restoreNetwork and the training-state copies, bad values refused
// naming the key and file, and checkpoints without it byte-for-byte what they were before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encodeCheckpoint, decodeCheckpoint } from '../../dist/io/checkpoint.js';
import { encodeSafetensors, decodeSafetensors } from '../../dist/io/safetensors.js';
import { createNetwork, restoreNetwork, toCheckpoint, InputError, ModelFileError } from '../../dist/index.js';

const seq = (n, f) => Float32Array.from({ length: n }, (_, i) => f(i));
const model = () => ({
  architecture: { layers: [4, 3, 2], hidden: 'relu', output: 'softmax' },
  parameters: { weights: [seq(12, (i) => i / 7 - 0.5), seq(6, (i) => -i / 3)], biases: [seq(3, (i) => i), seq(2, (i) => -i)] },
  normalizer: { kind: 'minmax', offset: seq(4, (i) => i), scale: seq(4, (i) => 1 / (i + 2)) },
  metadata: { dataset: 'toy' },
});
const state = () => ({
  epoch: 2, batch: 3, sample: 30, optimizer: { name: 'sgd', learningRate: 0.1 }, optimizerStep: 17, optimizerTensors: {},
  rngState: Uint32Array.from([1, 2, 3, 4]), order: Int32Array.from([3, 1, 0, 2]), seed: 7, history: [{ epoch: 1, loss: 0.5 }],
  lrSchedule: { schedule: { name: 'constant' }, stepsPerEpoch: 10, totalSteps: 50 },
});
/** A streamed run's state: no order, the geometry instead. */
const streamed = (stream = { chunkRows: 1000, windowChunks: 6 }) => { const { order, ...s } = state(); return { ...s, stream }; };
const sha = (bytes) => createHash('sha256').update(bytes).digest('hex');

test('a streamed checkpoint round-trips its chunk rows and window, with no order', () => {
  const d = decodeCheckpoint(encodeCheckpoint(model(), streamed({ chunkRows: 1279, windowChunks: 3 })), 'ck.safetensors');
  assert.deepEqual(d.state.stream, { chunkRows: 1279, windowChunks: 3 });
  assert.equal(d.state.order, undefined);
  assert.equal(d.state.sample, 30);
  assert.deepEqual([...d.state.rngState], [1, 2, 3, 4]);
  // the keys are the checkpoint's own, not caller metadata
  assert.deepEqual(d.model.metadata, { dataset: 'toy' });
  const meta = decodeSafetensors(encodeCheckpoint(model(), streamed({ chunkRows: 1279, windowChunks: 3 }))).metadata;
  assert.equal(meta.stream_chunk_rows, '1279');
  assert.equal(meta.stream_window_chunks, '3');
});

test('a checkpoint without stream geometry encodes to the same bytes as before streaming existed', () => {
  // digests of these two encodings taken on the commit before the geometry was added
  assert.equal(sha(encodeCheckpoint(model(), state())), '50d3b7134942b1cb82b55b32410a0ece52e104decc44be1600215782a5039b20');
  const { order, ...noOrder } = state();
  assert.equal(sha(encodeCheckpoint(model(), noOrder)), '59f93a8abd95a787bc485ffab9830fd597f58acdc5c3b0a094c1ff7749a3c669');
  const d = decodeCheckpoint(encodeCheckpoint(model(), state()), 'ck.safetensors');
  assert.equal('stream' in d.state, false);
  assert.deepEqual([...d.state.order], [3, 1, 0, 2]);
});

/** The streamed checkpoint with its metadata edited. */
function tampered(edit) {
  const d = decodeSafetensors(encodeCheckpoint(model(), streamed()));
  const tensors = [...d.tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: t.data }));
  const meta = { ...d.metadata };
  edit(meta);
  return encodeSafetensors(tensors, meta);
}

const refused = (bytes, pattern) => assert.throws(() => decodeCheckpoint(bytes, 'run.ck.safetensors'), (e) => {
  assert.ok(e instanceof ModelFileError, `${e?.constructor?.name}: ${e?.message}`);
  assert.equal(e.file, 'run.ck.safetensors');
  assert.match(e.message, /run\.ck\.safetensors/);
  assert.match(e.message, pattern);
  return true;
});

test('decodeCheckpoint refuses stream values that are not positive integers, naming the key', () => {
  for (const bad of ['0', '-1', '1.5', 'abc', '', ' 3', '1e3', '00', '9999999999999999']) {
    refused(tampered((m) => { m.stream_chunk_rows = bad; }), /__metadata__\.stream_chunk_rows must be a positive integer/);
    refused(tampered((m) => { m.stream_window_chunks = bad; }), /__metadata__\.stream_window_chunks must be a positive integer/);
  }
});

test('decodeCheckpoint refuses one stream key without the other', () => {
  refused(tampered((m) => { delete m.stream_window_chunks; }), /stream_window_chunks is missing but stream_chunk_rows is present/);
  refused(tampered((m) => { delete m.stream_chunk_rows; }), /stream_chunk_rows is missing but stream_window_chunks is present/);
});

test('encodeCheckpoint refuses a stream geometry that is not two positive integers', () => {
  for (const stream of [{ chunkRows: 0, windowChunks: 1 }, { chunkRows: 10, windowChunks: -2 }, { chunkRows: 2.5, windowChunks: 1 }, { chunkRows: 10 }, { chunkRows: NaN, windowChunks: 1 }]) {
    assert.throws(() => encodeCheckpoint(model(), streamed(stream)), (e) => e instanceof InputError && /encodeCheckpoint: stream\.(chunkRows|windowChunks) must be a positive integer/.test(e.message), JSON.stringify(stream));
  }
});

test('toCheckpoint and restoreNetwork carry the geometry, and the network hands out copies of it', async () => {
  const net = await createNetwork({ layers: [4, 3, 2], hidden: 'relu', output: 'softmax', optimizer: { name: 'sgd', learningRate: 0.1 }, backend: 'js' });
  const geometry = { chunkRows: 64, windowChunks: 5 };
  net.setTrainingState({ epoch: 1, batch: 2, sample: 20, order: null, rngState: Uint32Array.from([9, 8, 7, 6]), stream: geometry });
  geometry.chunkRows = 1; // the network kept its own copy
  const got = net.getTrainingState();
  assert.deepEqual(got.stream, { chunkRows: 64, windowChunks: 5 });
  got.stream.windowChunks = 99; // and handed out a copy
  assert.deepEqual(net.getTrainingState().stream, { chunkRows: 64, windowChunks: 5 });

  const ck = toCheckpoint(net);
  assert.deepEqual(ck.state.stream, { chunkRows: 64, windowChunks: 5 });
  assert.equal(ck.state.order, undefined);
  const decoded = decodeCheckpoint(encodeCheckpoint(ck.model, ck.state));
  const again = await restoreNetwork(decoded, { backend: 'js' });
  const st = again.getTrainingState();
  assert.deepEqual(st.stream, { chunkRows: 64, windowChunks: 5 });
  assert.equal(st.order, null);
  assert.equal(st.sample, 20);
  assert.deepEqual([...st.rngState], [9, 8, 7, 6]);
});

test('a resident run has no stream geometry in its state or checkpoint', async () => {
  const net = await createNetwork({ layers: [4, 3, 2], hidden: 'relu', output: 'softmax', optimizer: { name: 'sgd', learningRate: 0.1 }, backend: 'js' });
  assert.equal('stream' in net.getTrainingState(), false);
  const ck = toCheckpoint(net);
  assert.equal('stream' in ck.state, false);
  const meta = decodeSafetensors(encodeCheckpoint(ck.model, ck.state)).metadata;
  assert.equal(meta.stream_chunk_rows, undefined);
  assert.equal(meta.stream_window_chunks, undefined);
});
