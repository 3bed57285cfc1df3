import type { Matrix } from '../../tabular/matrix.js';

/**
 * The weighted, centred cross-products every LIME surrogate fit needs, computed once per explanation:
 * sklearn's Ridge with sample_weight centres X and y on their weighted means and scales rows by
 * sqrt(weight), so its normal equations are built from exactly these sums. Forward selection then
 * solves dozens of small subsystems from the one Gram matrix instead of refitting on the samples.
 */
export interface WeightedGram {
  features: number;
  /** Weighted column means of X. */
  xMean: Float64Array;
  yMean: number;
  /** sum_i w_i (x_i - xMean)(x_i - xMean)^T, features x features, row-major. */
  xx: Float64Array;
  /** sum_i w_i (x_i - xMean)(y_i - yMean). */
  xy: Float64Array;
  /** sum_i w_i (y_i - yMean)^2: the weighted total sum of squares (the R^2 denominator). */
  yy: number;
}

export function weightedGram(x: Matrix, y: ArrayLike<number>, w: ArrayLike<number>): WeightedGram {
  const { rows: n, cols: p, data } = x;
  let wSum = 0;
  let yMean = 0;
  const xMean = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    wSum += wi;
    yMean += wi * y[i];
    const base = i * p;
    for (let j = 0; j < p; j++) xMean[j] += wi * data[base + j];
  }
  yMean /= wSum;
  for (let j = 0; j < p; j++) xMean[j] /= wSum;

  const xx = new Float64Array(p * p);
  const xy = new Float64Array(p);
  let yy = 0;
  const centred = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    if (wi === 0) continue;
    const base = i * p;
    for (let j = 0; j < p; j++) centred[j] = data[base + j] - xMean[j];
    const yc = y[i] - yMean;
    yy += wi * yc * yc;
    for (let j = 0; j < p; j++) {
      const wc = wi * centred[j];
      if (wc === 0) continue;
      xy[j] += wc * yc;
      const row = j * p;
      // Upper triangle only; mirrored below.
      for (let k = j; k < p; k++) xx[row + k] += wc * centred[k];
    }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) xx[j * p + k] = xx[k * p + j];
  return { features: p, xMean, yMean, xx, xy, yy };
}
