import { UsageError } from '../../errors.js';
import type { Llama2cModel } from './model.js';

/** A language model's next-token loss over texts, in nats per token. */
export interface TextLoss {
  /** Mean cross-entropy in nats per predicted token. */
  loss: number;
  /** exp(loss). */
  perplexity: number;
  /** Predicted tokens counted. */
  tokens: number;
  texts: number;
}

/**
 * Each text on its own, as the model sees it after BOS: [BOS, t1..tn] predicts [t1..tn, BOS] (BOS
 * ends a text in llama2.c's training streams), cut to the context length. Texts run in padded
 * batches; padded positions are not counted.
 */
export function textLoss(model: Llama2cModel, texts: string[], options: { batchSize?: number } = {}): TextLoss {
  const batchSize = options.batchSize ?? 32;
  const context = model.transformer.config.maxLength;
  const bos = model.tokenizer.bos;
  const sequences = texts.map((text) => [...model.encode(text), bos].slice(0, context + 1)).filter((s) => s.length > 1);
  if (sequences.length === 0) throw new UsageError('no text to score', 'give at least one non-empty text');
  let total = 0;
  let count = 0;
  for (let start = 0; start < sequences.length; start += batchSize) {
    const batch = sequences.slice(start, start + batchSize);
    const inputs = batch.map((s) => s.slice(0, -1));
    const runs = model.transformer.runBatch(inputs);
    runs.forEach((run, b) => run.logits.forEach((row, t) => {
      total -= logSoftmaxAt(row, batch[b][t + 1]);
      count++;
    }));
  }
  const loss = total / count;
  return { loss, perplexity: Math.exp(loss), tokens: count, texts: sequences.length };
}

/** log softmax(row)[index], in float64. */
function logSoftmaxAt(row: Float32Array, index: number): number {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return row[index] - max - Math.log(sum);
}
