import { UsageError } from '../../../errors.js';

/** Points as the neighbour searches and projections take them: row-major float32 [count, dim]. */
export interface VectorSet {
  count: number;
  dim: number;
  vectors: Float32Array;
}

/** Checks the shape and that every value is finite, naming the first bad row so the user can find it. */
export function checkVectors(set: VectorSet, what: string): void {
  const { count, dim, vectors } = set;
  if (!(vectors instanceof Float32Array)) {
    throw new UsageError(`${what}: vectors must be a Float32Array`, 'convert with Float32Array.from(values)');
  }
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(dim) || dim < 1) {
    throw new UsageError(`${what}: count and dim must be positive integers, got count ${count}, dim ${dim}`, 'pass at least one point of at least one dimension');
  }
  if (vectors.length !== count * dim) {
    throw new UsageError(`${what}: ${vectors.length} values do not make ${count} rows of ${dim}`, 'vectors must hold count * dim values, row after row');
  }
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i]!)) {
      const row = Math.floor(i / dim);
      throw new UsageError(
        `${what}: row ${row} has a non-finite value (${vectors[i]}) in column ${i % dim}`,
        'remove or impute rows with NaN or infinite values before searching or projecting',
      );
    }
  }
}

export function checkPositiveInteger(value: number, name: string, hint: string): void {
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${name} must be a positive integer, got ${value}`, hint);
}
