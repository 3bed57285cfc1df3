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
  for (let i = 0; i < x.data.length; i++) {
    const v = x.data[i];
    if (v !== 0 && v !== 1) return weightedGramDense(x, y, w);
  }
  return weightedGramBinary(x, y, w);
}

/** Any data: two-sided centring, the way sklearn preprocesses, summed column by column. */
export function weightedGramDense(x: Matrix, y: ArrayLike<number>, w: ArrayLike<number>): WeightedGram {
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

  // Centred columns, contiguous per feature, so each cross-product is one tight loop over the samples.
  const centred = new Float64Array(n * p);
  const weightedCentred = new Float64Array(n * p);
  const yc = new Float64Array(n);
  let yy = 0;
  for (let i = 0; i < n; i++) {
    yc[i] = y[i] - yMean;
    yy += w[i] * yc[i] * yc[i];
  }
  for (let j = 0; j < p; j++) {
    const m = xMean[j];
    const col = j * n;
    for (let i = 0; i < n; i++) {
      const c = data[i * p + j] - m;
      centred[col + i] = c;
      weightedCentred[col + i] = w[i] * c;
    }
  }
  const xx = new Float64Array(p * p);
  const xy = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    const cj = j * n;
    let sy = 0;
    for (let i = 0; i < n; i++) sy += weightedCentred[cj + i] * yc[i];
    xy[j] = sy;
    for (let k = j; k < p; k++) {
      const ck = k * n;
      let s = 0;
      for (let i = 0; i < n; i++) s += weightedCentred[cj + i] * centred[ck + i];
      xx[j * p + k] = s;
    }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) xx[j * p + k] = xx[k * p + j];
  return { features: p, xMean, yMean, xx, xy, yy };
}

/**
 * 0/1 data (LIME's interpretable representation): weighted co-occurrence sums over the ones of each
 * row, centred afterwards as S_jk - T_j T_k / W (T_j = weight of the rows where feature j is 1). About
 * half the work of the dense sums; the subtraction cancels only for features that are nearly always 1,
 * where the ridge penalty dominates anyway.
 */
export function weightedGramBinary(x: Matrix, y: ArrayLike<number>, w: ArrayLike<number>): WeightedGram {
  const { rows: n, cols: p, data } = x;
  let wSum = 0;
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    wSum += w[i];
    yMean += w[i] * y[i];
  }
  yMean /= wSum;
  const s = new Float64Array(p * p);
  const t = new Float64Array(p);
  const xy = new Float64Array(p);
  let yy = 0;
  const ones = new Int32Array(p);
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    const yc = y[i] - yMean;
    yy += wi * yc * yc;
    if (wi === 0) continue;
    let m = 0;
    const base = i * p;
    for (let j = 0; j < p; j++) if (data[base + j] === 1) ones[m++] = j;
    const wy = wi * yc;
    for (let a = 0; a < m; a++) {
      const ja = ones[a];
      t[ja] += wi;
      xy[ja] += wy;
      const row = ja * p;
      for (let b = a; b < m; b++) s[row + ones[b]] += wi;
    }
  }
  const xMean = new Float64Array(p);
  for (let j = 0; j < p; j++) xMean[j] = t[j] / wSum;
  const xx = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    for (let k = j; k < p; k++) {
      const v = s[j * p + k] - (t[j] * t[k]) / wSum;
      xx[j * p + k] = v;
      xx[k * p + j] = v;
    }
  }
  return { features: p, xMean, yMean, xx, xy, yy };
}
