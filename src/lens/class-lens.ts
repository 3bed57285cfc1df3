import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import type { Transformer } from '../models/transformer/transformer.js';

/** Each layer's residual stream read through a classifier's own final norm, pooling and head. */
export interface ClassLens {
  tokens: string[];
  /** "embed", then "layer 0" ... "layer L-1"; the last row is the model's output. */
  layerNames: string[];
  classNames: string[];
  /** How the classifier pools positions: 'first' ([CLS]), 'last' or 'mean'. */
  pooling: 'first' | 'last' | 'mean';
  /** [layer][class] logits and softmax probabilities. */
  logits: number[][];
  probabilities: number[][];
  /** The most likely class at each layer. */
  predicted: number[];
}

/**
 * The logit lens's analogue for a classifier, which has no unembedding to read next tokens through:
 * the residual stream after the embeddings and after each layer, normalised by the final norm,
 * pooled as the model pools ([CLS] / first, last, or the mean of the normalised positions) and put
 * through the classifier, as if the model stopped there. The last layer gives the model's logits.
 */
export function classLens(transformer: Transformer, tokens: readonly number[]): ClassLens {
  const classifier = transformer.config.classifier;
  if (!classifier) throw new UsageError(`${transformer.name} is a language model`, 'the class lens reads a classifier; use the logit lens for a language model');
  if (tokens.length === 0) throw new UsageError('there are no tokens', 'give a non-empty text');
  const run = transformer.run([...tokens], { residuals: true });
  const residuals = run.residuals!;
  const n = tokens.length;
  const layers = residuals.layerNames.length;
  const { dim } = transformer.config;
  const [logitTensor, probabilityTensor] = tf.tidy(() => {
    const normalised = transformer.finalNorm(tf.tensor3d(residuals.values, [layers, n, dim]));
    const pooled = classifier.pooling === 'mean' ? tf.mean(normalised, 1)
      : tf.reshape(tf.slice(normalised, [0, classifier.pooling === 'first' ? 0 : n - 1, 0], [layers, 1, dim]), [layers, dim]);
    const logits = transformer.classify(pooled);
    return [logits, tf.softmax(logits)];
  });
  try {
    const rows = (t: tf.Tensor) => {
      const values = t.dataSync();
      return Array.from({ length: layers }, (_, l) => Array.from(values.subarray(l * classifier.classes, (l + 1) * classifier.classes)));
    };
    const logits = rows(logitTensor);
    return {
      tokens: run.tokenNames, layerNames: residuals.layerNames,
      classNames: classifier.classNames ?? Array.from({ length: classifier.classes }, (_, c) => String(c)),
      pooling: classifier.pooling, logits, probabilities: rows(probabilityTensor),
      predicted: logits.map((row) => row.indexOf(Math.max(...row))),
    };
  } finally {
    tf.dispose([logitTensor, probabilityTensor]);
  }
}
