/**
 * Brute-force k nearest neighbours and recall, the ground truth the approximate search is measured
 * against: every pair compared in float64, ties broken by index.
 */
export type BruteMetric = 'euclidean' | 'cosine' | 'dot';

export function bruteNeighbors(
  data: Float32Array,
  count: number,
  queries: Float32Array,
  queryCount: number,
  dim: number,
  k: number,
  metric: BruteMetric = 'euclidean',
  excludeSelf = false,
): Int32Array {
  const out = new Int32Array(queryCount * k);
  const score = new Float64Array(count);
  const norms = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[i * dim + d]! ** 2;
    norms[i] = Math.sqrt(s);
  }
  const order = new Int32Array(count);
  for (let q = 0; q < queryCount; q++) {
    let qn = 0;
    for (let d = 0; d < dim; d++) qn += queries[q * dim + d]! ** 2;
    qn = Math.sqrt(qn);
    for (let i = 0; i < count; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const a = queries[q * dim + d]!;
        const b = data[i * dim + d]!;
        s += metric === 'euclidean' ? (a - b) * (a - b) : a * b;
      }
      score[i] = metric === 'euclidean' ? s : metric === 'cosine' ? 1 - s / (qn * norms[i]! || 1) : -s;
      order[i] = i;
    }
    if (excludeSelf) score[q] = Infinity;
    const sorted = Array.from(order).sort((a, b) => score[a]! - score[b]! || a - b);
    for (let j = 0; j < k; j++) out[q * k + j] = sorted[j]!;
  }
  return out;
}

/** The share of true neighbours found: |found ∩ truth| / (queries * k). */
export function recallAtK(found: Int32Array, truth: Int32Array, queries: number, k: number): number {
  let hits = 0;
  for (let q = 0; q < queries; q++) {
    const truthSet = new Set(truth.subarray(q * k, (q + 1) * k));
    for (let j = 0; j < k; j++) if (truthSet.has(found[q * k + j]!)) hits++;
  }
  return hits / (queries * k);
}

/** Gaussian clusters: `clusters` centres uniform in [-10, 10]^dim, points around them with unit spread. */
export function clusteredPoints(count: number, dim: number, clusters: number, uniform: () => number, normal: () => number): Float32Array {
  const centres = Float64Array.from({ length: clusters * dim }, () => 20 * uniform() - 10);
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const c = Math.floor(uniform() * clusters);
    for (let d = 0; d < dim; d++) out[i * dim + d] = centres[c * dim + d]! + normal();
  }
  return out;
}
