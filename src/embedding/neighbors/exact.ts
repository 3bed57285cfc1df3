import { UsageError } from '../../errors.js';
import { checkEmbeddings } from '../projection/check-embeddings.js';
import type { Embeddings, Metric, Neighbors } from '../types.js';

export interface ExactNeighborsOptions {
  k: number;
  /** Default 'euclidean'. 'cosine' is 1 - cos (a zero vector is at distance 1 from everything, as sklearn has it). */
  metric?: Metric;
  /** Skip the data row with the query's own index; default true when the queries are the data itself. */
  excludeSelf?: boolean;
}

const METRICS: readonly Metric[] = ['euclidean', 'cosine', 'dot'];

/**
 * The k nearest data rows of every query by brute force: every pair is compared, in blocks of queries
 * against blocks of data rows that stay in cache, each query keeping its best k in a max-heap. Ties go
 * to the lower index. Distances for 'euclidean' and 'cosine', similarities (largest first) for 'dot'.
 */
export function exactNeighbors(data: Embeddings, queries: Embeddings | undefined, options: ExactNeighborsOptions): Neighbors {
  const q = queries ?? data;
  const metric = options.metric ?? 'euclidean';
  if (!METRICS.includes(metric)) throw new UsageError(`unknown metric '${String(metric)}'`, `use one of ${METRICS.join(', ')}`);
  checkEmbeddings(data, 'data', 1);
  if (q !== data) checkEmbeddings(q, 'queries', 0);
  if (q.dim !== data.dim) {
    throw new UsageError(`queries have ${q.dim} dimensions but the data has ${data.dim}`, 'embed the queries with the same model and layer as the data');
  }
  const excludeSelf = options.excludeSelf ?? q === data;
  const available = data.count - (excludeSelf ? 1 : 0);
  const k = options.k;
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`k must be a positive integer, got ${k}`, 'pass e.g. k: 10');
  if (k > available) {
    throw new UsageError(`k = ${k} is larger than the ${available} points there are to find${excludeSelf ? ' (each point excluded from its own neighbours)' : ''}`,
      `pass k of at most ${available}`);
  }
  const indices = new Int32Array(q.count * k);
  const distances = new Float32Array(q.count * k);
  neighborsOfRange(data.vectors, q.vectors, data.dim, k, metric, excludeSelf, 0, q.count, indices, distances);
  return { k, queries: q.count, metric, indices, distances };
}

const QUERY_BLOCK = 16;
const DATA_BLOCK = 512;

/**
 * Queries [start, end) of `queries` (row-major, `dim` wide) against all of `data`, written at the
 * queries' rows of `indices` and `distances`. Arguments are checked by the caller; t-SNE's worker
 * threads call this on their share of the rows.
 */
export function neighborsOfRange(data: Float32Array, queries: Float32Array, dim: number, k: number, metric: Metric,
  excludeSelf: boolean, start: number, end: number, indices: Int32Array, distances: Float32Array): void {
  const n = data.length / dim;
  const dataNorms = metric === 'cosine' ? rowNorms(data, dim) : undefined;
  const queryNorms = metric === 'cosine' ? rowNorms(queries, dim) : undefined;
  // Keys are "smaller is nearer": squared distance, 1 - cos, or minus the dot product.
  const heapKey = new Float64Array(QUERY_BLOCK * k);
  const heapIdx = new Int32Array(QUERY_BLOCK * k);
  const heapSize = new Int32Array(QUERY_BLOCK);
  const keys = new Float64Array(DATA_BLOCK);
  for (let q0 = start; q0 < end; q0 += QUERY_BLOCK) {
    const q1 = Math.min(end, q0 + QUERY_BLOCK);
    heapSize.fill(0);
    for (let d0 = 0; d0 < n; d0 += DATA_BLOCK) {
      const d1 = Math.min(n, d0 + DATA_BLOCK);
      for (let qi = q0; qi < q1; qi++) {
        const h = (qi - q0) * k;
        const qNorm = queryNorms ? queryNorms[qi] : 0;
        let size = heapSize[qi - q0];
        let worst = size === k ? heapKey[h] : Infinity;
        blockKeys(data, queries, dim, qi, d0, d1, metric, qNorm, dataNorms, keys);
        for (let j = d0; j < d1; j++) {
          if (excludeSelf && j === qi) continue;
          const key = keys[j - d0];
          // Equal keys keep the earlier index, which is already in the heap.
          if (key >= worst) continue;
          if (size < k) {
            siftUp(heapKey, heapIdx, h, size, key, j);
            size++;
            if (size === k) worst = heapKey[h];
          } else {
            siftDown(heapKey, heapIdx, h, k, key, j);
            worst = heapKey[h];
          }
        }
        heapSize[qi - q0] = size;
      }
    }
    for (let qi = q0; qi < q1; qi++) {
      const h = (qi - q0) * k;
      const order = Array.from({ length: k }, (_, r) => r)
        .sort((a, b) => heapKey[h + a] - heapKey[h + b] || heapIdx[h + a] - heapIdx[h + b]);
      for (let r = 0; r < k; r++) {
        const key = heapKey[h + order[r]];
        indices[qi * k + r] = heapIdx[h + order[r]];
        distances[qi * k + r] = metric === 'euclidean' ? Math.sqrt(key) : metric === 'dot' ? -key : key;
      }
    }
  }
}

/** Keys of query qi against data rows [d0, d1), one loop per metric so each stays branch-free. */
function blockKeys(data: Float32Array, queries: Float32Array, dim: number, qi: number, d0: number, d1: number, metric: Metric,
  qNorm: number, dataNorms: Float64Array | undefined, keys: Float64Array): void {
  const qOff = qi * dim;
  if (metric === 'euclidean') {
    for (let j = d0; j < d1; j++) {
      const jOff = j * dim;
      let s = 0;
      for (let c = 0; c < dim; c++) {
        const t = queries[qOff + c] - data[jOff + c];
        s += t * t;
      }
      keys[j - d0] = s;
    }
    return;
  }
  for (let j = d0; j < d1; j++) {
    const jOff = j * dim;
    let s = 0;
    for (let c = 0; c < dim; c++) s += queries[qOff + c] * data[jOff + c];
    keys[j - d0] = s;
  }
  if (metric === 'dot') {
    for (let j = d0; j < d1; j++) keys[j - d0] = -keys[j - d0];
    return;
  }
  for (let j = d0; j < d1; j++) {
    const norms = qNorm * dataNorms![j];
    keys[j - d0] = norms > 0 ? 1 - keys[j - d0] / norms : 1;
  }
}

function rowNorms(m: Float32Array, dim: number): Float64Array {
  const rows = m.length / dim;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += m[i * dim + c] * m[i * dim + c];
    out[i] = Math.sqrt(s);
  }
  return out;
}

/** Max-heap order: a larger key is worse, and at equal keys a larger index is worse. */
function worse(ka: number, ia: number, kb: number, ib: number): boolean {
  return ka > kb || (ka === kb && ia > ib);
}

function siftUp(keys: Float64Array, idx: Int32Array, h: number, size: number, key: number, j: number): void {
  let c = size;
  while (c > 0) {
    const p = (c - 1) >> 1;
    if (!worse(key, j, keys[h + p], idx[h + p])) break;
    keys[h + c] = keys[h + p];
    idx[h + c] = idx[h + p];
    c = p;
  }
  keys[h + c] = key;
  idx[h + c] = j;
}

/** Replaces the root (the worst kept) by (key, j) and restores the heap. */
function siftDown(keys: Float64Array, idx: Int32Array, h: number, size: number, key: number, j: number): void {
  let c = 0;
  for (;;) {
    let child = 2 * c + 1;
    if (child >= size) break;
    if (child + 1 < size && worse(keys[h + child + 1], idx[h + child + 1], keys[h + child], idx[h + child])) child++;
    if (!worse(keys[h + child], idx[h + child], key, j)) break;
    keys[h + c] = keys[h + child];
    idx[h + c] = idx[h + child];
    c = child;
  }
  keys[h + c] = key;
  idx[h + c] = j;
}
