import { UsageError } from '../../errors.js';
import type { Transformer } from '../../models/transformer/transformer.js';
import { embedTokens } from './embedding-gradients.js';

/**
 * The reference input of integrated gradients and the stand-in for absent tokens: every token's
 * embedding replaced by a zero vector, by the pad or mask token's embedding, or by a given token id.
 */
export type TokenBaseline = 'zero' | 'pad' | 'mask' | { tokenId: number };

export interface SpecialTokens {
  /** The padding token id (for 'pad' baselines), when the model has one. */
  pad?: number;
  /** The mask token id (for 'mask' baselines), e.g. BERT's [MASK]. */
  mask?: number;
}

/** The token id a baseline stands for, or undefined for the zero embedding. */
export function baselineTokenId(transformer: Transformer, baseline: TokenBaseline, specials: SpecialTokens = {}): number | undefined {
  if (baseline === 'zero') return undefined;
  let id: number | undefined;
  if (baseline === 'pad' || baseline === 'mask') {
    id = specials[baseline];
    if (id === undefined) {
      throw new UsageError(`the model has no ${baseline} token for a "${baseline}" baseline`,
        `use the zero baseline, or name a token id to stand for absent tokens (e.g. { tokenId: 0 })`);
    }
  } else if (baseline && typeof baseline === 'object' && 'tokenId' in baseline) {
    id = baseline.tokenId;
  } else {
    throw new UsageError(`unknown baseline ${JSON.stringify(baseline)}`, 'use zero, pad, mask or { tokenId }');
  }
  if (!Number.isInteger(id) || id < 0 || id >= transformer.config.vocabSize) {
    throw new UsageError(`baseline token id ${id} is outside the vocabulary of ${transformer.config.vocabSize}`, `choose an id from 0 to ${transformer.config.vocabSize - 1}`);
  }
  return id;
}

/**
 * Baseline embeddings [length * dim] for a sequence: each position replaced by the baseline, except
 * positions in `keep` (e.g. BOS, [CLS], [SEP]), which stay as in the input, as in Captum's BERT tutorial.
 */
export function baselineEmbeddings(transformer: Transformer, tokens: readonly number[], baseline: TokenBaseline,
  specials: SpecialTokens = {}, keep: readonly number[] = []): Float32Array {
  const id = baselineTokenId(transformer, baseline, specials);
  for (const p of keep) {
    if (!Number.isInteger(p) || p < 0 || p >= tokens.length) {
      throw new UsageError(`kept position ${p} is outside the ${tokens.length} tokens`, `choose positions from 0 to ${tokens.length - 1}`);
    }
  }
  const kept = new Set(keep);
  return embedTokens(transformer, tokens.map((t, p) => (kept.has(p) ? t : id ?? t)))
    .map((v, i) => (id === undefined && !kept.has(Math.floor(i / transformer.config.dim)) ? 0 : v));
}
