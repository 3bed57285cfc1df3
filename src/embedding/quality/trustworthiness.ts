import { UsageError } from '../../errors.js';
import { Random } from '../../util/random.js';
import { exactNeighbors } from '../neighbors/exact.js';
import { checkEmbeddings } from '../projection/check-embeddings.js';
import type { Embeddings, Projection } from '../types.js';
import { asEmbeddings } from './as-embeddings.js';

export interface QualityOptions {
  /**
   * Evaluate only this many points, drawn at random (seeded), as queries against all points: an
   * unbiased estimate of the full measure at a fraction of its O(N^2) cost, for large N.
   */
  sample?: number;
  seed?: number;
}

/**
 * sklearn's trustworthiness (Venna & Kaski): 1 - 2 / (n k (2n - 3k - 1)) * sum over points i and their
 * k nearest neighbours j in `low` of max(0, r(i, j) - k), where r(i, j) is j's rank among i's
 * neighbours in `high` (1 = nearest). 1 means no point has a neighbour in the projection that was not
 * near it before. Euclidean in both spaces; ties in `high` go to the lower index.
 */
export function trustworthiness(high: Embeddings | Projection, low: Embeddings | Projection, k: number, options: QualityOptions = {}): number {
  const h = asEmbeddings(high);
  const l = asEmbeddings(low);
  checkPair(h, l, k);
  const n = h.count;
  const queries = sampleQueries(n, options);
  // k + 1 neighbours, since each query finds itself among the points (at distance 0).
  const lowNeighbors = exactNeighbors(l, subset(l, queries), { k: k + 1, metric: 'euclidean', excludeSelf: false }).indices;
  const d2 = new Float64Array(n);
  let penalty = 0;
  queries.forEach((i, qi) => {
    squaredDistancesFrom(h, i, d2);
    penalty += rankPenalty(d2, i, neighborsWithoutSelf(lowNeighbors, qi, k + 1, i, k), k);
  });
  penalty *= n / queries.length;
  return 1 - penalty * (2 / (n * k * (2 * n - 3 * k - 1)));
}

/** Checks shared by the quality measures: same points, finite, and k < n / 2 as sklearn requires. */
export function checkPair(h: Embeddings, l: Embeddings, k: number): void {
  checkEmbeddings(h, 'high-dimensional points', 3);
  checkEmbeddings(l, 'projected points', 3);
  if (h.count !== l.count) {
    throw new UsageError(`the two point sets differ in size (${h.count} and ${l.count})`, 'pass the embeddings and their projection, row for row');
  }
  if (!Number.isInteger(k) || k < 1 || k >= h.count / 2) {
    throw new UsageError(`k must be an integer from 1 to below half the points (${h.count} points), got ${k}`,
      `pass k of at most ${Math.ceil(h.count / 2) - 1}`);
  }
}

/** Query indices: all points, or a seeded sample of them in increasing order. */
export function sampleQueries(n: number, options: QualityOptions): number[] {
  const size = options.sample;
  if (size === undefined || size >= n) return Array.from({ length: n }, (_, i) => i);
  if (!Number.isInteger(size) || size < 1) throw new UsageError(`sample must be a positive integer, got ${size}`, 'pass e.g. sample: 5000');
  const random = new Random(options.seed ?? 0);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + random.int(n - i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, size).sort((a, b) => a - b);
}

/** The rows `rows` of `e` as their own point set. */
export function subset(e: Embeddings, rows: number[]): Embeddings {
  if (rows.length === e.count) return e;
  const vectors = new Float32Array(rows.length * e.dim);
  rows.forEach((row, r) => vectors.set(e.vectors.subarray(row * e.dim, (row + 1) * e.dim), r * e.dim));
  return { count: rows.length, dim: e.dim, vectors, metadata: {} };
}

/** The k nearest of row `qi` of a [queries, width] neighbour table that may contain `self`. */
export function neighborsWithoutSelf(table: Int32Array, qi: number, width: number, self: number, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < width && out.length < k; r++) {
    const j = table[qi * width + r];
    if (j !== self) out.push(j);
  }
  return out;
}

export function squaredDistancesFrom(e: Embeddings, i: number, out: Float64Array): void {
  const { dim, vectors: v } = e;
  for (let j = 0; j < e.count; j++) {
    let s = 0;
    for (let c = 0; c < dim; c++) {
      const t = v[i * dim + c] - v[j * dim + c];
      s += t * t;
    }
    out[j] = s;
  }
}

/** Sum over `neighbors` of max(0, rank - k), ranks of the distances `d2` from point `self`, self excluded. */
export function rankPenalty(d2: Float64Array, self: number, neighbors: number[], k: number): number {
  let penalty = 0;
  for (const j of neighbors) {
    const dj = d2[j];
    let rank = 1;
    for (let m = 0; m < d2.length; m++) {
      if (m === self || m === j) continue;
      if (d2[m] < dj || (d2[m] === dj && m < j)) rank++;
    }
    if (rank > k) penalty += rank - k;
  }
  return penalty;
}
