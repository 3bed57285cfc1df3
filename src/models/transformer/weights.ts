import { UsageError } from '../../errors.js';
import { headDim, kvHeads, type TransformerConfig } from './config.js';

/** A norm's gain, and its shift for layernorm. */
export interface NormWeights {
  scale: Float32Array;
  bias?: Float32Array;
}

/**
 * One block's weights. Matrices are row-major [out, in], the layout of PyTorch's nn.Linear and of
 * llama2.c, so exported checkpoints drop in without transposing. Biases are optional (Llama has none).
 */
export interface LayerWeights {
  attentionNorm: NormWeights;
  /** [heads * headDim, dim] */
  wq: Float32Array;
  /** [kvHeads * headDim, dim] */
  wk: Float32Array;
  /** [kvHeads * headDim, dim] */
  wv: Float32Array;
  /** [dim, heads * headDim] */
  wo: Float32Array;
  bq?: Float32Array;
  bk?: Float32Array;
  bv?: Float32Array;
  bo?: Float32Array;
  mlpNorm: NormWeights;
  /** [hiddenDim, dim]: the up projection (gelu) or the gate (swiglu). */
  w1: Float32Array;
  /** [dim, hiddenDim]: the down projection. */
  w2: Float32Array;
  /** [hiddenDim, dim]: swiglu's up projection. */
  w3?: Float32Array;
  b1?: Float32Array;
  b2?: Float32Array;
}

export interface TransformerWeights {
  /** [vocabSize, dim] */
  tokenEmbedding: Float32Array;
  /** [maxLength, dim], for learned positions. */
  positionEmbedding?: Float32Array;
  layers: LayerWeights[];
  finalNorm: NormWeights;
  /** [vocabSize, dim], when the unembedding is not tied to the token embedding. */
  unembedding?: Float32Array;
  /** [classes, dim] and [classes], for a classifier. */
  classifier?: { weight: Float32Array; bias?: Float32Array };
}

/** Checks every array's length against the config, naming the first one that is wrong. */
export function validateWeights(config: TransformerConfig, weights: TransformerWeights): void {
  const { dim, vocabSize, hiddenDim, maxLength } = config;
  const qDim = config.heads * headDim(config);
  const kvDim = kvHeads(config) * headDim(config);
  const check = (name: string, array: Float32Array | undefined, size: number, required: boolean) => {
    if (array === undefined) {
      if (required) throw new UsageError(`transformer weights: ${name} is missing`, `give ${name} with ${size} values`);
      return;
    }
    if (!(array instanceof Float32Array)) {
      throw new UsageError(`transformer weights: ${name} is not a Float32Array`, 'pass weights as Float32Array');
    }
    if (array.length !== size) {
      throw new UsageError(`transformer weights: ${name} has ${array.length} values, expected ${size}`,
        'check the config (dim, heads, kvHeads, hiddenDim, vocabSize, maxLength) against the weights');
    }
  };
  const layerNorm = config.norm === 'layernorm';
  const checkNorm = (name: string, norm: NormWeights | undefined) => {
    if (!norm) throw new UsageError(`transformer weights: ${name} is missing`, `give ${name}.scale with ${dim} values`);
    check(`${name}.scale`, norm.scale, dim, true);
    if (!layerNorm && norm.bias) {
      throw new UsageError(`transformer weights: ${name}.bias given for an rmsnorm model`, 'rmsnorm has no bias; drop it or use layernorm');
    }
    check(`${name}.bias`, norm.bias, dim, false);
  };
  check('tokenEmbedding', weights.tokenEmbedding, vocabSize * dim, true);
  check('positionEmbedding', weights.positionEmbedding, maxLength * dim, config.positional === 'learned');
  if (!Array.isArray(weights.layers) || weights.layers.length !== config.layers) {
    throw new UsageError(`transformer weights: ${weights.layers?.length ?? 0} layers for a config of ${config.layers}`,
      'give one LayerWeights per layer');
  }
  weights.layers.forEach((layer, i) => {
    const p = `layers[${i}]`;
    checkNorm(`${p}.attentionNorm`, layer.attentionNorm);
    check(`${p}.wq`, layer.wq, qDim * dim, true);
    check(`${p}.wk`, layer.wk, kvDim * dim, true);
    check(`${p}.wv`, layer.wv, kvDim * dim, true);
    check(`${p}.wo`, layer.wo, dim * qDim, true);
    check(`${p}.bq`, layer.bq, qDim, false);
    check(`${p}.bk`, layer.bk, kvDim, false);
    check(`${p}.bv`, layer.bv, kvDim, false);
    check(`${p}.bo`, layer.bo, dim, false);
    checkNorm(`${p}.mlpNorm`, layer.mlpNorm);
    check(`${p}.w1`, layer.w1, hiddenDim * dim, true);
    check(`${p}.w2`, layer.w2, dim * hiddenDim, true);
    check(`${p}.w3`, layer.w3, hiddenDim * dim, config.mlp === 'swiglu');
    check(`${p}.b1`, layer.b1, hiddenDim, false);
    check(`${p}.b2`, layer.b2, dim, false);
  });
  checkNorm('finalNorm', weights.finalNorm);
  check('unembedding', weights.unembedding, vocabSize * dim, !config.tiedUnembedding && !config.classifier);
  if (config.classifier) {
    const classes = config.classifier.classes;
    if (!weights.classifier) throw new UsageError('transformer weights: classifier is missing', `give classifier.weight with ${classes * dim} values`);
    check('classifier.weight', weights.classifier.weight, classes * dim, true);
    check('classifier.bias', weights.classifier.bias, classes, false);
  }
}
