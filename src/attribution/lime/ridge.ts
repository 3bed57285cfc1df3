import type { WeightedGram } from './weighted-gram.js';

/** A fitted linear surrogate over a subset of the features. */
export interface RidgeFit {
  /** The features the fit uses, in the order of `coef`. */
  features: number[];
  coef: Float64Array;
  intercept: number;
  /** Weighted R^2 on the samples the Gram matrix came from (sklearn's `score` with sample_weight). */
  score: number;
}

/**
 * sklearn's Ridge(alpha, fit_intercept=True).fit(X[:, features], y, sample_weight=w) from the
 * weighted Gram matrix: (Xc' W Xc + alpha I) coef = Xc' W yc, intercept = yMean - xMean . coef.
 * sklearn solves by Cholesky and falls back to an SVD (the minimum-norm least-squares solution) when
 * the system is singular, as it is with alpha = 0 and a constant column; so does this.
 */
export function ridgeFromGram(gram: WeightedGram, features: readonly number[], alpha: number): RidgeFit {
  const k = features.length;
  const p = gram.features;
  const a = new Float64Array(k * k);
  const b = new Float64Array(k);
  for (let r = 0; r < k; r++) {
    b[r] = gram.xy[features[r]];
    for (let c = 0; c < k; c++) a[r * k + c] = gram.xx[features[r] * p + features[c]];
  }
  const coef = solveSymmetric(a, b, k, alpha);
  let intercept = gram.yMean;
  for (let r = 0; r < k; r++) intercept -= gram.xMean[features[r]] * coef[r];
  // SSE = yy - 2 coef.b + coef' A coef on the centred, weighted system (A without alpha).
  let sse = gram.yy;
  for (let r = 0; r < k; r++) {
    let ar = 0;
    for (let c = 0; c < k; c++) ar += a[r * k + c] * coef[c];
    sse += coef[r] * (ar - 2 * b[r]);
  }
  return { features: [...features], coef, intercept, score: r2FromSums(Math.max(sse, 0), gram.yy) };
}

/** sklearn's r2_score edge cases: a constant target scores 1 when fitted exactly, else 0. */
export function r2FromSums(sse: number, sst: number): number {
  if (sst === 0) return sse === 0 ? 1 : 0;
  return 1 - sse / sst;
}

/** Solves (A + alpha I) x = b for symmetric positive semi-definite A (k x k, row-major). */
function solveSymmetric(a: Float64Array, b: Float64Array, k: number, alpha: number): Float64Array {
  const m = Float64Array.from(a);
  for (let i = 0; i < k; i++) m[i * k + i] += alpha;
  return choleskySolve(m, b, k) ?? minimumNormSolve(m, b, k);
}

/** Cholesky solve; null when a pivot is not clearly positive (singular or numerically so). */
function choleskySolve(m: Float64Array, b: Float64Array, k: number): Float64Array | null {
  const l = new Float64Array(k * k);
  let maxDiag = 0;
  for (let i = 0; i < k; i++) maxDiag = Math.max(maxDiag, m[i * k + i]);
  const tiny = maxDiag * 1e-12;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = m[i * k + j];
      for (let t = 0; t < j; t++) s -= l[i * k + t] * l[j * k + t];
      if (i === j) {
        if (!(s > tiny)) return null;
        l[i * k + i] = Math.sqrt(s);
      } else {
        l[i * k + j] = s / l[j * k + j];
      }
    }
  }
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let t = 0; t < i; t++) s -= l[i * k + t] * z[t];
    z[i] = s / l[i * k + i];
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = z[i];
    for (let t = i + 1; t < k; t++) s -= l[t * k + i] * x[t];
    x[i] = s / l[i * k + i];
  }
  return x;
}

/**
 * The minimum-norm solution through the eigen-decomposition of the symmetric matrix (cyclic Jacobi),
 * dropping eigenvalues that are zero up to rounding: the same solution sklearn's SVD fallback gives.
 */
function minimumNormSolve(m: Float64Array, b: Float64Array, k: number): Float64Array {
  const { values, vectors } = jacobiEigen(m, k);
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const cutoff = maxAbs * 1e-12;
  const x = new Float64Array(k);
  for (let e = 0; e < k; e++) {
    if (!(values[e] > cutoff)) continue;
    let proj = 0;
    for (let i = 0; i < k; i++) proj += vectors[i * k + e] * b[i];
    proj /= values[e];
    for (let i = 0; i < k; i++) x[i] += vectors[i * k + e] * proj;
  }
  return x;
}

/** Eigenvalues and eigenvectors (columns of `vectors`) of a symmetric matrix by cyclic Jacobi rotations. */
function jacobiEigen(m: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(m);
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const s = a[i * k + j] * a[i * k + j];
        total += s;
        if (i !== j) off += s;
      }
    }
    if (off <= total * 1e-30 || off === 0) break;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = a[p * k + q];
        if (apq === 0) continue;
        const theta = (a[q * k + q] - a[p * k + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < k; r++) {
          const arp = a[r * k + p];
          const arq = a[r * k + q];
          a[r * k + p] = c * arp - s * arq;
          a[r * k + q] = s * arp + c * arq;
        }
        for (let r = 0; r < k; r++) {
          const apr = a[p * k + r];
          const aqr = a[q * k + r];
          a[p * k + r] = c * apr - s * aqr;
          a[q * k + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < k; r++) {
          const vrp = v[r * k + p];
          const vrq = v[r * k + q];
          v[r * k + p] = c * vrp - s * vrq;
          v[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const values = new Float64Array(k);
  for (let i = 0; i < k; i++) values[i] = a[i * k + i];
  return { values, vectors: v };
}
