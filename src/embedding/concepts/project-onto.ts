import { UsageError } from '../../errors.js';
import { checkEmbeddings } from '../projection/check-embeddings.js';
import type { Embeddings } from '../types.js';

/**
 * Each point's coordinate along a direction: x . d / |d| (the scalar projection), so points can be
 * ranked by how much of a concept they show. `origin` (e.g. the mean of a reference set) is subtracted first.
 */
export function projectOnto(embeddings: Embeddings, direction: ArrayLike<number>, options: { origin?: ArrayLike<number> } = {}): Float32Array {
  checkEmbeddings(embeddings, 'embeddings', 0);
  const dim = embeddings.dim;
  if (direction.length !== dim) throw new UsageError(`the direction has ${direction.length} values, but the embeddings have ${dim} dimensions`, 'take the direction from the same layer');
  const origin = options.origin;
  if (origin && origin.length !== dim) throw new UsageError(`the origin has ${origin.length} values, but the embeddings have ${dim} dimensions`, 'give one value per dimension');
  let norm = 0;
  for (let k = 0; k < dim; k++) {
    if (!Number.isFinite(direction[k])) throw new UsageError(`the direction holds a non-finite value at ${k}`, 'give a finite direction');
    norm += direction[k] * direction[k];
  }
  norm = Math.sqrt(norm);
  if (norm === 0) throw new UsageError('the direction is the zero vector', 'give a non-zero direction');
  let offset = 0;
  if (origin) for (let k = 0; k < dim; k++) offset += origin[k] * direction[k];
  const out = new Float32Array(embeddings.count);
  for (let i = 0; i < embeddings.count; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += embeddings.vectors[i * dim + k] * direction[k];
    out[i] = (s - offset) / norm;
  }
  return out;
}
