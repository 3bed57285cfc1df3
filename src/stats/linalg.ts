import { GlassboxError } from '../errors.js';

/**
 * Small dense linear algebra on row-major Float64Arrays, for the systems the explainers solve
 * (a few dozen unknowns): Cholesky factorisation and triangular solves.
 */

/**
 * Cholesky factor of the symmetric positive definite n x n matrix `a` (row-major): returns lower
 * triangular L with a = L L^T, or null when a pivot is not clearly positive (the matrix is singular
 * or indefinite to working precision), so callers can say what that means in their terms.
 */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(a[i * n + i]));
  // A pivot this small relative to the largest diagonal entry means the columns are dependent.
  const tol = maxDiag * n * 1e-13;
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
    if (!(d > tol)) return null;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Solves (L L^T) x = b for x given the Cholesky factor L (n x n, row-major lower). */
export function choleskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k];
    x[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** Solves the symmetric positive definite system a x = b, with a clear error when a is singular. */
export function solveSpd(a: Float64Array, n: number, b: ArrayLike<number>, what = 'the normal equations'): Float64Array {
  const l = cholesky(a, n);
  if (!l) {
    throw new GlassboxError(
      `${what} are singular: the ${n} unknowns are not all determined by the data (some columns are constant or linearly dependent)`,
      'drop or merge the dependent columns (for coalition methods: use more samples, or group features that always move together)',
    );
  }
  return choleskySolve(l, n, b);
}

/** x^T y for two equal-length arrays. */
export function dot(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}
