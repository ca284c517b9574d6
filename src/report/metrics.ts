// Classification metrics for reports: the confusion matrix and per-class precision / recall / F1.
// Pure (no Node built-ins): runs in Node and in a browser.
//
// Layout: matrix[t][p] counts samples whose true class is t and predicted class is p
// (rows = true class, columns = predicted class), classes × classes.
// A ratio whose denominator is 0 (a class never predicted, never present) is null, never NaN:
// the page shows it as "—".

import { InputError } from '../errors.js';

export interface ClassMetrics {
  /** TP / (TP + FP) per class: column-wise; null when the class was never predicted */
  precision: (number | null)[];
  /** TP / (TP + FN) per class: row-wise; null when the class has no true samples */
  recall: (number | null)[];
  /** 2·TP / (2·TP + FP + FN) per class; null when the class is neither present nor predicted */
  f1: (number | null)[];
  /** true samples per class (row sums) */
  support: number[];
  /** trace / total; null when the matrix is empty (total 0) */
  accuracy: number | null;
  /** mean of the non-null per-class F1 values; null when there are none */
  macroF1: number | null;
  /** number of samples (sum of every cell) */
  total: number;
}

/** Counts (true, predicted) pairs. `predicted[i]` and `actual[i]` are class indices in [0, classes). */
export function confusionMatrix(
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  classes: number,
): number[][] {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new InputError(`confusionMatrix: classes must be a positive integer, got ${classes}`);
  }
  if (predicted.length !== actual.length) {
    throw new InputError(
      `confusionMatrix: ${predicted.length} predictions but ${actual.length} true labels; they must be the same length`,
    );
  }
  const matrix: number[][] = [];
  for (let t = 0; t < classes; t++) matrix.push(new Array<number>(classes).fill(0));
  for (let i = 0; i < actual.length; i++) {
    const t = actual[i];
    const p = predicted[i];
    if (!Number.isInteger(t) || t < 0 || t >= classes) {
      throw new InputError(`confusionMatrix: true label at index ${i} is ${t}; expected an integer in [0, ${classes - 1}]`);
    }
    if (!Number.isInteger(p) || p < 0 || p >= classes) {
      throw new InputError(`confusionMatrix: prediction at index ${i} is ${p}; expected an integer in [0, ${classes - 1}]`);
    }
    matrix[t][p]++;
  }
  return matrix;
}

/** Per-class precision, recall, F1 and support, plus accuracy and macro-F1, from a square matrix. */
export function perClassMetrics(matrix: readonly (readonly number[])[]): ClassMetrics {
  const n = matrix.length;
  if (n < 1) throw new InputError('perClassMetrics: the confusion matrix is empty; expected classes × classes counts');
  for (let t = 0; t < n; t++) {
    const row = matrix[t];
    if (!row || row.length !== n) {
      throw new InputError(`perClassMetrics: row ${t} has ${row ? row.length : 0} cells; expected ${n} (a square matrix)`);
    }
    for (let p = 0; p < n; p++) {
      const v = row[p];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new InputError(`perClassMetrics: cell [${t}][${p}] is ${v}; expected a finite count >= 0`);
      }
    }
  }

  const support = new Array<number>(n).fill(0); // row sums
  const predictedCount = new Array<number>(n).fill(0); // column sums
  let total = 0;
  let correct = 0;
  for (let t = 0; t < n; t++) {
    for (let p = 0; p < n; p++) {
      const v = matrix[t][p];
      support[t] += v;
      predictedCount[p] += v;
      total += v;
    }
    correct += matrix[t][t];
  }

  const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
  const precision: (number | null)[] = [];
  const recall: (number | null)[] = [];
  const f1: (number | null)[] = [];
  let f1Sum = 0;
  let f1Count = 0;
  for (let c = 0; c < n; c++) {
    const tp = matrix[c][c];
    precision.push(ratio(tp, predictedCount[c]));
    recall.push(ratio(tp, support[c]));
    // 2TP / (2TP + FP + FN) = 2TP / (row sum + column sum)
    const f = ratio(2 * tp, support[c] + predictedCount[c]);
    f1.push(f);
    if (f !== null) {
      f1Sum += f;
      f1Count++;
    }
  }

  return {
    precision,
    recall,
    f1,
    support,
    accuracy: ratio(correct, total),
    macroF1: f1Count === 0 ? null : f1Sum / f1Count,
    total,
  };
}
