import * as tf from '@tensorflow/tfjs';
import type { TokenAttribution } from '../../attention/types.js';
import type { Transformer } from '../../models/transformer/transformer.js';
import { checkTokens, embedTokens, embeddingGradients, reduceTokens } from './embedding-gradients.js';
import { resolveTarget, targetParams, type TextTarget } from './target.js';

/**
 * Input x gradient on tokens: gradient . embedding per token (the dot product, summed over the
 * embedding dimensions as Captum's InputXGradient on the embedding layer followed by a sum; signed,
 * so a token can push the output down). It is the first-order Taylor term against a zero embedding.
 */
export function textInputXGradient(transformer: Transformer, tokens: readonly number[], options: TextTarget = {}): TokenAttribution {
  checkTokens(transformer, tokens);
  const resolved = resolveTarget(transformer, tokens, options);
  const dim = transformer.config.dim;
  const inputs = embedTokens(transformer, tokens);
  const embedded = tf.tensor3d(inputs, [1, tokens.length, dim]);
  try {
    const { values, gradients } = embeddingGradients(transformer, embedded, resolved);
    const scores = reduceTokens(gradients, tokens.length, dim, (g, start, n) => {
      let s = 0;
      for (let i = start; i < start + n; i++) s += g[i] * inputs[i];
      return s;
    });
    return {
      method: 'input-x-gradient', tokens: tokens.map((id) => transformer.tokenName(id)), scores,
      target: resolved.target, ...(resolved.targetName !== undefined ? { targetName: resolved.targetName } : {}),
      prediction: values[0], params: targetParams(resolved),
    };
  } finally {
    embedded.dispose();
  }
}
