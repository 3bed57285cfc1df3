import { UsageError } from '../../errors.js';
import type { Embeddings } from '../types.js';

/**
 * Checks that `e` is a well-formed [count, dim] matrix of finite numbers, naming the first bad row, so a
 * NaN from a dead layer or a truncated file is reported here rather than as a NaN projection.
 */
export function checkEmbeddings(e: Embeddings, what = 'embeddings', minCount = 1): void {
  if (!Number.isInteger(e.count) || !Number.isInteger(e.dim) || e.count < 0 || e.dim < 1) {
    throw new UsageError(`${what} have count ${e.count} and dim ${e.dim}`, 'count must be a non-negative integer and dim a positive one');
  }
  if (e.vectors.length !== e.count * e.dim) {
    throw new UsageError(`${what} hold ${e.vectors.length} numbers, but count x dim is ${e.count} x ${e.dim} = ${e.count * e.dim}`,
      'vectors must be row-major float32 [count, dim]: check count and dim');
  }
  if (e.count < minCount) {
    throw new UsageError(`${what} have ${e.count} points, at least ${minCount} are needed`, 'pass more points');
  }
  const v = e.vectors;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      const row = Math.floor(i / e.dim);
      throw new UsageError(`${what} row ${row} has a non-finite value (${v[i]}) in column ${i - row * e.dim}`,
        'drop or repair rows with NaN or infinite values before projecting');
    }
  }
}
