import { UsageError } from '../../errors.js';
import { checkEmbeddings } from '../projection/check-embeddings.js';
import type { Embeddings } from '../types.js';

/**
 * The direction from the mean of `b` to the mean of `a` (mean(a) - mean(b)), as a unit vector unless
 * `normalize` is false: the simplest concept direction, e.g. "smiling" minus "not smiling".
 */
export function meanDifferenceDirection(a: Embeddings, b: Embeddings, options: { normalize?: boolean } = {}): Float32Array {
  checkEmbeddings(a, 'the first set', 1);
  checkEmbeddings(b, 'the second set', 1);
  if (a.dim !== b.dim) throw new UsageError(`the two sets have ${a.dim} and ${b.dim} dimensions`, 'take both from the same model and layer');
  const diff = new Float64Array(a.dim);
  for (let i = 0; i < a.count; i++) for (let k = 0; k < a.dim; k++) diff[k] += a.vectors[i * a.dim + k] / a.count;
  for (let i = 0; i < b.count; i++) for (let k = 0; k < b.dim; k++) diff[k] -= b.vectors[i * b.dim + k] / b.count;
  let norm = 0;
  for (let k = 0; k < diff.length; k++) norm += diff[k] * diff[k];
  norm = Math.sqrt(norm);
  if (options.normalize ?? true) {
    if (norm === 0) throw new UsageError('the two sets have the same mean, so there is no direction between them', 'choose sets that differ');
    for (let k = 0; k < diff.length; k++) diff[k] /= norm;
  }
  return Float32Array.from(diff);
}
