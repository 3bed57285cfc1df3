import { UsageError } from '../../errors.js';

/**
 * Pearson correlation r = sum((a - mean a)(b - mean b)) / sqrt(sum((a - mean a)^2) sum((b - mean b)^2)),
 * in float64 with centred sums (scipy.stats.pearsonr). NaN when either side is constant, as scipy gives.
 */
export function pearsonCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPair(a, b, 'pearson');
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i];
    meanB += b[i];
  }
  meanA /= n;
  meanB /= n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - meanA;
    const db = b[i] - meanB;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  if (aa === 0 || bb === 0) return Number.NaN;
  // Rounding can push |r| a hair past 1.
  return Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb)));
}

/** Both maps the same length, at least two values, all finite. */
export function checkPair(a: ArrayLike<number>, b: ArrayLike<number>, measure: string): void {
  if (a.length !== b.length) {
    throw new UsageError(`${measure} similarity needs two maps of the same size, got ${a.length} and ${b.length} values`,
      'compare explanations of the same input (one value per feature)');
  }
  if (a.length < 2) throw new UsageError(`${measure} similarity needs at least 2 values per map, got ${a.length}`, 'compare maps with more than one feature');
  for (const [name, m] of [['first', a], ['second', b]] as const) {
    for (let i = 0; i < m.length; i++) {
      if (!Number.isFinite(m[i])) {
        throw new UsageError(`the ${name} map holds a non-finite value (${m[i]}) at feature ${i}`, 'explanations must be finite numbers: check the method\'s output');
      }
    }
  }
}
