import * as tf from '@tensorflow/tfjs';
import type { TokenAttribution } from '../../attention/types.js';
import { UsageError } from '../../errors.js';
import type { Transformer } from '../../models/transformer/transformer.js';
import { checkTokens, embedTokens, embeddingGradients, reduceTokens } from './embedding-gradients.js';
import { resolveTarget, targetParams, type TextTarget } from './target.js';

export interface TextSaliencyOptions extends TextTarget {
  /** How each token's gradient vector becomes one score: its L2 norm (default, as Inseq's saliency) or L1 norm. */
  norm?: 'l2' | 'l1';
}

/**
 * Saliency on tokens: the norm of the explained output's gradient with respect to each token's
 * embedding (Simonyan et al. 2014 on the embedding layer). Unsigned: how sensitive the output is
 * to each token, not in which direction it pushed.
 */
export function textSaliency(transformer: Transformer, tokens: readonly number[], options: TextSaliencyOptions = {}): TokenAttribution {
  checkTokens(transformer, tokens);
  const norm = options.norm ?? 'l2';
  if (norm !== 'l2' && norm !== 'l1') throw new UsageError(`unknown saliency norm "${String(norm)}"`, 'use l2 or l1');
  const resolved = resolveTarget(transformer, tokens, options);
  const dim = transformer.config.dim;
  const embedded = tf.tensor3d(embedTokens(transformer, tokens), [1, tokens.length, dim]);
  try {
    const { values, gradients } = embeddingGradients(transformer, embedded, resolved);
    const scores = reduceTokens(gradients, tokens.length, dim, (g, start, n) => {
      let s = 0;
      for (let i = start; i < start + n; i++) s += norm === 'l2' ? g[i] * g[i] : Math.abs(g[i]);
      return norm === 'l2' ? Math.sqrt(s) : s;
    });
    return {
      method: 'saliency', tokens: tokens.map((id) => transformer.tokenName(id)), scores,
      target: resolved.target, ...(resolved.targetName !== undefined ? { targetName: resolved.targetName } : {}),
      prediction: values[0], params: { norm, ...targetParams(resolved) },
    };
  } finally {
    embedded.dispose();
  }
}
