// Shared by the ONNX tests: onnxruntime-web's wasm build, run inside Node (it reads its .wasm from
// the package with node:fs; nothing is downloaded at install or at run time).
// One thread: left unset, ort picks min(4, cpus/2) threads, which spawns worker threads on larger
// machines; pinning 1 keeps every run the same and leaves no worker behind to hold the process.
import ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;
ort.env.wasm.proxy = false; // no proxy worker either: sessions run on the test's own thread

export default ort;
