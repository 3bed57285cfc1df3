import { GlassboxError, UsageError } from '../errors.js';
import type { Matrix } from '../tabular/matrix.js';

export interface LeastSquaresFit {
  /** One coefficient per column of x (no intercept unless x has a column of ones). */
  coef: Float64Array;
  /** sum_i w_i (y_i - x_i . coef)^2. */
  residualSumSquares: number;
  /** Numerical rank of sqrt(W) X. */
  rank: number;
}

export interface LeastSquaresOptions {
  /** Non-negative row weights (default: all 1). */
  weights?: ArrayLike<number>;
  /**
   * When the columns are dependent: false (default) throws a GlassboxError naming the problem;
   * true returns a basic solution (zero coefficients for the dependent columns), whose residual is
   * still the least-squares residual.
   */
  allowRankDeficient?: boolean;
  /** What the unknowns are, for the error message. */
  what?: string;
}

/**
 * Weighted least squares, argmin_b sum_i w_i (y_i - x_i . b)^2, by Householder QR with column
 * pivoting on sqrt(W) X: backward stable (no squared condition number as with the normal
 * equations) and it sees rank deficiency instead of returning noise.
 */
export function leastSquares(x: Matrix, y: ArrayLike<number>, options: LeastSquaresOptions = {}): LeastSquaresFit {
  const n = x.rows;
  const p = x.cols;
  if (y.length !== n) throw new UsageError(`least squares: ${n} rows but ${y.length} targets`, 'give one target value per row');
  const w = options.weights;
  if (w && w.length !== n) throw new UsageError(`least squares: ${n} rows but ${w.length} weights`, 'give one weight per row');
  // Column-major working copy of sqrt(W) X: Householder steps work down columns.
  const a = new Float64Array(n * p);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i] : 1;
    if (!(wi >= 0) || !Number.isFinite(wi)) throw new UsageError(`least squares: weight ${i} is ${wi}`, 'weights must be finite and non-negative');
    const s = Math.sqrt(wi);
    b[i] = s * y[i];
    for (let j = 0; j < p; j++) a[j * n + i] = s * x.data[i * p + j];
  }
  const perm = Int32Array.from({ length: p }, (_, j) => j);
  const norms = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[j * n + i] ** 2;
    norms[j] = s;
  }
  const steps = Math.min(n, p);
  const rdiag = new Float64Array(steps);
  let rank = 0;
  let firstDiag = 0;
  for (let k = 0; k < steps; k++) {
    // Pivot: the remaining column with the largest remaining norm (recomputed: p is small).
    let best = k;
    let bestNorm = -1;
    for (let j = k; j < p; j++) {
      let s = 0;
      for (let i = k; i < n; i++) s += a[j * n + i] ** 2;
      norms[j] = s;
      if (s > bestNorm) { bestNorm = s; best = j; }
    }
    if (best !== k) {
      for (let i = 0; i < n; i++) {
        const t = a[k * n + i]; a[k * n + i] = a[best * n + i]; a[best * n + i] = t;
      }
      const t = perm[k]; perm[k] = perm[best]; perm[best] = t;
    }
    const alphaNorm = Math.sqrt(bestNorm);
    if (k === 0) firstDiag = alphaNorm;
    if (alphaNorm <= firstDiag * Math.max(n, p) * 2.2e-16 || alphaNorm === 0) break;
    // Householder vector v = x + sign(x0)|x| e0, stored in place of the column.
    const col = k * n;
    const alpha = a[col + k] >= 0 ? -alphaNorm : alphaNorm;
    a[col + k] -= alpha;
    let vnorm2 = 0;
    for (let i = k; i < n; i++) vnorm2 += a[col + i] ** 2;
    rdiag[k] = alpha;
    rank++;
    if (vnorm2 === 0) continue;
    const apply = (target: Float64Array, offset: number) => {
      let s = 0;
      for (let i = k; i < n; i++) s += a[col + i] * target[offset + i];
      const f = (2 * s) / vnorm2;
      for (let i = k; i < n; i++) target[offset + i] -= f * a[col + i];
    };
    for (let j = k + 1; j < p; j++) apply(a, j * n);
    apply(b, 0);
  }
  if (rank < p && !options.allowRankDeficient) {
    throw new GlassboxError(
      `least squares for ${options.what ?? 'the coefficients'} is singular: ${p} unknowns but the data determine only ${rank} (columns are constant, zero-weighted or linearly dependent)`,
      'drop or merge the dependent columns, or give more rows with non-zero weight',
    );
  }
  // Back substitution on the leading rank x rank block of R; dependent columns get 0.
  const z = new Float64Array(p);
  for (let k = rank - 1; k >= 0; k--) {
    let s = b[k];
    for (let j = k + 1; j < rank; j++) s -= a[j * n + k] * z[j];
    z[k] = s / rdiag[k];
  }
  const coef = new Float64Array(p);
  for (let k = 0; k < p; k++) coef[perm[k]] = z[k];
  let rss = 0;
  for (let i = rank; i < n; i++) rss += b[i] * b[i];
  return { coef, residualSumSquares: rss, rank };
}

/**
 * Turns "fit y ~ X b subject to sum(b) = total" into an unconstrained fit by eliminating one
 * coefficient: b_k = total - sum_{j != k} b_j, so y - total x_k ~ sum_{j != k} b_j (x_j - x_k).
 * KernelSHAP uses it for efficiency (the values must add up to f(x) - E[f]). Returns the reduced
 * problem and a function that maps its solution back to all coefficients.
 */
export function eliminateSumConstraint(
  x: Matrix,
  y: ArrayLike<number>,
  total: number,
  eliminated = x.cols - 1,
): { x: Matrix; y: Float64Array; restore(reduced: ArrayLike<number>): Float64Array } {
  const n = x.rows;
  const p = x.cols;
  if (eliminated < 0 || eliminated >= p) throw new UsageError(`cannot eliminate column ${eliminated} of ${p}`, 'pick a column index inside the matrix');
  const q = p - 1;
  const data = new Float64Array(n * q);
  const yr = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const xk = x.data[i * p + eliminated];
    yr[i] = y[i] - total * xk;
    let c = 0;
    for (let j = 0; j < p; j++) if (j !== eliminated) data[i * q + c++] = x.data[i * p + j] - xk;
  }
  return {
    x: { rows: n, cols: q, data },
    y: yr,
    restore(reduced) {
      const out = new Float64Array(p);
      let c = 0;
      let sum = 0;
      for (let j = 0; j < p; j++) {
        if (j === eliminated) continue;
        out[j] = reduced[c++];
        sum += out[j];
      }
      out[eliminated] = total - sum;
      return out;
    },
  };
}
