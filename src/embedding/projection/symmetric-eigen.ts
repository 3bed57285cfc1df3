import { GlassboxError } from '../../errors.js';

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** Row-major [n, n]: column j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

/**
 * All eigenpairs of a symmetric n x n matrix (row-major; only read): Householder reduction to a
 * tridiagonal matrix, then the implicit QL iteration with Wilkinson-style shifts, accumulating the
 * rotations. O(n^3); accurate to rounding for the small covariance and Gram matrices PCA builds.
 */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  const a = Float64Array.from(matrix);
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  // Householder: zero column k below the subdiagonal, applying H = I - 2vv' on both sides.
  for (let k = 0; k < n - 2; k++) {
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += a[i * n + k] * a[i * n + k];
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const x0 = a[(k + 1) * n + k];
    const alpha = x0 > 0 ? -norm : norm;
    let vNorm = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = a[i * n + k] - (i === k + 1 ? alpha : 0);
      vNorm += v[i] * v[i];
    }
    vNorm = Math.sqrt(vNorm);
    if (vNorm === 0) continue;
    for (let i = k + 1; i < n; i++) v[i] /= vNorm;
    // With p = A v and K = v'p, HAH = A - 2 v w' - 2 w v' where w = p - K v.
    let kk = 0;
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      for (let j = k + 1; j < n; j++) s += a[i * n + j] * v[j];
      p[i] = s;
      kk += v[i] * s;
    }
    for (let i = k + 1; i < n; i++) p[i] -= kk * v[i];
    for (let i = k + 1; i < n; i++) {
      for (let j = k + 1; j < n; j++) a[i * n + j] -= 2 * (v[i] * p[j] + p[i] * v[j]);
    }
    a[(k + 1) * n + k] = alpha;
    a[k * n + k + 1] = alpha;
    for (let i = k + 2; i < n; i++) {
      a[i * n + k] = 0;
      a[k * n + i] = 0;
    }
    // Z <- Z H.
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let j = k + 1; j < n; j++) s += z[r * n + j] * v[j];
      s *= 2;
      for (let j = k + 1; j < n; j++) z[r * n + j] -= s * v[j];
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  for (let i = 0; i < n - 1; i++) e[i] = a[(i + 1) * n + i];
  tridiagonalQl(d, e, z, n);
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x]);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = d[src];
    for (let r = 0; r < n; r++) vectors[r * n + dst] = z[r * n + src];
  });
  return { values, vectors };
}

/** Implicit QL on the tridiagonal (d, e), e[i] coupling i and i+1; rotations are applied to z's columns. */
function tridiagonalQl(d: Float64Array, e: Float64Array, z: Float64Array, n: number): void {
  // Off-diagonals negligible against the whole matrix count as zero (a relative test alone never ends
  // for tiny entries beside zero diagonals, as constant features give).
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]) + Math.abs(e[i]));
  const negligible = Number.EPSILON * norm;
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        if (Math.abs(e[m]) <= negligible) break;
      }
      if (m === l) break;
      if (++iterations > 60) throw new GlassboxError('the eigen-decomposition did not converge', 'check the input for extreme values');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let deflated = false;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          deflated = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        for (let k = 0; k < n; k++) {
          const t = z[k * n + i + 1];
          z[k * n + i + 1] = s * z[k * n + i] + c * t;
          z[k * n + i] = c * z[k * n + i] - s * t;
        }
      }
      if (deflated) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}
