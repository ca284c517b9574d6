// Value-axis ticks for the report's charts (used by the page script, page/main.ts): round steps,
// and labels that show exactly the value at each grid line (a grid line at 87.5% reads "87.5%",
// never "88%"). The steps are given to uPlot as `axes[].incrs`; uPlot picks the smallest one that
// leaves enough room between lines and puts the lines at its multiples.

import { fmtFixed, fmtPercent } from './format.js';

/** Steps m × 10^k for m in {1, 2, 5} and minExp ≤ k < maxExp, ascending. Built as decimal literals
 * (`5e-3`), the same numbers uPlot uses, so uPlot knows their decimal places. */
export function roundSteps(minExp: number, maxExp: number): number[] {
  const steps: number[] = [];
  for (let k = minExp; k < maxExp; k++) for (const m of [1, 2, 5]) steps.push(Number(`${m}e${k}`));
  return steps;
}

/** Steps for an axis of fractions shown as percentages: 0.0001% up to 50%. */
export const PERCENT_STEPS = roundSteps(-6, 0);
/** Steps for a loss axis. */
export const VALUE_STEPS = roundSteps(-12, 12);
/** Steps for the epoch axis: whole numbers only. */
export const EPOCH_STEPS = roundSteps(0, 7);

/** Decimal places needed to write `step` exactly: 20 → 0, 0.5 → 1, 0.025 → 3, 5e-7 → 7.
 * Float noise past 12 significant digits is ignored (0.1 + 0.2 → 1). */
export function decimalsOf(step: number): number {
  const [mantissa, exp] = Number(step.toPrecision(12)).toExponential().split('e');
  const fraction = mantissa.split('.')[1] ?? '';
  return Math.max(0, fraction.length - Number(exp));
}

/** Labels for grid lines at `splits`, `step` apart: percentages of fractions when `percent`, else
 * plain decimals; with as many decimals as the step has, so each label is the exact line value. */
export function tickLabels(splits: number[], step: number, percent: boolean): string[] {
  if (percent) {
    const digits = decimalsOf(step * 100);
    return splits.map((v) => fmtPercent(v, digits));
  }
  const digits = decimalsOf(step);
  return splits.map((v) => fmtFixed(v, digits));
}
