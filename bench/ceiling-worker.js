// One training of bench/ceiling.js, in a worker thread of its own: builds the network, trains its
// warm-up epochs, says it is ready, waits for the shared start signal, trains, and reports the
// samples per second of the timed epochs (EpochLog.seconds: training time only). The data comes
// as shared memory from the main thread (no copy per worker): floats, or bytes with their divisor.
import v8 from 'node:v8';
v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const { workerData, parentPort } = await import('node:worker_threads');
const lib = await import('../dist/index.js');

const { layers, batchSize, threads, epochs, warmup, x, y, divisor, go, seed } = workerData;
const X = divisor > 0 ? { bytes: new Uint8Array(x), divisor } : new Float32Array(x);
const Y = new Int32Array(y);
const net = await lib.createNetwork({ layers, backend: 'relaxed', seed, threads, optimizer: { name: 'sgd', learningRate: 0.05 } });
await net.fit(X, Y, { epochs: warmup, batchSize });
parentPort.postMessage({ ready: true });
Atomics.wait(new Int32Array(go), 0, 0);
const logs = await net.fit(X, Y, { epochs, batchSize });
const seconds = logs.reduce((s, e) => s + e.seconds, 0);
await net.dispose();
// EpochLog.epoch counts the network's epochs: the first timed one follows the warm-up's
parentPort.postMessage({ samplesPerSecond: (Y.length * epochs) / seconds, seconds, threads: net.threads, warmedUp: logs[0].epoch - 1 });
