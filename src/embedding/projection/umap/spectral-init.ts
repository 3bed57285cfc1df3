import type { Random } from '../../../util/random.js';
import type { FuzzyGraph } from './fuzzy-graph.js';
import { symmetricEigen } from '../symmetric-eigen.js';

/**
 * Laplacian eigenmaps of a connected fuzzy graph (umap-learn's spectral_layout): the eigenvectors of the
 * normalised Laplacian I - D^-1/2 W D^-1/2 with the smallest non-zero eigenvalues. Found as the top
 * eigenvectors of (I + D^-1/2 W D^-1/2) / 2 by block subspace iteration with Rayleigh-Ritz, the trivial
 * eigenvector D^1/2 1 projected out; a few extra vectors in the block speed convergence. The layout only
 * seeds the optimisation: 100 iterations gave the same trustworthiness as 300 on 5,000 digit activations.
 */
export function spectralLayout(graph: FuzzyGraph, dims: number, random: Random, maxIterations = 100, tolerance = 1e-4): { layout: Float64Array; iterations: number } {
  const n = graph.count;
  const { heads, tails, weights } = graph;
  const degree = new Float64Array(n);
  for (let e = 0; e < heads.length; e++) degree[heads[e]!] += weights[e]!;
  const scale = Float64Array.from(degree, (d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
  const trivial = Float64Array.from(degree, Math.sqrt);
  normalise(trivial);
  const block = Math.min(n - 1, dims + 4);
  // Column-major block: vector v occupies [v * n, (v + 1) * n).
  let x = new Float64Array(block * n);
  for (let i = 0; i < x.length; i++) x[i] = random.normal();
  let y = new Float64Array(block * n);
  const apply = (from: Float64Array, to: Float64Array): void => {
    for (let v = 0; v < block; v++) {
      const o = v * n;
      for (let i = 0; i < n; i++) to[o + i] = from[o + i]! / 2;
      for (let e = 0; e < heads.length; e++) {
        const h = heads[e]!;
        const t = tails[e]!;
        to[o + h] += (0.5 * weights[e]! * scale[h]! * scale[t]!) * from[o + t]!;
      }
    }
  };
  orthonormalise(x, block, n, trivial);
  let iterations = 0;
  const values = new Float64Array(block);
  while (iterations < maxIterations) {
    apply(x, y);
    iterations++;
    if (iterations % 10 === 0 || iterations === maxIterations) {
      // Rayleigh-Ritz: rotate the block onto the eigenvectors of its projected operator.
      const h = new Float64Array(block * block);
      for (let a = 0; a < block; a++) for (let b = a; b < block; b++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += x[a * n + i]! * y[b * n + i]!;
        h[a * block + b] = s;
        h[b * block + a] = s;
      }
      const { values: ritz, vectors } = symmetricEigen(h, block);
      const order = Array.from({ length: block }, (_, i) => i).sort((p, q) => ritz[q]! - ritz[p]!);
      const rotatedX = new Float64Array(block * n);
      const rotatedY = new Float64Array(block * n);
      for (let c = 0; c < block; c++) {
        const src = order[c]!;
        values[c] = ritz[src]!;
        for (let r = 0; r < block; r++) {
          const w = vectors[r * block + src]!;
          if (w === 0) continue;
          for (let i = 0; i < n; i++) {
            rotatedX[c * n + i] += w * x[r * n + i]!;
            rotatedY[c * n + i] += w * y[r * n + i]!;
          }
        }
      }
      x = rotatedX;
      y = rotatedY;
      let worst = 0;
      for (let c = 0; c < dims; c++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += (y[c * n + i]! - values[c]! * x[c * n + i]!) ** 2;
        worst = Math.max(worst, Math.sqrt(s));
      }
      if (worst < tolerance) break;
    }
    [x, y] = [y, x];
    orthonormalise(x, block, n, trivial);
  }
  const layout = new Float64Array(n * dims);
  for (let c = 0; c < dims; c++) for (let i = 0; i < n; i++) layout[i * dims + c] = x[c * n + i]!;
  return { layout, iterations };
}

function normalise(v: Float64Array, offset = 0, n = v.length): void {
  let s = 0;
  for (let i = 0; i < n; i++) s += v[offset + i]! ** 2;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < n; i++) v[offset + i]! *= inv;
}

/** Modified Gram-Schmidt of the block's columns, each first made orthogonal to `fixed`. */
function orthonormalise(x: Float64Array, block: number, n: number, fixed: Float64Array): void {
  for (let v = 0; v < block; v++) {
    const o = v * n;
    for (let pass = 0; pass < 2; pass++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[o + i]! * fixed[i]!;
      for (let i = 0; i < n; i++) x[o + i]! -= s * fixed[i]!;
      for (let u = 0; u < v; u++) {
        const p = u * n;
        let t = 0;
        for (let i = 0; i < n; i++) t += x[o + i]! * x[p + i]!;
        for (let i = 0; i < n; i++) x[o + i]! -= t * x[p + i]!;
      }
    }
    normalise(x, o, n);
  }
}
