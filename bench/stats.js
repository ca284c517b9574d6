// Small-sample statistics for benchmarks that compare arms over a few seeds: mean, sample standard
// deviation, and the paired difference of two arms run on the same seeds with its standard error,
// Student-t 95% interval and two-sided p-value. Student's t CDF uses the exact finite sums for an
// integer number of degrees of freedom (Abramowitz & Stegun 26.7.3–4), so no special-function
// library is needed; its quantile is found by bisection on that CDF.

/** Arithmetic mean; NaN for an empty list. */
export function mean(a) {
  if (a.length === 0) return NaN;
  let s = 0;
  for (const v of a) s += v;
  return s / a.length;
}

/** Sample standard deviation (n − 1 in the denominator); NaN below two values. */
export function sampleSd(a) {
  if (a.length < 2) return NaN;
  const m = mean(a);
  let s = 0;
  for (const v of a) s += (v - m) ** 2;
  return Math.sqrt(s / (a.length - 1));
}

function checkDf(df) {
  if (!(Number.isInteger(df) && df >= 1)) throw new RangeError(`degrees of freedom must be an integer ≥ 1; got ${df}`);
}

/** P(T ≤ t) for Student's t with df (integer ≥ 1) degrees of freedom. */
export function tCdf(t, df) {
  checkDf(df);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const theta = Math.atan(t / Math.sqrt(df)), c = Math.cos(theta), s = Math.sin(theta);
  // A(t|df) = P(|T| ≤ |t|), signed here with t: a sum of df/2 (even) or (df−1)/2 (odd) terms
  let a;
  if (df % 2 === 1) {
    let term = c, sum = df > 1 ? c : 0;
    for (let k = 3; k <= df - 2; k += 2) { term *= c * c * (k - 1) / k; sum += term; }
    a = (2 / Math.PI) * (theta + s * sum);
  } else {
    let term = 1, sum = 1;
    for (let k = 2; k <= df - 2; k += 2) { term *= c * c * (k - 1) / k; sum += term; }
    a = s * sum;
  }
  return 0.5 + a / 2;
}

/** The t with P(T ≤ t) = p for Student's t with df degrees of freedom (0 < p < 1). */
export function tQuantile(p, df) {
  checkDf(df);
  if (!(p > 0 && p < 1)) throw new RangeError(`a quantile's probability must be in (0, 1); got ${p}`);
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0, hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

/** b − a per pair (a[i] and b[i] ran on the same seed): the mean difference, its sample standard
 * deviation and standard error, the Student-t 95% interval and the two-sided p-value of "no
 * difference". Needs at least two pairs. */
export function pairedDifference(a, b) {
  if (a.length !== b.length) throw new RangeError(`paired arms need as many values each; got ${a.length} and ${b.length}`);
  if (a.length < 2) throw new RangeError(`a paired difference needs at least 2 pairs; got ${a.length}`);
  const d = a.map((v, i) => b[i] - v);
  const n = d.length, df = n - 1, m = mean(d), sd = sampleSd(d), se = sd / Math.sqrt(n);
  const q = tQuantile(0.975, df);
  // identical arms (se 0): no difference, nothing to test
  const t = se > 0 ? m / se : m === 0 ? 0 : Math.sign(m) * Infinity;
  return { n, mean: m, sd, se, df, ci95: [m - q * se, m + q * se], t, p: 2 * (1 - tCdf(Math.abs(t), df)) };
}

/** Mean and sample standard deviation of a list. */
export function summary(a) {
  return { n: a.length, mean: mean(a), sd: sampleSd(a) };
}
