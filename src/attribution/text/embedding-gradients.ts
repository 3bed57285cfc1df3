import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { Transformer } from '../../models/transformer/transformer.js';
import { explainedOutput, type ResolvedTarget } from './target.js';

/** Checks a token sequence before any method runs, so errors name the input rather than a tensor. */
export function checkTokens(transformer: Transformer, tokens: readonly number[]): void {
  if (tokens.length === 0) throw new UsageError('there are no tokens to explain', 'give a non-empty text');
  const max = transformer.config.maxLength;
  if (tokens.length > max) {
    throw new UsageError(`the input has ${tokens.length} tokens, more than the model's context of ${max}`, `shorten the text to at most ${max} tokens`);
  }
  tokens.forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= transformer.config.vocabSize) {
      throw new UsageError(`token id ${id} at position ${t} is outside the vocabulary of ${transformer.config.vocabSize}`,
        'encode the text with the tokenizer the model was trained with');
    }
  });
}

/** The token embeddings of a sequence, [length * dim] (positions are added inside the forward pass). */
export function embedTokens(transformer: Transformer, tokens: readonly number[]): Float32Array {
  const embedded = transformer.embed([[...tokens]]);
  try {
    return embedded.dataSync() as Float32Array;
  } finally {
    embedded.dispose();
  }
}

/**
 * The explained output from the forward pass, which for a language model computes only the explained
 * position's logits (the last layer then runs that query alone).
 */
function explainedForward(transformer: Transformer, embedded: tf.Tensor3D, resolved: ResolvedTarget): tf.Tensor1D {
  if (resolved.classifier) return explainedOutput(transformer.forwardEmbeddings(embedded).logits, resolved);
  const { logits } = transformer.forwardEmbeddings(embedded, { outputPosition: resolved.position });
  return explainedOutput(logits, { ...resolved, position: 0 });
}

/** The explained output of a batch of embedded sequences [batch, length, dim], without gradients. */
export function outputsOfEmbeddings(transformer: Transformer, embedded: tf.Tensor3D, resolved: ResolvedTarget): Float64Array {
  const values = tf.tidy(() => explainedForward(transformer, embedded, resolved));
  try {
    return Float64Array.from(values.dataSync());
  } finally {
    values.dispose();
  }
}

/**
 * The explained output of each embedded sequence and its gradient with respect to the embeddings
 * ([batch * length * dim]): TF.js has no gradient through `gather` on wasm, so gradients stop at the
 * embedded inputs, which is also where Captum's LayerIntegratedGradients on the embedding layer and
 * Inseq's attributions live.
 */
export function embeddingGradients(transformer: Transformer, embedded: tf.Tensor3D, resolved: ResolvedTarget): { values: Float64Array; gradients: Float32Array } {
  let selected: tf.Tensor | undefined;
  const gradient = tf.tidy(() => {
    const { grads } = tf.valueAndGrads((x: tf.Tensor) => {
      const out = explainedForward(transformer, x as tf.Tensor3D, resolved);
      selected = tf.keep(out);
      return tf.sum(out) as tf.Scalar;
    })([embedded]);
    return grads[0];
  });
  try {
    return { values: Float64Array.from(selected!.dataSync()), gradients: gradient.dataSync() as Float32Array };
  } finally {
    gradient.dispose();
    selected?.dispose();
  }
}

/** Per-token reduction of [length * dim] values. */
export function reduceTokens(values: ArrayLike<number>, length: number, dim: number, reduce: (row: ArrayLike<number>, start: number, dim: number) => number): number[] {
  const out: number[] = [];
  for (let t = 0; t < length; t++) out.push(reduce(values, t * dim, dim));
  return out;
}
