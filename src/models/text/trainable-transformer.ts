import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import { Random } from '../../util/random.js';
import { headDim, kvHeads, validateConfig, type TransformerConfig } from '../transformer/config.js';
import type { LayerWeights, NormWeights, TransformerWeights } from '../transformer/weights.js';
import { applyNorm, type NormTensors } from '../transformer/norm.js';
import { selfAttention, type AttentionTensors } from '../transformer/attention.js';
import { feedForward, type MlpTensors } from '../transformer/mlp.js';
import { linear } from '../transformer/linear.js';

// The padding mask value of the Transformer: exp(-1e9) is exactly 0 in float32.
const MASKED = -1e9;

interface TrainableLayer {
  attentionNorm: NormTensors;
  attention: AttentionTensors;
  mlpNorm: NormTensors;
  mlp: MlpTensors;
}

/**
 * The `Transformer`'s classifier forward over tf.variables, for training. It runs the same building
 * blocks (norm.ts, attention.ts, mlp.ts, linear.ts) in the same order, so exported weights give the
 * same outputs in `Transformer`. Differences from the inference class: tokens are embedded by a
 * one-hot matmul (TF.js wasm has no gradient through `gather`), and only the encoder-classifier case
 * is covered (learned positions, no rotary, no cache, no causal mask).
 */
export class TrainableTransformer {
  readonly variables: tf.Variable[] = [];
  private readonly tokenEmbedding: tf.Variable;
  private readonly positionEmbedding: tf.Variable;
  private readonly layers: TrainableLayer[];
  private readonly finalNorm: NormTensors;
  private readonly classifierT: tf.Variable;
  private readonly classifierBias: tf.Variable | undefined;

  constructor(readonly config: TransformerConfig, initial: TransformerWeights) {
    validateConfig(config);
    if (!config.classifier || config.classifier.pooling !== 'first' || config.causal || config.positional !== 'learned') {
      throw new UsageError('TrainableTransformer covers non-causal classifiers with learned positions and first-token pooling',
        'set classifier.pooling "first", causal false, positional "learned"');
    }
    const { dim, vocabSize, hiddenDim, maxLength } = config;
    const qDim = config.heads * headDim(config);
    const kvDim = kvHeads(config) * headDim(config);
    const variable = (values: Float32Array, shape: number[]) => {
      const v = tf.variable(tf.tensor(values, shape), true);
      this.variables.push(v);
      return v;
    };
    const vector = (a: Float32Array | undefined) => (a ? variable(a, [a.length]) as tf.Variable<tf.Rank.R1> : undefined);
    // [out, in] to [in, out], the layout the building blocks multiply by.
    const transposed = (a: Float32Array, out: number, inner: number) => variable(transpose(a, out, inner), [inner, out]) as tf.Variable<tf.Rank.R2>;
    const norm = (n: NormWeights): NormTensors => ({ scale: vector(n.scale)!, bias: vector(n.bias) });
    this.tokenEmbedding = variable(initial.tokenEmbedding, [vocabSize, dim]);
    this.positionEmbedding = variable(initial.positionEmbedding!, [maxLength, dim]);
    this.layers = initial.layers.map((layer) => ({
      attentionNorm: norm(layer.attentionNorm),
      attention: {
        wqT: transposed(layer.wq, qDim, dim), wkT: transposed(layer.wk, kvDim, dim),
        wvT: transposed(layer.wv, kvDim, dim), woT: transposed(layer.wo, dim, qDim),
        bq: vector(layer.bq), bk: vector(layer.bk), bv: vector(layer.bv), bo: vector(layer.bo),
      },
      mlpNorm: norm(layer.mlpNorm),
      mlp: {
        w1T: transposed(layer.w1, hiddenDim, dim), w2T: transposed(layer.w2, dim, hiddenDim),
        w3T: layer.w3 ? transposed(layer.w3, hiddenDim, dim) : undefined,
        b1: vector(layer.b1), b2: vector(layer.b2),
      },
    }));
    this.finalNorm = norm(initial.finalNorm);
    this.classifierT = transposed(initial.classifier!.weight, config.classifier.classes, dim);
    this.classifierBias = vector(initial.classifier!.bias);
  }

  /** Class logits [batch, classes] of token ids [batch, length] padded on the right; padding [batch, length] is 1 for tokens. */
  forward(ids: tf.Tensor2D, padding: tf.Tensor2D): tf.Tensor2D {
    const config = this.config;
    const [batch, length] = ids.shape;
    const eps = config.normEps ?? 1e-5;
    return tf.tidy(() => {
      const oneHot = tf.oneHot(tf.reshape(tf.cast(ids, 'int32'), [-1]), config.vocabSize);
      let x = tf.reshape(tf.matMul(tf.cast(oneHot, 'float32'), this.tokenEmbedding), [batch, length, config.dim]) as tf.Tensor3D;
      x = tf.add(x, tf.slice(this.positionEmbedding, [0, 0], [length, config.dim]));
      const mask = tf.reshape(tf.mul(tf.sub(1, tf.cast(padding, 'float32')), MASKED), [batch, 1, 1, length]);
      const shape = { heads: config.heads, kvHeads: kvHeads(config), headDim: headDim(config) };
      for (const layer of this.layers) {
        const attended = selfAttention(applyNorm(x, config.norm, layer.attentionNorm, eps) as tf.Tensor3D, layer.attention, shape, undefined, mask);
        x = tf.add(x, attended.output);
        x = tf.add(x, feedForward(applyNorm(x, config.norm, layer.mlpNorm, eps), layer.mlp, config.mlp));
      }
      const normalised = applyNorm(x, config.norm, this.finalNorm, eps);
      const pooled = tf.reshape(tf.slice(normalised, [0, 0, 0], [batch, 1, config.dim]), [batch, config.dim]);
      return linear(pooled, this.classifierT as tf.Tensor2D, this.classifierBias as tf.Tensor1D | undefined) as tf.Tensor2D;
    });
  }

  /** The current values in the `Transformer`'s layout ([out, in] matrices). */
  exportWeights(): TransformerWeights {
    const values = (v: tf.Tensor) => new Float32Array(v.dataSync() as Float32Array);
    const untransposed = (v: tf.Tensor) => transpose(values(v), v.shape[0]!, v.shape[1]!);
    const norm = (n: NormTensors): NormWeights => ({ scale: values(n.scale), bias: n.bias ? values(n.bias) : undefined });
    const optional = (v: tf.Tensor | undefined) => (v ? values(v) : undefined);
    const layers: LayerWeights[] = this.layers.map((layer) => ({
      attentionNorm: norm(layer.attentionNorm),
      wq: untransposed(layer.attention.wqT), wk: untransposed(layer.attention.wkT),
      wv: untransposed(layer.attention.wvT), wo: untransposed(layer.attention.woT),
      bq: optional(layer.attention.bq), bk: optional(layer.attention.bk), bv: optional(layer.attention.bv), bo: optional(layer.attention.bo),
      mlpNorm: norm(layer.mlpNorm),
      w1: untransposed(layer.mlp.w1T), w2: untransposed(layer.mlp.w2T), w3: layer.mlp.w3T ? untransposed(layer.mlp.w3T) : undefined,
      b1: optional(layer.mlp.b1), b2: optional(layer.mlp.b2),
    }));
    return {
      tokenEmbedding: values(this.tokenEmbedding),
      positionEmbedding: values(this.positionEmbedding),
      layers,
      finalNorm: norm(this.finalNorm),
      classifier: { weight: untransposed(this.classifierT), bias: optional(this.classifierBias) },
    };
  }

  dispose(): void {
    this.variables.forEach((v) => v.dispose());
  }
}

/** Seeded initial weights for a gelu/layernorm classifier with biases: normal matrices (std 1/sqrt(fan-in), residual writes scaled down by sqrt(2 layers)), zero biases, unit norms. */
export function initialClassifierWeights(config: TransformerConfig, seed: number): TransformerWeights {
  const random = new Random(seed);
  const { dim, vocabSize, hiddenDim, maxLength, layers } = config;
  const classes = config.classifier!.classes;
  const qDim = config.heads * headDim(config);
  const kvDim = kvHeads(config) * headDim(config);
  const normal = (size: number, std: number) => random.fillNormal(new Float32Array(size), std);
  const zeros = (size: number) => new Float32Array(size);
  const norm = (): NormWeights => ({ scale: new Float32Array(dim).fill(1), bias: zeros(dim) });
  const residualScale = 1 / Math.sqrt(2 * layers);
  return {
    tokenEmbedding: normal(vocabSize * dim, 0.1),
    positionEmbedding: normal(maxLength * dim, 0.02),
    layers: Array.from({ length: layers }, () => ({
      attentionNorm: norm(),
      wq: normal(qDim * dim, 1 / Math.sqrt(dim)), wk: normal(kvDim * dim, 1 / Math.sqrt(dim)),
      wv: normal(kvDim * dim, 1 / Math.sqrt(dim)), wo: normal(dim * qDim, residualScale / Math.sqrt(qDim)),
      bq: zeros(qDim), bk: zeros(kvDim), bv: zeros(kvDim), bo: zeros(dim),
      mlpNorm: norm(),
      w1: normal(hiddenDim * dim, 1 / Math.sqrt(dim)), w2: normal(dim * hiddenDim, residualScale / Math.sqrt(hiddenDim)),
      b1: zeros(hiddenDim), b2: zeros(dim),
    })),
    finalNorm: norm(),
    classifier: { weight: normal(classes * dim, 1 / Math.sqrt(dim)), bias: zeros(classes) },
  };
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}
