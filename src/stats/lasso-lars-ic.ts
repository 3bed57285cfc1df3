import { UsageError } from '../errors.js';
import type { Matrix } from '../tabular/matrix.js';
import { larsPath } from './lars.js';
import { leastSquares } from './least-squares.js';

export interface LassoLarsIcResult {
  /** Coefficients at the selected step of the lasso path (on the original, uncentred columns). */
  coef: Float64Array;
  /** The selected alpha. */
  alpha: number;
  /** Indices of the non-zero coefficients, ascending. */
  selected: number[];
  /** y mean minus x means . coef (0 without an intercept). */
  intercept: number;
  /** The path's alphas and the criterion at each, for inspection. */
  alphas: Float64Array;
  criterion: Float64Array;
  /** The noise variance the criterion used. */
  noiseVariance: number;
}

export interface LassoLarsIcOptions {
  /** Centre x and y first (sklearn's default, true). */
  fitIntercept?: boolean;
  /** Known noise variance; by default estimated from the least-squares fit, as sklearn. */
  noiseVariance?: number;
  maxIter?: number;
}

/**
 * The lasso path's step chosen by an information criterion, as scikit-learn's LassoLarsIC (>= 1.1):
 *   criterion_k = n log(2 pi s2) + RSS_k / s2 + K df_k,   K = 2 (AIC) or log n (BIC),
 * where df_k counts the coefficients with |b| > machine epsilon and s2, unless given, is the unbiased
 * residual variance of the ordinary least-squares fit on the (centred) data,
 * RSS_ols / (n - p - fitIntercept), which needs n > p + fitIntercept.
 */
export function lassoLarsIc(
  x: Matrix,
  y: Float64Array,
  criterion: 'aic' | 'bic',
  options: LassoLarsIcOptions = {},
): LassoLarsIcResult {
  if (criterion !== 'aic' && criterion !== 'bic') throw new UsageError(`lassoLarsIc: unknown criterion '${String(criterion)}'`, "use 'aic' or 'bic'");
  const fitIntercept = options.fitIntercept ?? true;
  const n = x.rows;
  const p = x.cols;
  if (y.length !== n) throw new UsageError(`lassoLarsIc: x has ${n} rows but y has ${y.length} values`, 'give one y value per row of x');
  const xMean = new Float64Array(p);
  let yMean = 0;
  if (fitIntercept) {
    for (let i = 0; i < n; i++) {
      yMean += y[i] / n;
      for (let j = 0; j < p; j++) xMean[j] += x.data[i * p + j] / n;
    }
  }
  const xc = new Float64Array(n * p);
  const yc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    yc[i] = y[i] - yMean;
    for (let j = 0; j < p; j++) xc[i * p + j] = x.data[i * p + j] - xMean[j];
  }
  const centred: Matrix = { rows: n, cols: p, data: xc };
  const path = larsPath(centred, yc, { method: 'lasso', maxIter: options.maxIter ?? 500 });

  let noiseVariance = options.noiseVariance;
  if (noiseVariance === undefined) {
    const dof = n - p - (fitIntercept ? 1 : 0);
    if (dof <= 0) {
      throw new UsageError(
        `lassoLarsIc: cannot estimate the noise variance with ${n} rows and ${p} features${fitIntercept ? ' plus an intercept' : ''} (needs more rows than parameters)`,
        'give more rows, fewer features, or options.noiseVariance',
      );
    }
    // Any least-squares solution has the same residual, so dependent columns are fine here.
    noiseVariance = leastSquares(centred, yc, { allowRankDeficient: true }).residualSumSquares / dof;
  } else if (!(noiseVariance >= 0)) {
    throw new UsageError(`lassoLarsIc: noiseVariance must be non-negative, got ${noiseVariance}`, 'pass a variance, or leave it out to estimate it');
  }
  const factor = criterion === 'aic' ? 2 : Math.log(n);
  const steps = path.coefs.length;
  const rss = new Float64Array(steps);
  const df = new Int32Array(steps);
  for (let k = 0; k < steps; k++) {
    const b = path.coefs[k];
    for (let i = 0; i < n; i++) {
      let r = yc[i];
      for (let j = 0; j < p; j++) r -= xc[i * p + j] * b[j];
      rss[k] += r * r;
    }
    for (let j = 0; j < p; j++) if (Math.abs(b[j]) > 2.220446049250313e-16) df[k]++;
  }
  const values = new Float64Array(steps);
  let best = 0;
  if (noiseVariance > 0) {
    for (let k = 0; k < steps; k++) {
      values[k] = n * Math.log(2 * Math.PI * noiseVariance) + rss[k] / noiseVariance + factor * df[k];
      if (values[k] < values[best]) best = k;
    }
  } else {
    // An exact least-squares fit makes s2 = 0 and the formula 0/0; its limit as s2 -> 0 prefers the
    // smallest residual, then the fewest coefficients. (sklearn would return NaNs and pick step 0.)
    for (let k = 0; k < steps; k++) {
      values[k] = rss[k];
      if (rss[k] < rss[best] || (rss[k] === rss[best] && df[k] < df[best])) best = k;
    }
  }
  const coef = Float64Array.from(path.coefs[best]);
  let intercept = yMean;
  for (let j = 0; j < p; j++) intercept -= xMean[j] * coef[j];
  const selected: number[] = [];
  for (let j = 0; j < p; j++) if (coef[j] !== 0) selected.push(j);
  return { coef, alpha: path.alphas[best], selected, intercept, alphas: path.alphas, criterion: values, noiseVariance };
}
