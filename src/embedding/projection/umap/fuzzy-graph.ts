import type { KnnGraph } from './knn.js';

/** The symmetric fuzzy graph as directed edges (each undirected edge both ways), row by row. */
export interface FuzzyGraph {
  count: number;
  heads: Int32Array;
  tails: Int32Array;
  weights: Float64Array;
}

const SMOOTH_K_TOLERANCE = 1e-5;
const MIN_K_DIST_SCALE = 1e-3;

/**
 * umap-learn's smooth_knn_dist: per point, rho is the distance to its nearest neighbour (local
 * connectivity 1) and sigma solves sum_j exp(-(d_j - rho) / sigma) = log2(k) by bisection (64 steps),
 * floored at 1e-3 of the mean neighbour distance.
 */
export function smoothKnnDistances(knn: KnnGraph, count: number, localConnectivity: number): { rho: Float64Array; sigma: Float64Array } {
  const { k, distances } = knn;
  const target = Math.log2(k);
  const rho = new Float64Array(count);
  const sigma = new Float64Array(count);
  let meanAll = 0;
  for (let i = 0; i < distances.length; i++) meanAll += distances[i]!;
  meanAll /= distances.length;
  const nonZero: number[] = [];
  for (let i = 0; i < count; i++) {
    nonZero.length = 0;
    let meanRow = 0;
    for (let j = 0; j < k; j++) {
      const d = distances[i * k + j]!;
      meanRow += d;
      if (d > 0) nonZero.push(d);
    }
    meanRow /= k;
    if (nonZero.length >= localConnectivity) {
      const index = Math.floor(localConnectivity);
      const interpolation = localConnectivity - index;
      if (index > 0) {
        rho[i] = nonZero[index - 1]!;
        if (interpolation > SMOOTH_K_TOLERANCE) rho[i] += interpolation * (nonZero[index]! - nonZero[index - 1]!);
      } else {
        rho[i] = interpolation * nonZero[0]!;
      }
    } else if (nonZero.length > 0) {
      rho[i] = Math.max(...nonZero);
    }
    let lo = 0;
    let hi = Infinity;
    let mid = 1;
    for (let iteration = 0; iteration < 64; iteration++) {
      let sum = 0;
      for (let j = 1; j < k; j++) {
        const d = distances[i * k + j]! - rho[i]!;
        sum += d > 0 ? Math.exp(-d / mid) : 1;
      }
      if (Math.abs(sum - target) < SMOOTH_K_TOLERANCE) break;
      if (sum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
      }
    }
    const floor = MIN_K_DIST_SCALE * (rho[i]! > 0 ? meanRow : meanAll);
    sigma[i] = Math.max(mid, floor);
  }
  return { rho, sigma };
}

/**
 * Membership strengths exp(-(d - rho) / sigma) of each point's neighbours, made symmetric by the fuzzy
 * union P + P^T - P * P^T (set_op_mix_ratio 1), as umap-learn's fuzzy_simplicial_set.
 */
export function fuzzySimplicialSet(knn: KnnGraph, count: number, localConnectivity = 1): FuzzyGraph {
  const { k, indices, distances } = knn;
  const { rho, sigma } = smoothKnnDistances(knn, count, localConnectivity);
  const strength = new Float64Array(count * k);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < k; j++) {
      const neighbour = indices[i * k + j]!;
      if (neighbour === i || neighbour < 0) continue;
      const excess = distances[i * k + j]! - rho[i]!;
      strength[i * k + j] = excess <= 0 || sigma[i] === 0 ? 1 : Math.exp(-excess / sigma[i]!);
    }
  }
  const strengthOf = (from: number, to: number): number => {
    for (let j = 0; j < k; j++) if (indices[from * k + j] === to) return strength[from * k + j]!;
    return 0;
  };
  // Edge (i, j) from i's list meets (j, i) from j's list, if j lists i; otherwise it is emitted both ways here.
  const rows: { tail: number; weight: number }[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < k; j++) {
      const a = strength[i * k + j]!;
      if (a === 0) continue;
      const other = indices[i * k + j]!;
      const b = strengthOf(other, i);
      const weight = a + b - a * b;
      rows[i]!.push({ tail: other, weight });
      if (b === 0) rows[other]!.push({ tail: i, weight });
    }
  }
  let edges = 0;
  for (const row of rows) edges += row.length;
  const heads = new Int32Array(edges);
  const tails = new Int32Array(edges);
  const weights = new Float64Array(edges);
  let e = 0;
  for (let i = 0; i < count; i++) {
    const row = rows[i]!.sort((x, y) => x.tail - y.tail);
    for (const { tail, weight } of row) {
      heads[e] = i;
      tails[e] = tail;
      weights[e] = weight;
      e++;
    }
  }
  return { count, heads, tails, weights };
}
