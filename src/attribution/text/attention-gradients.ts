import * as tf from '@tensorflow/tfjs';
import type { AttentionMaps } from '../../attention/types.js';
import type { Transformer } from '../../models/transformer/transformer.js';
import { checkTokens } from './embedding-gradients.js';
import { explainedOutput, resolveTarget, type ResolvedTarget, type TextTarget } from './target.js';

/** A sequence's attention weights and the explained output's gradient with respect to each of them. */
export interface AttentionGradients {
  maps: AttentionMaps;
  /** d output / d weight, laid out as `maps.weights`: [layer][head][query][key]. */
  gradients: Float32Array;
  resolved: ResolvedTarget;
}

/**
 * The gradient of the explained output (a class logit, a next-token logit or probability, or a contrast)
 * with respect to every attention weight of every layer and head, for gradient-weighted attention
 * (Chefer et al. 2021). Zero tensors added after each softmax carry the gradient, so the forward pass
 * is the model's own.
 */
export function attentionGradients(transformer: Transformer, tokens: readonly number[], target: TextTarget = {}): AttentionGradients {
  checkTokens(transformer, tokens);
  const resolved = resolveTarget(transformer, tokens, target);
  const maps = transformer.run([...tokens], { attentions: true }).attentions!;
  const n = tokens.length;
  const { layers, heads } = transformer.config;
  const embedded = transformer.embed([[...tokens]]);
  const probes = Array.from({ length: layers }, () => tf.zeros([1, heads, n, n]) as tf.Tensor4D);
  try {
    const flat = tf.tidy(() => {
      const { grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => {
        const options = { attentionProbes: ps as tf.Tensor4D[], ...(resolved.classifier ? {} : { outputPosition: resolved.position }) };
        const { logits } = transformer.forwardEmbeddings(embedded, options);
        return tf.sum(explainedOutput(logits, resolved.classifier ? resolved : { ...resolved, position: 0 })) as tf.Scalar;
      })(probes);
      return tf.concat(grads.map((g) => tf.reshape(g, [-1])));
    });
    try {
      return { maps, gradients: Float32Array.from(flat.dataSync()), resolved };
    } finally {
      flat.dispose();
    }
  } finally {
    tf.dispose([embedded, ...probes]);
  }
}
