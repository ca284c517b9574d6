// The project's vocabulary: every name a user can pass (activations, outputs, optimizers,
// backends, normalisers), the union types derived from them, the activation codes of the wasm ABI
// and the constants that go with the names. Adding an activation starts here; the `Record<Hidden, …>`
// tables make the compiler point at every other place that must learn it (the kernels in
// assembly/activation.ts and backend/js.ts, and the ONNX op in io/onnx.ts).
//
// It also holds the one architecture check and the one optimizer check, used by the network, the
// model and checkpoint decoders, the ONNX exporter and the CLI, so a mistake reads the same
// wherever it is caught. Pure: no Node built-ins, no imports.

/** Hidden-layer activations. */
export const HIDDEN = ['relu', 'leaky_relu', 'sigmoid', 'tanh'] as const;
export type Hidden = (typeof HIDDEN)[number];

/** Output layer and its loss: softmax + categorical cross-entropy, sigmoid + binary
 * cross-entropy, linear + mean squared error. */
export const OUTPUTS = ['softmax', 'sigmoid', 'linear'] as const;
export type Output = (typeof OUTPUTS)[number];

export const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Kernel backends, fastest first: the order 'auto' prefers. */
export const BACKENDS = ['relaxed', 'simd', 'scalar', 'js'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Per-feature input normalisers saved with a model. */
export const NORMALIZERS = ['minmax', 'zscore'] as const;
export type NormalizerKind = (typeof NORMALIZERS)[number];

/** Activation codes of the wasm ABI (assembly/activation.ts ACT_*; docs/ABI.md). */
export const ACT = { identity: 0, relu: 1, leaky_relu: 2, sigmoid: 3, tanh: 4 } as const satisfies Record<Hidden | 'identity', number>;

/** Slope of leaky ReLU for z < 0 (assembly/activation.ts LEAKY_SLOPE has the same value). */
export const LEAKY_RELU_SLOPE = 0.01;

/** Initialisation of the weights feeding each hidden activation: He-normal (std √(2/n_in)) keeps
 * the variance through relu-like units; Glorot-normal (std √(2/(n_in+n_out))) suits the
 * saturating ones and the output layer. */
export const HIDDEN_INIT: Record<Hidden, 'he' | 'glorot'> = { relu: 'he', leaky_relu: 'he', sigmoid: 'glorot', tanh: 'glorot' };

/** Learning rate when none is given. */
export const DEFAULT_LEARNING_RATE: Record<OptimizerName, number> = { sgd: 0.1, momentum: 0.01, adam: 0.001 };

/** Optimizer state blocks, each shaped like the parameters ('m.layers.0.weight', …). */
export const OPTIMIZER_STATE: Record<OptimizerName, readonly string[]> = { sgd: [], momentum: ['velocity'], adam: ['m', 'v'] };

/** Largest layer width accepted: far beyond any dense layer that fits in 4 GiB of wasm memory. */
export const MAX_WIDTH = 1 << 24;

const shown = (v: unknown): string => (v === undefined ? 'undefined' : (JSON.stringify(v) ?? String(v)).slice(0, 60));

/** Whether `value` is one of `names`, narrowing it. */
export function isOneOf<T extends string>(names: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (names as readonly string[]).includes(value);
}

/** "unknown hidden activation 'x': expected one of relu, …", or null when `value` is one of `names`. */
export function nameProblem(what: string, value: unknown, names: readonly string[]): string | null {
  return isOneOf(names, value) ? null : `unknown ${what} ${typeof value === 'string' ? `'${value}'` : shown(value)}: expected one of ${names.join(', ')}`;
}

/** What is wrong with a list of layer sizes, or null. */
export function layersProblem(layers: unknown): string | null {
  if (!Array.isArray(layers) || layers.length < 2) {
    return `layers must list at least two sizes (inputs and outputs), e.g. [784, 128, 10]; got ${shown(layers)}`;
  }
  for (let i = 0; i < layers.length; i++) {
    const n = layers[i];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_WIDTH) {
      return `layers[${i}] must be a positive integer (at most ${MAX_WIDTH}); got ${shown(n)}`;
    }
  }
  return null;
}

/** What is wrong with an architecture {layers, hidden, output}, or null. */
export function architectureProblem(a: unknown): string | null {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return 'expected an object {layers, hidden, output}';
  const { layers, hidden, output } = a as Record<string, unknown>;
  const problem = layersProblem(layers)
    ?? nameProblem('hidden activation', hidden, HIDDEN)
    ?? nameProblem('output (activation and loss)', output, OUTPUTS);
  if (problem !== null) return problem;
  const classes = (layers as number[])[(layers as number[]).length - 1];
  if (output === 'softmax' && classes < 2) {
    return `a softmax output needs at least 2 classes; the last layer has ${classes} unit (use output 'sigmoid' for one binary output)`;
  }
  return null;
}

/** Optional numeric fields of an optimizer config with their rule. */
const OPTIMIZER_NUMBERS = {
  momentum: [(x: number) => x >= 0 && x < 1, 'in [0, 1)'],
  beta1: [(x: number) => x >= 0 && x < 1, 'in [0, 1)'],
  beta2: [(x: number) => x >= 0 && x < 1, 'in [0, 1)'],
  epsilon: [(x: number) => x > 0, 'a finite number > 0'],
  weightDecay: [(x: number) => x >= 0, 'a finite number ≥ 0'],
} as const;

/** What is wrong with an optimizer config {name, learningRate?, momentum?, …}, or null. */
export function optimizerProblem(o: unknown): string | null {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'expected an object {name, learningRate, ...}';
  const c = o as Record<string, unknown>;
  const bad = nameProblem('optimizer', c.name, OPTIMIZERS);
  if (bad !== null) return bad;
  const lr = c.learningRate;
  if (lr !== undefined && (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0)) {
    return `optimizer.learningRate must be a finite number > 0; got ${shown(lr)}`;
  }
  for (const [key, [ok, rule]] of Object.entries(OPTIMIZER_NUMBERS)) {
    const v = c[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || !ok(v))) return `optimizer.${key} must be ${rule}; got ${shown(v)}`;
  }
  return null;
}
