import { GlassboxError } from '../../errors.js';
import { cholesky, choleskySolve } from '../../stats/linalg.js';

export interface LinearClassifier {
  /** Normal of the decision boundary, pointing to class 1: w in w . x + b. */
  weights: Float64Array;
  intercept: number;
  iterations: number;
}

export interface LogisticRegressionOptions {
  /** Inverse regularisation strength, as sklearn's C; default 1. */
  c?: number;
  maxIterations?: number;
  /** Stop when the largest Newton step entry is below this; default 1e-10. */
  tolerance?: number;
}

/**
 * L2-regularised logistic regression with sklearn's LogisticRegression objective (penalty 'l2', intercept
 * not penalised): minimise 0.5 |w|^2 + C sum_i log(1 + exp(-s_i (w . x_i + b))), s_i = +-1, by Newton's
 * method. The optimum lies in the span of the rows, so with more dimensions than rows the problem is
 * solved in an orthonormal basis of that span, which keeps the Newton system at most rows x rows.
 * `x` is row-major [n, d], `y` holds 0 or 1.
 */
export function logisticRegression(x: Float64Array, n: number, d: number, y: ArrayLike<number>, options: LogisticRegressionOptions = {}): LinearClassifier {
  const c = options.c ?? 1;
  const basis = d > n ? rowSpaceBasis(x, n, d) : undefined;
  const r = basis ? basis.rank : d;
  const z = basis ? basis.coordinates : x;
  const p = r + 1;
  // theta = [w (r), b]
  const theta = new Float64Array(p);
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    const grad = new Float64Array(p);
    const hess = new Float64Array(p * p);
    for (let j = 0; j < r; j++) { grad[j] = theta[j]; hess[j * p + j] = 1; }
    for (let i = 0; i < n; i++) {
      let m = theta[r];
      for (let j = 0; j < r; j++) m += z[i * r + j] * theta[j];
      const prob = 1 / (1 + Math.exp(-m));
      const g = c * (prob - y[i]);
      const h = c * Math.max(prob * (1 - prob), 1e-12);
      for (let j = 0; j < p; j++) {
        const xj = j < r ? z[i * r + j] : 1;
        grad[j] += g * xj;
        for (let k = 0; k <= j; k++) hess[j * p + k] += h * xj * (k < r ? z[i * r + k] : 1);
      }
    }
    for (let j = 0; j < p; j++) for (let k = j + 1; k < p; k++) hess[j * p + k] = hess[k * p + j];
    const l = cholesky(hess, p);
    if (!l) throw new GlassboxError('the logistic regression\'s Newton system is singular', 'use classifier "sgd", or more varied examples');
    const step = choleskySolve(l, p, grad);
    let largest = 0;
    for (let j = 0; j < p; j++) {
      theta[j] -= step[j];
      largest = Math.max(largest, Math.abs(step[j]));
    }
    if (largest < tolerance) { iterations++; break; }
  }
  const w = theta.subarray(0, r);
  const weights = basis ? basis.lift(w) : Float64Array.from(w);
  return { weights, intercept: theta[r], iterations };
}

/**
 * An orthonormal basis Q of the span of x's rows (modified Gram-Schmidt, dropping rows that add
 * nothing), with the rows' coordinates x Q and the map back z -> Q z.
 */
function rowSpaceBasis(x: Float64Array, n: number, d: number): { rank: number; coordinates: Float64Array; lift: (z: ArrayLike<number>) => Float64Array } {
  const q: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = Float64Array.from(x.subarray(i * d, (i + 1) * d));
    let norm0 = 0;
    for (let k = 0; k < d; k++) norm0 += v[k] * v[k];
    for (let pass = 0; pass < 2; pass++) {
      for (const b of q) {
        let s = 0;
        for (let k = 0; k < d; k++) s += v[k] * b[k];
        for (let k = 0; k < d; k++) v[k] -= s * b[k];
      }
    }
    let norm = 0;
    for (let k = 0; k < d; k++) norm += v[k] * v[k];
    if (norm > 1e-20 * Math.max(norm0, 1e-300) && norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let k = 0; k < d; k++) v[k] *= inv;
      q.push(v);
    }
  }
  const rank = q.length;
  const coordinates = new Float64Array(n * rank);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < rank; j++) {
      let s = 0;
      const b = q[j];
      for (let k = 0; k < d; k++) s += x[i * d + k] * b[k];
      coordinates[i * rank + j] = s;
    }
  }
  const lift = (z: ArrayLike<number>) => {
    const w = new Float64Array(d);
    for (let j = 0; j < rank; j++) for (let k = 0; k < d; k++) w[k] += z[j] * q[j][k];
    return w;
  };
  return { rank, coordinates, lift };
}
