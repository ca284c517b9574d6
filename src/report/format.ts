// Number formatting for the HTML report, shared by the server-side renderer (html.ts) and the page
// script (page/main.ts bundles this module). No imports and no Node built-ins: it must run as-is in
// a browser. Every formatter shows a missing or non-finite value as an em dash, never NaN.
// Fractions (accuracies, precision, recall, F1) are in [0, 1] and shown as percentages.

export const DASH = '—';

export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** 0.9031 → "90.31%" (digits after the point of the percentage). */
export function fmtPercent(v: number | null | undefined, digits = 2): string {
  return isNum(v) ? `${(v * 100).toFixed(digits)}%` : DASH;
}

/** 0.246123 → "0.2461" (fixed digits after the point). */
export function fmtFixed(v: number | null | undefined, digits = 4): string {
  return isNum(v) ? v.toFixed(digits) : DASH;
}

/** 41234.6 → "41,235" (rounded, grouped). */
export function fmtInt(v: number | null | undefined): string {
  return isNum(v) ? Math.round(v).toLocaleString('en-US') : DASH;
}

/** A number of unknown kind: integers grouped ("60,000"); others to 4 significant digits
 * ("0.2461", "12.25"), rounded and grouped from 1,000 up ("41,235"), in exponent form for
 * magnitudes below 0.001 or from 10^15 up ("1.235e-7"). */
export function fmtNumber(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  const a = Math.abs(v);
  if (a >= 1e15 || (a > 0 && a < 1e-3)) return v.toExponential(3).replace(/\.?0+e/, 'e');
  if (Number.isInteger(v) || a >= 1000) return Math.round(v).toLocaleString('en-US');
  return String(Number(v.toPrecision(4)));
}

/** 12.3 → "12.30 s", 135 → "2 min 15 s", 7260 → "2 h 1 min". */
export function fmtSeconds(v: number | null | undefined): string {
  if (!isNum(v)) return DASH;
  if (v < 60) return `${v.toFixed(2)} s`;
  const total = Math.round(v); // round once, so 119.6 s is "2 min 0 s", not "1 min 60 s"
  const m = Math.floor(total / 60);
  return m < 60 ? `${m} min ${total - m * 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** A configuration value, shown as given (numbers in full); non-finite numbers as a dash. */
export function fmtValue(v: string | number | boolean): string {
  if (typeof v === 'number') return isNum(v) ? String(v) : DASH;
  return String(v);
}

const FRACTION_KEY = /accuracy|precision|recall|\bf1\b/i;
const SECONDS_KEY = /\((s|sec|seconds)\)\s*$|\bseconds\b/i;
const LOSS_KEY = /\bloss\b/i;

/** A headline figure from `ReportInput.summary`, formatted by what its name says it is: a name
 * with accuracy / precision / recall / F1 and a value in [0, 1] is a percentage, one ending in
 * "(s)" or naming seconds a duration, one naming a loss has 4 decimals; any other number goes
 * through fmtNumber. Strings are shown as given. */
export function fmtSummaryValue(name: string, v: string | number): string {
  if (typeof v !== 'number') return String(v);
  if (!isNum(v)) return DASH;
  if (FRACTION_KEY.test(name) && v >= 0 && v <= 1) return fmtPercent(v);
  if (SECONDS_KEY.test(name)) return fmtSeconds(v);
  if (LOSS_KEY.test(name)) return fmtFixed(v);
  return fmtNumber(v);
}
