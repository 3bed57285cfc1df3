import type { AttentionMaps } from '../../attention/types.js';
import { UsageError } from '../../errors.js';

/**
 * What the perturbation methods (occlusion, LIME, KernelSHAP over tokens) need of a text model: a
 * black box from token id sequences to logits. The project's TF.js transformer satisfies it through
 * `transformerSequenceModel`; ONNX exports (src/models/onnx-text) implement it directly.
 */
export interface TokenSequenceModel {
  readonly name: string;
  /** A classifier gives one row of class logits per sequence; a language model one row of next-token logits per position. */
  readonly kind: 'classifier' | 'language-model';
  readonly vocabSize: number;
  /** Longest sequence the model takes, special tokens included. */
  readonly maxLength: number;
  /** Classes (classifier) or vocabulary size (language model): the width of a logits row. */
  readonly numOutputs: number;
  /** A classifier's class names, when known. */
  readonly classNames?: readonly string[];
  /** A token id as displayed. */
  tokenName(id: number): string;
  /** The name of output `id` (a class, or a vocabulary entry), when the model has one. */
  outputName(id: number): string | undefined;
  /** Logits of each sequence (sequences may differ in length): one row for a classifier, one per position for a language model. */
  outputs(sequences: readonly (readonly number[])[]): Promise<Float32Array[][]>;
  /** Every layer's attention for one sequence, when the model exposes it. */
  attentions?(tokens: readonly number[]): Promise<AttentionMaps>;
}

/** Checks a token sequence before any method runs, so errors name the input rather than a tensor. */
export function checkSequenceTokens(model: TokenSequenceModel, tokens: readonly number[]): void {
  if (tokens.length === 0) throw new UsageError('there are no tokens to explain', 'give a non-empty text');
  if (tokens.length > model.maxLength) {
    throw new UsageError(`the input has ${tokens.length} tokens, more than the model's context of ${model.maxLength}`, `shorten the text to at most ${model.maxLength} tokens`);
  }
  tokens.forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= model.vocabSize) {
      throw new UsageError(`token id ${id} at position ${t} is outside the vocabulary of ${model.vocabSize}`,
        'encode the text with the tokenizer the model was trained with');
    }
  });
}
