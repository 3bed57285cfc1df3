import * as tf from '@tensorflow/tfjs';
import type { TokenAttribution } from '../../attention/types.js';
import { UsageError } from '../../errors.js';
import type { Transformer } from '../../models/transformer/transformer.js';
import { integrationGrid, INTEGRATION_METHODS, type IntegrationMethod } from '../integration.js';
import { baselineEmbeddings, type SpecialTokens, type TokenBaseline } from './baseline.js';
import { checkTokens, embedTokens, embeddingGradients, outputsOfEmbeddings } from './embedding-gradients.js';
import { resolveTarget, targetParams, type TextTarget } from './target.js';

export interface TextIntegratedGradientsOptions extends TextTarget {
  /** Reference input: zero embeddings (default), the pad or mask token at every position, or a token id. */
  baseline?: TokenBaseline;
  specials?: SpecialTokens;
  /** Positions left as in the input in the baseline (e.g. BOS or [CLS]); their attribution is 0. */
  keep?: number[];
  /** Points on the path; default 50. */
  steps?: number;
  /** Default 'gausslegendre' (Captum's default). */
  integration?: IntegrationMethod;
  /** Path points per forward/backward pass; default 50. */
  batchSize?: number;
}

/**
 * Integrated gradients (Sundararajan et al. 2017) on the embedding layer: the path integral of the
 * gradient from the baseline embeddings to the input's, times (input - baseline), summed over each
 * token's embedding dimensions. The convergence delta is sum(scores) - (f(input) - f(baseline)):
 * completeness says it tends to 0 as steps grow.
 */
export function textIntegratedGradients(transformer: Transformer, tokens: readonly number[], options: TextIntegratedGradientsOptions = {}): TokenAttribution {
  checkTokens(transformer, tokens);
  const resolved = resolveTarget(transformer, tokens, options);
  const steps = options.steps ?? 50;
  const integration = options.integration ?? 'gausslegendre';
  if (!INTEGRATION_METHODS.includes(integration)) throw new UsageError(`unknown integration method "${integration}"`, `use one of ${INTEGRATION_METHODS.join(', ')}`);
  const batchSize = options.batchSize ?? 50;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError(`batchSize must be a positive integer, got ${batchSize}`, 'e.g. 50');
  const grid = integrationGrid(integration, steps);
  const baseline = options.baseline ?? 'zero';
  const n = tokens.length;
  const dim = transformer.config.dim;
  const size = n * dim;
  const input = embedTokens(transformer, tokens);
  const reference = baselineEmbeddings(transformer, tokens, baseline, options.specials, options.keep);
  const diff = new Float32Array(size);
  for (let i = 0; i < size; i++) diff[i] = input[i] - reference[i];

  // Weighted sum of the gradients along the path, in float64.
  const integrated = new Float64Array(size);
  for (let start = 0; start < steps; start += batchSize) {
    const count = Math.min(batchSize, steps - start);
    const points = new Float32Array(count * size);
    for (let k = 0; k < count; k++) {
      const alpha = grid.alphas[start + k];
      for (let i = 0; i < size; i++) points[k * size + i] = reference[i] + alpha * diff[i];
    }
    const batch = tf.tensor3d(points, [count, n, dim]);
    try {
      const { gradients } = embeddingGradients(transformer, batch, resolved);
      for (let k = 0; k < count; k++) {
        const w = grid.weights[start + k];
        for (let i = 0; i < size; i++) integrated[i] += w * gradients[k * size + i];
      }
    } finally {
      batch.dispose();
    }
  }
  const scores = new Array<number>(n).fill(0);
  for (let i = 0; i < size; i++) scores[Math.floor(i / dim)] += integrated[i] * diff[i];
  const both = new Float32Array(2 * size);
  both.set(input);
  both.set(reference, size);
  const ends = tf.tensor3d(both, [2, n, dim]);
  let outputs: Float64Array;
  try {
    outputs = outputsOfEmbeddings(transformer, ends, resolved);
  } finally {
    ends.dispose();
  }
  const total = scores.reduce((a, b) => a + b, 0);
  return {
    method: 'integrated-gradients', tokens: tokens.map((id) => transformer.tokenName(id)), scores,
    target: resolved.target, ...(resolved.targetName !== undefined ? { targetName: resolved.targetName } : {}),
    prediction: outputs[0],
    convergenceDelta: total - (outputs[0] - outputs[1]),
    params: {
      steps, integration, baseline: typeof baseline === 'object' ? `token ${baseline.tokenId}` : baseline,
      baselineOutput: outputs[1], keep: options.keep ?? [], ...targetParams(resolved),
    },
  };
}
