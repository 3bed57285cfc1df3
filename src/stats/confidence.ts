import { studentTwoSidedP } from '../embedding/concepts/t-test.js';

export interface MeanInterval {
  mean: number;
  /** Bounds of the two-sided interval; equal to the mean for a single value. */
  low: number;
  high: number;
  /** Finite values used (NaN scores, e.g. an undefined correlation, are left out and counted). */
  n: number;
  /** Values left out because they were not finite. */
  skipped: number;
  standardDeviation: number;
}

/**
 * The mean of a sample with Student's t confidence interval (scipy.stats.t.interval(level, n - 1,
 * mean, sem)): the metrics' scores per explained row are a sample from the data set's distribution.
 */
export function meanConfidenceInterval(values: ArrayLike<number>, level = 0.95): MeanInterval {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must lie in (0, 1), got ${level}`);
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite.push(values[i]);
  const n = finite.length;
  const skipped = values.length - n;
  if (n === 0) return { mean: NaN, low: NaN, high: NaN, n, skipped, standardDeviation: NaN };
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, low: mean, high: mean, n, skipped, standardDeviation: 0 };
  const sd = Math.sqrt(finite.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = studentQuantile((1 + level) / 2, n - 1) * sd / Math.sqrt(n);
  return { mean, low: mean - half, high: mean + half, n, skipped, standardDeviation: sd };
}

/** The p-quantile (p > 0.5) of Student's t with df degrees of freedom, by bisection on the tail probability. */
export function studentQuantile(p: number, df: number): number {
  const tail = 2 * (1 - p);
  let lo = 0;
  let hi = 1;
  while (studentTwoSidedP(hi, df) > tail) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTwoSidedP(mid, df) > tail) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
