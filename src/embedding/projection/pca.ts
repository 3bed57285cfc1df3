import { UsageError } from '../../errors.js';
import type { Embeddings, Projection } from '../types.js';
import { principalComponents, type PcaMethod } from './principal-components.js';

export interface PcaOptions {
  /** 2 (default) or 3; principalComponents() gives any number. */
  components?: 2 | 3;
  method?: PcaMethod;
  seed?: number;
}

/** A PCA projection, with the axes so new points can be projected the same way. */
export interface PcaProjection extends Projection {
  method: 'pca';
  /** Row-major [dims, dim]: the principal axes (sklearn's components_). */
  axes: Float32Array;
  /** The mean that was subtracted, [dim]. */
  mean: Float32Array;
}

/**
 * Projects embeddings onto their first 2 or 3 principal components (sklearn's PCA semantics).
 * Diagnostics: explainedVariance, explainedVarianceRatio and singularValues per component.
 */
export function pca(embeddings: Embeddings, options: PcaOptions = {}): PcaProjection {
  const dims = options.components ?? 2;
  if (dims !== 2 && dims !== 3) throw new UsageError(`a PCA projection has 2 or 3 components, got ${String(dims)}`, 'pass components: 2 or 3 (principalComponents() computes any number)');
  const seed = options.seed ?? 0;
  const pc = principalComponents(embeddings, { components: dims, method: options.method, seed });
  return {
    method: 'pca',
    count: embeddings.count,
    dims,
    coordinates: Float32Array.from(pc.scores),
    parameters: { components: dims, method: pc.method, seed },
    diagnostics: {
      explainedVariance: pc.explainedVariance,
      explainedVarianceRatio: pc.explainedVarianceRatio,
      singularValues: pc.singularValues,
    },
    axes: Float32Array.from(pc.axes),
    mean: Float32Array.from(pc.mean),
  };
}
