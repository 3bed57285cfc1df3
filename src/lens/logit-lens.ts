import * as tf from '@tensorflow/tfjs';
import type { LogitLens } from '../attention/types.js';
import { UsageError } from '../errors.js';
import type { Transformer } from '../models/transformer/transformer.js';
import { argmax } from '../models/transformer/transformer.js';

export interface LogitLensOptions {
  /** Top tokens kept per layer and position; default 5. */
  top?: number;
  /** Follow this token's probability at every position instead of the model's final prediction. */
  chosen?: number;
}

/**
 * The logit lens (nostalgebraist 2020): the residual stream after the embeddings and after every
 * layer, each read through the model's own final norm and unembedding, as if the model stopped
 * there. The last row is the model's output. Probabilities are the softmax over the vocabulary.
 */
export function logitLens(transformer: Transformer, tokens: readonly number[], options: LogitLensOptions = {}): LogitLens {
  const config = transformer.config;
  if (config.classifier) throw new UsageError(`${transformer.name} is a classifier`, 'the logit lens needs a language model (it reads next-token logits)');
  if (tokens.length === 0) throw new UsageError('there are no tokens', 'give a non-empty text');
  const vocab = config.vocabSize;
  const k = options.top ?? 5;
  if (!Number.isInteger(k) || k < 1 || k > vocab) throw new UsageError(`top must be a whole number from 1 to ${vocab}, got ${k}`, 'e.g. --top 5');
  if (options.chosen !== undefined && (!Number.isInteger(options.chosen) || options.chosen < 0 || options.chosen >= vocab)) {
    throw new UsageError(`chosen token ${options.chosen} is outside the vocabulary of ${vocab}`, `choose a token id from 0 to ${vocab - 1}`);
  }
  const run = transformer.run([...tokens], { residuals: true });
  const residuals = run.residuals!;
  const n = tokens.length;
  const layers = residuals.layerNames.length;
  const chosenIds = Array.from({ length: n }, (_, p) => options.chosen ?? argmax(run.logits[p]));
  const [probs, topValues, topIndices] = tf.tidy(() => {
    const x = tf.tensor2d(residuals.values, [layers * n, config.dim]);
    const p = tf.softmax(transformer.unembed(transformer.finalNorm(x)) as tf.Tensor2D);
    const best = tf.topk(p, k);
    const chosen = tf.gather(tf.reshape(p, [-1]), tf.tensor1d(
      Int32Array.from({ length: layers * n }, (_, row) => row * vocab + chosenIds[row % n]), 'int32'));
    return [chosen, best.values, best.indices];
  });
  try {
    const chosenP = probs.dataSync();
    const values = topValues.dataSync();
    const indices = topIndices.dataSync();
    const top: LogitLens['top'] = [];
    const chosenProbability: number[][] = [];
    for (let l = 0; l < layers; l++) {
      const rowTop: LogitLens['top'][number] = [];
      const rowChosen: number[] = [];
      for (let p = 0; p < n; p++) {
        const row = l * n + p;
        const cell = [];
        for (let j = 0; j < k; j++) {
          const id = indices[row * k + j];
          cell.push({ token: transformer.tokenName(id), id, probability: values[row * k + j] });
        }
        rowTop.push(cell);
        rowChosen.push(chosenP[row]);
      }
      top.push(rowTop);
      chosenProbability.push(rowChosen);
    }
    return {
      tokens: run.tokenNames, layerNames: residuals.layerNames, top, chosenProbability,
      chosen: chosenIds.map((id) => ({ token: transformer.tokenName(id), id })),
    };
  } finally {
    tf.dispose([probs, topValues, topIndices]);
  }
}
