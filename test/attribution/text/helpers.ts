import { Transformer } from '../../../src/models/transformer/transformer.js';
import type { TransformerConfig } from '../../../src/models/transformer/config.js';
import type { LayerWeights, NormWeights, TransformerWeights } from '../../../src/models/transformer/weights.js';
import { Random } from '../../../src/util/random.js';

/** A transformer with seeded normal weights (scale 0.5 / sqrt(fan-in), norms near 1, biases when `biases`). */
export function randomTransformer(config: TransformerConfig, seed = 1, biases = config.norm === 'layernorm'): Transformer {
  const vocabulary = Array.from({ length: config.vocabSize }, (_, i) => `t${i}`);
  return new Transformer(config, randomWeights(config, seed, biases), { vocabulary, name: 'random' });
}

export function randomWeights(config: TransformerConfig, seed = 1, biases = config.norm === 'layernorm'): TransformerWeights {
  const rng = new Random(seed);
  const normal = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * rng.normal());
  const { dim, hiddenDim, vocabSize, heads } = config;
  const hd = dim / heads;
  const kv = (config.kvHeads ?? heads) * hd;
  const norm = (): NormWeights => ({
    scale: Float32Array.from({ length: dim }, () => 1 + 0.2 * rng.normal()),
    ...(config.norm === 'layernorm' ? { bias: normal(dim, 0.1) } : {}),
  });
  const w = (out: number, inner: number) => normal(out * inner, 1 / Math.sqrt(inner));
  const layers: LayerWeights[] = Array.from({ length: config.layers }, () => ({
    attentionNorm: norm(), wq: w(dim, dim), wk: w(kv, dim), wv: w(kv, dim), wo: w(dim, dim),
    mlpNorm: norm(), w1: w(hiddenDim, dim), w2: w(dim, hiddenDim),
    ...(config.mlp === 'swiglu' ? { w3: w(hiddenDim, dim) } : {}),
    ...(biases ? { bq: normal(dim, 0.1), bk: normal(kv, 0.1), bv: normal(kv, 0.1), bo: normal(dim, 0.1), b1: normal(hiddenDim, 0.1), b2: normal(dim, 0.1) } : {}),
  }));
  const weights: TransformerWeights = {
    tokenEmbedding: normal(vocabSize * dim, 1),
    layers,
    finalNorm: norm(),
    ...(config.positional === 'learned' ? { positionEmbedding: normal(config.maxLength * dim, 0.5) } : {}),
    ...(config.classifier ? { classifier: { weight: w(config.classifier.classes, dim), bias: normal(config.classifier.classes, 0.1) } }
      : config.tiedUnembedding ? {} : { unembedding: w(vocabSize, dim) }),
  };
  return weights;
}

/** A GPT-2-like decoder: LayerNorm with shifts, GELU, learned positions, biases. */
export const LAYERNORM_DECODER: TransformerConfig = {
  vocabSize: 23, dim: 16, layers: 2, heads: 4, hiddenDim: 24, maxLength: 32,
  norm: 'layernorm', mlp: 'gelu', causal: true, positional: 'learned', tiedUnembedding: false,
};

/** A Llama-like decoder: RMSNorm, SwiGLU, rotary positions, grouped-query heads, no biases. */
export const RMSNORM_DECODER: TransformerConfig = {
  vocabSize: 19, dim: 16, layers: 3, heads: 4, kvHeads: 2, hiddenDim: 20, maxLength: 32,
  norm: 'rmsnorm', mlp: 'swiglu', causal: true, positional: 'rotary', tiedUnembedding: false,
};

/** A BERT-like classifier: bidirectional, LayerNorm, learned positions, mean pooling. */
export const CLASSIFIER: TransformerConfig = {
  vocabSize: 17, dim: 12, layers: 2, heads: 3, hiddenDim: 16, maxLength: 16,
  norm: 'layernorm', mlp: 'gelu', causal: false, positional: 'learned', tiedUnembedding: false,
  classifier: { classes: 3, pooling: 'mean', classNames: ['neg', 'neutral', 'pos'] },
};
