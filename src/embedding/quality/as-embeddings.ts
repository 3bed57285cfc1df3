import type { Embeddings, Projection } from '../types.js';

/** A projection's coordinates seen as points, so quality measures take either. */
export function asEmbeddings(points: Embeddings | Projection): Embeddings {
  if ('vectors' in points) return points;
  return { count: points.count, dim: points.dims, vectors: points.coordinates, metadata: {} };
}
