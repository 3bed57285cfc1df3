import { exactNeighbors } from '../neighbors/exact.js';
import type { Embeddings, Projection } from '../types.js';
import { asEmbeddings } from './as-embeddings.js';
import { checkPair, neighborsWithoutSelf, sampleQueries, subset, type QualityOptions } from './trustworthiness.js';

/**
 * The mean fraction of each point's k nearest neighbours in `high` that are also among its k nearest
 * in `low` (euclidean in both, self excluded): 1 when every neighbourhood survives the projection.
 */
export function knnPreservation(high: Embeddings | Projection, low: Embeddings | Projection, k: number, options: QualityOptions = {}): number {
  const h = asEmbeddings(high);
  const l = asEmbeddings(low);
  checkPair(h, l, k);
  const queries = sampleQueries(h.count, options);
  const nh = exactNeighbors(h, subset(h, queries), { k: k + 1, excludeSelf: false }).indices;
  const nl = exactNeighbors(l, subset(l, queries), { k: k + 1, excludeSelf: false }).indices;
  let kept = 0;
  queries.forEach((i, qi) => {
    const near = new Set(neighborsWithoutSelf(nh, qi, k + 1, i, k));
    for (const j of neighborsWithoutSelf(nl, qi, k + 1, i, k)) if (near.has(j)) kept++;
  });
  return kept / (queries.length * k);
}
