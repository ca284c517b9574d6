// The engine's descriptor: where the training engine (engine.ts) finds everything, as i32 (and a
// few f32) words at a byte offset the host chooses. The host writes it once per arena plan and the
// job words before each job; docs/ABI.md ("The training engine") documents every word, and
// src/backend/engine/words.ts is the host's copy of these numbers (a test compares them).
//
// Word w of the descriptor is at byte desc + 4·w. Pointers are byte offsets into this memory.

export const ENGINE_MAGIC: i32 = 0x31706c6d; // 'mlp1'
export const MAX_LAYERS: i32 = 64;

// header
export const D_MAGIC = 0;
export const D_LAYERS = 1;        // L, layers of weights (1 … MAX_LAYERS)
export const D_THREADS = 2;       // T, threads that run every job (1 … 64)
export const D_HEAD = 3;          // output head: 0 softmax + cross-entropy, 1 sigmoid + binary CE, 2 linear + MSE
export const D_OPTIMIZER = 4;     // 0 sgd, 1 momentum, 2 adam
export const D_CAPACITY = 5;      // rows the activation buffers hold
export const D_CTL = 6;           // control block (threads; 0 when T = 1), 64-aligned, CTL_BYTES long
export const D_ROWS_MAX = 7;      // the most rows a row unit, or a piece of a run of them, may have (sizes the per-thread scratch)
export const D_KC = 8;            // inputs per weight unit, a multiple of 8
export const D_SCRATCH = 9;       // per-thread scratch: thread t's at SCRATCH + t·SCRATCH_STRIDE
export const D_SCRATCH_STRIDE = 10;
export const D_TARGETS = 11;      // (capacity) i32 labels or (capacity, TARGET_WIDTH) f32 targets
export const D_TARGET_WIDTH = 12; // 1 for labels, n_L for float targets
export const D_ROW_LOSS = 13;     // (capacity) f64: each row's loss
export const D_ROW_CORRECT = 14;  // (capacity) i32: each row's correct predictions
export const D_DATA_X = 15;       // resident training set (n, n_0) f32, or 0
export const D_DATA_Y = 16;       // its targets, laid out as TARGETS
export const D_ORDER = 17;        // (n) i32: the epoch's order of samples
export const D_DATA_ROWS = 18;    // n
export const D_STEP_ARGS = 19;    // (MAX_STEPS, 4) f32 per step: learning rate, bc1, bc2, unused
export const D_STEP_RESULTS = 20; // (MAX_STEPS) × 16 bytes per step: f64 loss sum, i32 correct, i32 refused
export const D_MAX_STEPS = 21;
export const D_WEIGHT_UNITS = 22; // weight units over all layers
export const D_PROFILE = 23;      // profiling builds (bench only): PROFILE_BYTES of f64 timings (P_*), or 0
export const D_WD = 24;           // f32 weight decay (weights only)
export const D_MU = 25;           // f32 momentum
export const D_BETA1 = 26;        // f32 Adam β1
export const D_BETA2 = 27;        // f32 Adam β2
export const D_EPS = 28;          // f32 Adam ε
export const D_XQ = 29;           // SIMD builds: the layer inputs a multiple of 64 wide regrouped by 4 inputs for the weight gradient,
                                  // layer l's (K_l/4, capacity, 4) at XQ + 16·capacity·Σ K_j/4 over the layers j < l whose K_j is a multiple of 64
export const D_ZQ = 30;           // SIMD builds: every layer's dZ regrouped by output panels for the weight gradient,
                                  // layer l's (ceil(N_l/8), capacity, 8) at ZQ + 32·capacity·Σ_{j<l} ceil(N_j/8)
export const D_DROPOUT = 31;      // the dropout table (jobs with FLAG_DROPOUT), 16-aligned, DROPOUT_WORDS long:
                                  // word 0 the seed (u32); per layer l at 4 + 4l: threshold (u32, 0: none), scale (f32),
                                  // the pre-dropout output (capacity, N_l) f32 or 0 (then dropout is in place), unused

// the job, written by the host before each job
export const J_KIND = 32;         // JOB_TRAIN, JOB_GRADS, JOB_INFER, JOB_REPACK
export const J_FLAGS = 33;        // FLAG_*
export const J_START = 34;        // train: position in ORDER of the job's first sample
export const J_BATCH = 35;        // train: batch size; infer/grads: rows in the activation buffers
export const J_END = 36;          // train: position in ORDER where the epoch ends (the last batch is cut there)
export const J_STEPS = 37;        // train: steps to run (≤ MAX_STEPS)
export const J_ROWS = 38;         // rows per row unit (a multiple of 4, ≤ ROWS_MAX)
export const J_DONE = 39;         // out: steps completed
export const J_STATUS = 40;       // out: STATUS_*
export const J_NONFINITE = 41;    // shared: a row's loss was not finite in the current step
export const J_STEP = 42;         // train, grads with FLAG_DROPOUT: the training step of the job's first step (the masks' key)
// more header words
export const D_CLIP_NORM = 43;    // f32: train clips the gradients to this global L2 norm (0: off)
export const D_CLIP_VALUE = 44;   // f32: train clips each gradient element to [−v, v] (0: off); not with CLIP_NORM
export const D_NORM_SUMS = 45;    // (WEIGHT_UNITS) f64, 8-aligned: each weight unit's Σg² (when CLIP_NORM is set)
export const D_DATA_BYTES = 46;   // 0: DATA_X is (n, n_0) f32; else DATA_X is (n, n_0) u8 widened to f32(b / DATA_DIVISOR) by the gather
export const D_DATA_DIVISOR = 47; // f32 > 0: the bytes' divisor (255 for pixels), when DATA_BYTES
export const D_DATA_NORM = 48;    // 0, or (2, n_0) f32 the gather applies to byte rows: offsets, then scales
export const D_PANEL_LAYERS = 49; // F: on more than one thread, layers 0 … F−1 go by output panels (forward) and input panels (input gradient); 0 or 1: the first only
export const D_INPUT_COPIES = 50;   // 0, or 64-aligned: threaded training reads the first layer's input from one copy per thread, thread 0's A_0 and thread t ≥ 1's (COPY_ROWS, n_0) f32 at INPUT_COPIES + (t − 1)·COPY_STRIDE, each gathered whole by its thread
export const D_COPY_STRIDE = 51;    // bytes from one copy to the next, a multiple of 64: at least 4·COPY_ROWS·n_0, twice that when n_0 is a multiple of 64 (the copy's rows regrouped by 4 inputs follow them)
export const D_COPY_ROWS = 52;      // rows a copy holds (≥ 4); a job whose batch is larger shares A_0 instead

export const JOB_TRAIN = 1;       // steps: gather, forward, loss, backward, update
export const JOB_GRADS = 2;       // one pass over the rows loaded: loss and gradients into the grads block, no update
export const JOB_INFER = 3;       // forward over the rows loaded (loss and correct counts if FLAG_TARGETS)
export const JOB_REPACK = 4;      // only re-pack the weights by inputs (after the host wrote parameters)

export const FLAG_TARGETS = 1;    // infer: targets are loaded, compute the loss
export const FLAG_REPACK = 2;     // re-pack the weights by inputs before the job (they changed on the host)
export const FLAG_DROPOUT = 4;    // train, grads: apply the dropout table's masks to the hidden layers' outputs

export const STATUS_OK = 0;
export const STATUS_LOSS = 1;     // the loss of step DONE was not finite: stopped before its update
export const STATUS_REFUSED = 2;  // step DONE − 1 refused updates that were not finite: stopped after it
export const STATUS_FAULT = 3;    // a thread failed (the control block says which)

// per layer l, 16 words at L_BASE + 16·l
export const L_BASE = 64;
export const L_WORDS = 16;
export const L_K = 0;             // n_in
export const L_N = 1;             // n_out
export const L_W = 2;             // W packed (ceil(N/8), K, 8)
export const L_B = 3;             // bias (N), padded to a multiple of 8
export const L_GW = 4;            // gradient of W, same layout (grads block)
export const L_GB = 5;
export const L_S0W = 6;           // optimizer state block 0 (momentum's velocity, Adam's m): W's layout
export const L_S0B = 7;
export const L_S1W = 8;           // state block 1 (Adam's v)
export const L_S1B = 9;
export const L_WT = 10;           // W re-packed by inputs (ceil(K/8), N, 8), for layers l ≥ 1 (else 0)
export const L_IN = 11;           // A_l, the layer's input (capacity, K)
export const L_OUT = 12;          // A_{l+1}, its output (capacity, N)
export const L_DZ = 13;           // dZ of its output (capacity, N)
export const L_UNITS_BEFORE = 14; // weight units of the layers before it
export const L_ACT = 15;          // activation code of its output

export const DESC_WORDS = L_BASE + L_WORDS * MAX_LAYERS;
export const DROPOUT_WORDS = 4 + 4 * MAX_LAYERS;

// the control block of a threaded engine: i32 words, the contended ones on cache lines of their own
export const CTL_BYTES = 5120;
export const C_GEN = 0;           // job generation: the coordinator increments it to start a job
export const C_QUIT = 1;          // 1: workers leave engine_worker
export const C_PARK = 2;          // 1: idle workers wait at once instead of spinning
export const C_SLEEPERS = 3;      // workers waiting on GEN
export const C_FAULT = 4;         // 0, or 1 + the thread that failed (its message at C_ERROR_AT)
export const C_SPIN = 5;          // spins before a wait (0 when threads outnumber cores)
export const C_COORD_BLOCKS = 6;  // 1 when thread 0 may wait (a browser page's main thread may not)
export const C_INJECT_TID = 7;    // test hook: this thread fails at phase C_INJECT_PHASE …
export const C_INJECT_PHASE = 8;
export const C_INJECT_KIND = 9;   // … by trapping (1) or by leaving its thread (2); 3: it takes none of its own first-layer units
export const C_READY = 10;        // workers started
export const C_PHASE = 80;        // words 80 … 143: the phase each thread is in (messages name it)
export const C_BAR_COUNT = 16;    // byte 64: threads arrived at the barrier
export const C_BAR_GEN = 32;      // byte 128: the barrier's generation
export const C_BAR_SLEEPERS = 33;
export const C_NEXT_ROW = 48;     // byte 192: the next row unit to take
export const C_NEXT_UNIT = 64;    // byte 256: the next weight unit to take
export const C_ERROR_AT = 576;    // bytes 576 … 1023: the failing thread's message, UTF-8
export const C_ERROR_BYTES = 448;
export const C_CLAIM = 256;       // bytes 1024 … 5119: thread t's claim counter at word CLAIM + 16·t (a cache line each):
                                  // the next of t's own first-layer units, which any thread may take once idle;
                                  // word CLAIM + 16·t + 1: the units t took from the others (never zeroed)

export const PHASE_ROWS = 1;
export const PHASE_WEIGHTS = 2;
export const PHASE_REPACK = 3;

// The profile, written only by binaries built with ENGINE_PROFILE (build/bench/relaxed-threads.profile.wasm,
// which imports env.now(): milliseconds): 1 + 64 rows of 16 f64. Row 0 word 0 is when thread 0
// started the current job; row 1 + t holds thread t's sums in ms, over every job, by what it did.
export const PROFILE_BYTES = 65 * 128;
export const P_WAKE = 0;          // from the job's start until this thread began it
export const P_ROWS = 1;          // the rows phase: the forward above the first layer, the loss, the input gradients
export const P_ROWS_WAIT = 2;     // the barrier after it
export const P_WEIGHTS = 3;       // the weights phase (weight gradients, update, re-pack; thread 0's sums)
export const P_WEIGHTS_WAIT = 4;  // the barrier after it
export const P_REPACK = 5;        // a re-pack before a job, with its barrier
export const P_STEPS = 6;         // steps (and passes) this thread ran
export const P_LAST = 7;          // the time of this thread's last mark
export const P_FIRST = 8;         // training: the first layer's forward (threaded: owned and taken units)
export const P_GATHER = 9;        // training: the batch's rows and targets gathered (threaded: units of 8 rows)
export const P_GATHER_WAIT = 10;  // the barrier after it
export const P_FIRST_WAIT = 11;   // the barrier after the first layer's forward

