// Typed errors of wasm-mlp. Every failure a user can cause is one of these, with a message that
// names the problem (file, byte offset or line and column, shape, value) and what was expected.

/** Base class: anything wasm-mlp throws on purpose. `code` is stable for programs to branch on
 * (E_CONFIG, E_INPUT, E_DATA, E_MODEL, E_DIVERGED, E_WASM_ABORT, E_WASM, E_MEMORY, E_WORKER,
 * E_SOURCE). */
export class WasmMlpError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value is invalid: layer sizes, activation, loss, optimizer, backend, batch size. */
export class ConfigError extends WasmMlpError {
  constructor(message: string) { super('E_CONFIG', message); }
}

/** Arrays passed to the API have the wrong length, shape, values (NaN, label out of range). */
export class InputError extends WasmMlpError {
  constructor(message: string) { super('E_INPUT', message); }
}

/** A data file (IDX, CSV, image) is malformed. `file`, `offset` (bytes), `line`/`column` locate it. */
export class DataFormatError extends WasmMlpError {
  readonly file?: string;
  readonly offset?: number;
  readonly line?: number;
  readonly column?: number;
  constructor(message: string, where: { file?: string; offset?: number; line?: number; column?: number } = {}) {
    super('E_DATA', message);
    this.file = where.file;
    this.offset = where.offset;
    this.line = where.line;
    this.column = where.column;
  }
}

/** A model or checkpoint file is truncated, oversized, inconsistent or of an unknown version. */
export class ModelFileError extends WasmMlpError {
  readonly file?: string;
  readonly offset?: number;
  constructor(message: string, where: { file?: string; offset?: number } = {}) {
    super('E_MODEL', message);
    this.file = where.file;
    this.offset = where.offset;
  }
}

/** Training diverged: the loss or a parameter update became NaN or Infinity. */
export class DivergenceError extends WasmMlpError {
  readonly epoch: number;
  readonly batch: number;
  constructor(message: string, epoch: number, batch: number) {
    super('E_DIVERGED', message);
    this.epoch = epoch;
    this.batch = batch;
  }
}

/** The wasm module called `abort` (an assertion in a debug build): decoded message and location. */
export class WasmAbortError extends WasmMlpError {
  constructor(message: string) { super('E_WASM_ABORT', message); }
}

/** A wasm binary cannot be used: it does not compile or instantiate here, lacks an export, speaks
 * another ABI version (a wrong or stale build), or its engine refused what the host planned. */
export class WasmBinaryError extends WasmMlpError {
  constructor(message: string) { super('E_WASM', message); }
}

/** A thread of the multi-core engine failed (trapped, aborted or exited): names the thread and the
 * phase of the step it was in. The pool is torn down; the next fit starts a new one. */
export class WorkerError extends WasmMlpError {
  /** the failing thread's id (1 … threads − 1; 0 is the coordinator) */
  readonly worker: number;
  /** the phase it was in ('rows', 'weights', 'repack'), or 'start' */
  readonly kernel: string;
  constructor(message: string, worker: number, kernel: string) {
    super('E_WORKER', message);
    this.worker = worker;
    this.kernel = kernel;
  }
}

/** A DataSource failed while training streamed from it: its read or pass threw or rejected, or it
 * gave rows of the wrong kind or count. Names the rows asked for; `cause` is what the source threw.
 * Training stops at a batch boundary: the training state says where (checkpoints already written
 * are untouched). */
export class DataSourceError extends WasmMlpError {
  /** the first row and the row after the last of the read that failed */
  readonly start: number;
  readonly end: number;
  constructor(message: string, start: number, end: number, cause?: unknown) {
    super('E_SOURCE', message);
    this.start = start;
    this.end = end;
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}
