import { HnswIndex } from '../../neighbors/hnsw.js';
import { squaredEuclidean, unitRows, dot } from '../../neighbors/hnsw/distance.js';
import type { VectorSet } from '../../neighbors/hnsw/check-vectors.js';

/** Each point's k nearest points, itself first at distance 0 (umap-learn counts the point in n_neighbors). */
export interface KnnGraph {
  k: number;
  indices: Int32Array;
  distances: Float64Array;
}

export type UmapMetric = 'euclidean' | 'cosine';

/**
 * Exact neighbours by comparing every pair once (each pair updates both points' bounded heaps): at
 * 5,000 x 64 this is faster than building a graph index.
 */
export function exactKnn(points: VectorSet, k: number, metric: UmapMetric): KnnGraph {
  const { count, dim } = points;
  const data = metric === 'cosine' ? unitRows(points.vectors, count, dim) : points.vectors;
  // Per point, a max-heap of its k - 1 nearest others: keys (distances) and ids.
  const others = k - 1;
  const keys = new Float64Array(count * others).fill(Infinity);
  const ids = new Int32Array(count * others).fill(-1);
  const offer = (point: number, other: number, key: number): void => {
    const base = point * others;
    if (key >= keys[base]!) return;
    // Replace the root (the farthest kept) and sift down.
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= others) break;
      if (child + 1 < others && keys[base + child + 1]! > keys[base + child]!) child++;
      if (keys[base + child]! <= key) break;
      keys[base + i] = keys[base + child]!;
      ids[base + i] = ids[base + child]!;
      i = child;
    }
    keys[base + i] = key;
    ids[base + i] = other;
  };
  for (let i = 0; i < count; i++) {
    const oi = i * dim;
    for (let j = i + 1; j < count; j++) {
      const d = metric === 'euclidean' ? squaredEuclidean(data, oi, data, j * dim, dim) : 1 - dot(data, oi, data, j * dim, dim);
      offer(i, j, d);
      offer(j, i, d);
    }
  }
  const indices = new Int32Array(count * k);
  const distances = new Float64Array(count * k);
  const order = new Int32Array(others);
  for (let i = 0; i < count; i++) {
    indices[i * k] = i;
    distances[i * k] = 0;
    const base = i * others;
    for (let j = 0; j < others; j++) order[j] = j;
    const sorted = Array.from(order).sort((x, y) => keys[base + x]! - keys[base + y]! || ids[base + x]! - ids[base + y]!);
    for (let j = 0; j < others; j++) {
      indices[i * k + 1 + j] = ids[base + sorted[j]!]!;
      const key = Math.max(0, keys[base + sorted[j]!]!);
      distances[i * k + 1 + j] = metric === 'euclidean' ? Math.sqrt(key) : key;
    }
  }
  return { k, indices, distances };
}

/** Approximate neighbours through an HNSW index, for sets too large to compare every pair. */
export function hnswKnn(points: VectorSet, k: number, metric: UmapMetric, seed: number): KnnGraph {
  const index = HnswIndex.build(points, { metric, m: 16, efConstruction: 100, seed });
  const found = index.searchIndexed(k - 1, { ef: Math.max(2 * k, 50) });
  const { count } = points;
  const indices = new Int32Array(count * k);
  const distances = new Float64Array(count * k);
  for (let i = 0; i < count; i++) {
    indices[i * k] = i;
    for (let j = 1; j < k; j++) {
      indices[i * k + j] = found.indices[i * (k - 1) + j - 1]!;
      distances[i * k + j] = found.distances[i * (k - 1) + j - 1]!;
    }
  }
  return { k, indices, distances };
}
