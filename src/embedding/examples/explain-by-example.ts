import type { Model } from '../../models/model.js';
import type { InputLike } from '../../tensor.js';
import { collectActivations, type Pooling } from '../activations/collect-activations.js';
import type { Embeddings, Metric } from '../types.js';
import { nearestExamples, type NearestExamples } from './nearest-examples.js';

export interface ExplainByExampleOptions {
  /** The layer the training embeddings were collected at (with the same pooling). */
  layer: string;
  k: number;
  pooling?: Pooling;
  metric?: Metric;
  batchSize?: number;
}

/**
 * Explanation by example: embeds `inputs` at the layer the training examples were embedded at, and
 * returns each input's k nearest training examples with their metadata (labels, predictions, names).
 */
export async function explainByExample(model: Model, inputs: InputLike, training: Embeddings, options: ExplainByExampleOptions): Promise<NearestExamples> {
  const queries = await collectActivations(model, inputs, {
    layer: options.layer, pooling: options.pooling, batchSize: options.batchSize, predictions: false,
  });
  return nearestExamples(training, queries, { k: options.k, metric: options.metric });
}
