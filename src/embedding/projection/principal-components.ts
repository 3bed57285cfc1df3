import { UsageError } from '../../errors.js';
import { Random } from '../../util/random.js';
import { checkEmbeddings } from './check-embeddings.js';
import { orthonormalizeColumns } from './orthonormalize.js';
import { symmetricEigen } from './symmetric-eigen.js';
import type { Embeddings } from '../types.js';

export type PcaMethod = 'exact' | 'randomized' | 'auto';

export interface PrincipalComponentsOptions {
  /** Default 2. */
  components?: number;
  /** 'auto' (default): exact up to 512 dimensions (or points), randomised beyond. */
  method?: PcaMethod;
  /** Seeds the randomised method's Gaussian test matrix. Default 0. */
  seed?: number;
  /** Power iterations of the randomised method; default as sklearn: 7 when components < 10% of min(count, dim), else 4. */
  powerIterations?: number;
  /** Extra columns of the randomised range finder (sklearn's n_oversamples). Default 10. */
  oversamples?: number;
}

export interface PrincipalComponents {
  method: 'exact' | 'randomized';
  components: number;
  dim: number;
  /** Row-major [count, components]: the centred points in the components' basis. */
  scores: Float64Array;
  /** Row-major [components, dim]: unit principal axes, as sklearn's components_. */
  axes: Float64Array;
  mean: Float64Array;
  singularValues: number[];
  /** Variance along each axis (divided by count - 1, as sklearn). */
  explainedVariance: number[];
  explainedVarianceRatio: number[];
}

/**
 * Principal components with sklearn's PCA semantics: centred data, variance over count - 1, and
 * sklearn's sign convention for both methods (each component's largest score, in absolute value, is
 * positive).
 * Exact: the eigen-decomposition of the covariance (or of the Gram matrix when there are fewer points
 * than dimensions). Randomised: Halko et al.'s range finder with QR-normalised power iterations.
 */
export function principalComponents(e: Embeddings, options: PrincipalComponentsOptions = {}): PrincipalComponents {
  checkEmbeddings(e, 'embeddings', 2);
  const { count: n, dim } = e;
  const k = options.components ?? 2;
  const limit = Math.min(n, dim);
  if (!Number.isInteger(k) || k < 1 || k > limit) {
    throw new UsageError(`PCA components must be an integer from 1 to min(points, dimensions) = ${limit}, got ${k}`, `pass components of at most ${limit}`);
  }
  const requested = options.method ?? 'auto';
  if (!['exact', 'randomized', 'auto'].includes(requested)) {
    throw new UsageError(`unknown PCA method '${requested}'`, "use 'exact', 'randomized' or 'auto'");
  }
  const method = requested === 'auto' ? (limit <= 512 ? 'exact' : 'randomized') : requested;
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) mean[c] += e.vectors[i * dim + c];
  for (let c = 0; c < dim; c++) mean[c] /= n;
  const x = new Float64Array(n * dim);
  let totalSquares = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dim; c++) {
      const t = e.vectors[i * dim + c] - mean[c];
      x[i * dim + c] = t;
      totalSquares += t * t;
    }
  }
  const { axes, singular } = method === 'exact' ? exactAxes(x, n, dim, k) : randomizedAxes(x, n, dim, k, options);
  const scores = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += x[i * dim + c] * axes[j * dim + c];
      scores[i * k + j] = s;
    }
  }
  flipSigns(scores, axes, n, dim, k);
  const explainedVariance = singular.map((s) => (s * s) / (n - 1));
  const totalVariance = totalSquares / (n - 1);
  return {
    method, components: k, dim, scores, axes, mean,
    singularValues: singular,
    explainedVariance,
    explainedVarianceRatio: explainedVariance.map((v) => (totalVariance > 0 ? v / totalVariance : 0)),
  };
}

/** Top-k axes from X'X (dim x dim), or from XX' (n x n) when the points are fewer. */
function exactAxes(x: Float64Array, n: number, dim: number, k: number): { axes: Float64Array; singular: number[] } {
  const axes = new Float64Array(k * dim);
  if (dim <= n) {
    const cov = new Float64Array(dim * dim);
    // Four rows per pass over the upper triangle: a quarter of the loads and stores on cov.
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const r0 = i * dim, r1 = r0 + dim, r2 = r1 + dim, r3 = r2 + dim;
      for (let a = 0; a < dim; a++) {
        const a0 = x[r0 + a], a1 = x[r1 + a], a2 = x[r2 + a], a3 = x[r3 + a];
        const off = a * dim;
        for (let b = a; b < dim; b++) cov[off + b] += a0 * x[r0 + b] + a1 * x[r1 + b] + a2 * x[r2 + b] + a3 * x[r3 + b];
      }
    }
    for (; i < n; i++) {
      const row = i * dim;
      for (let a = 0; a < dim; a++) {
        const xa = x[row + a];
        const off = a * dim;
        for (let b = a; b < dim; b++) cov[off + b] += xa * x[row + b];
      }
    }
    for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) cov[a * dim + b] = cov[b * dim + a];
    const { values, vectors } = symmetricEigen(cov, dim);
    for (let j = 0; j < k; j++) for (let c = 0; c < dim; c++) axes[j * dim + c] = vectors[c * dim + j];
    return { axes, singular: Array.from(values.subarray(0, k), (v) => Math.sqrt(Math.max(v, 0))) };
  }
  const gram = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += x[i * dim + c] * x[j * dim + c];
      gram[i * n + j] = s;
      gram[j * n + i] = s;
    }
  }
  const { values, vectors } = symmetricEigen(gram, n);
  const singular = Array.from(values.subarray(0, k), (v) => Math.sqrt(Math.max(v, 0)));
  for (let j = 0; j < k; j++) {
    if (singular[j] === 0) continue;
    for (let i = 0; i < n; i++) {
      const u = vectors[i * n + j] / singular[j];
      for (let c = 0; c < dim; c++) axes[j * dim + c] += u * x[i * dim + c];
    }
  }
  return { axes, singular };
}

/** Halko, Martinsson & Tropp's randomised range finder, then the exact SVD of the small projected matrix. */
function randomizedAxes(x: Float64Array, n: number, dim: number, k: number, options: PrincipalComponentsOptions): { axes: Float64Array; singular: number[] } {
  const l = Math.min(k + (options.oversamples ?? 10), n, dim);
  const iterations = options.powerIterations ?? (k < 0.1 * Math.min(n, dim) ? 7 : 4);
  const random = new Random(options.seed ?? 0);
  // Column-major [dim, l] Gaussian test matrix, then Q = orth(X omega) column-major [n, l].
  const omega = new Float64Array(dim * l);
  for (let i = 0; i < omega.length; i++) omega[i] = random.normal();
  let q = orthonormalizeColumns(multiply(x, n, dim, omega, l), n, l);
  for (let it = 0; it < iterations; it++) {
    const z = orthonormalizeColumns(multiplyTransposed(x, n, dim, q, l), dim, l);
    q = orthonormalizeColumns(multiply(x, n, dim, z, l), n, l);
  }
  // B' = X'Q is column-major [dim, l]; the eigenvectors of B B' (l x l) give B's right singular vectors.
  const bt = multiplyTransposed(x, n, dim, q, l);
  const small = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    for (let b = a; b < l; b++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += bt[a * dim + c] * bt[b * dim + c];
      small[a * l + b] = s;
      small[b * l + a] = s;
    }
  }
  const { values, vectors } = symmetricEigen(small, l);
  const singular = Array.from(values.subarray(0, k), (v) => Math.sqrt(Math.max(v, 0)));
  const axes = new Float64Array(k * dim);
  for (let j = 0; j < k; j++) {
    if (singular[j] === 0) continue;
    for (let a = 0; a < l; a++) {
      const u = vectors[a * l + j] / singular[j];
      for (let c = 0; c < dim; c++) axes[j * dim + c] += u * bt[a * dim + c];
    }
  }
  return { axes, singular };
}

/** X [n, dim] row-major times M [dim, l] column-major: column-major [n, l]. */
function multiply(x: Float64Array, n: number, dim: number, m: Float64Array, l: number): Float64Array {
  const out = new Float64Array(n * l);
  for (let j = 0; j < l; j++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += x[i * dim + c] * m[j * dim + c];
      out[j * n + i] = s;
    }
  }
  return out;
}

/** X' M for X [n, dim] row-major and M [n, l] column-major: column-major [dim, l]. */
function multiplyTransposed(x: Float64Array, n: number, dim: number, m: Float64Array, l: number): Float64Array {
  const out = new Float64Array(dim * l);
  for (let j = 0; j < l; j++) {
    for (let i = 0; i < n; i++) {
      const w = m[j * n + i];
      if (w === 0) continue;
      for (let c = 0; c < dim; c++) out[j * dim + c] += w * x[i * dim + c];
    }
  }
  return out;
}

/** sklearn's svd_flip (u-based): the largest |score| of each component positive. */
function flipSigns(scores: Float64Array, axes: Float64Array, n: number, dim: number, k: number): void {
  for (let j = 0; j < k; j++) {
    let best = 0;
    for (let i = 0; i < n; i++) if (Math.abs(scores[i * k + j]) > Math.abs(best)) best = scores[i * k + j];
    if (best >= 0) continue;
    for (let i = 0; i < n; i++) scores[i * k + j] = -scores[i * k + j];
    for (let c = 0; c < dim; c++) axes[j * dim + c] = -axes[j * dim + c];
  }
}
