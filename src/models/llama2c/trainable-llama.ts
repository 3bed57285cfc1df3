import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import { Random } from '../../util/random.js';
import { headDim, kvHeads, validateConfig, type TransformerConfig } from '../transformer/config.js';
import type { LayerWeights, TransformerWeights } from '../transformer/weights.js';
import type { NormTensors } from '../transformer/norm.js';
import type { AttentionTensors } from '../transformer/attention.js';
import type { MlpTensors } from '../transformer/mlp.js';
import { applyRotary, rotaryTables } from '../transformer/rotary.js';

const MASKED = -1e9;

interface TrainableLayer {
  attentionNorm: NormTensors;
  attention: AttentionTensors;
  mlpNorm: NormTensors;
  mlp: MlpTensors;
}

/**
 * A Llama-style causal language model (rmsnorm, swiglu, rotary, tied embeddings, no biases) over
 * tf.variables, for training. The forward is the `Transformer`'s, written with matmuls whose
 * gradients stay on wasm's fast path (about 4x faster a step); scripts/train-lm.ts checks that the
 * exported weights give the same logits in `Transformer`.
 */
export class TrainableLlama {
  readonly variables: tf.Variable[] = [];
  private readonly tokenEmbedding: tf.Variable;
  private readonly layers: TrainableLayer[];
  private readonly finalNorm: NormTensors;

  constructor(readonly config: TransformerConfig, initial: TransformerWeights) {
    validateConfig(config);
    if (config.classifier || !config.causal || config.positional !== 'rotary' || config.norm !== 'rmsnorm'
      || config.mlp !== 'swiglu' || !config.tiedUnembedding) {
      throw new UsageError('TrainableLlama covers causal rmsnorm/swiglu/rotary language models with a tied unembedding',
        'set norm "rmsnorm", mlp "swiglu", positional "rotary", causal true, tiedUnembedding true and no classifier');
    }
    const { dim, vocabSize, hiddenDim } = config;
    const qDim = config.heads * headDim(config);
    const kvDim = kvHeads(config) * headDim(config);
    const variable = (values: Float32Array, shape: number[]) => {
      const v = tf.variable(tf.tensor(values, shape), true);
      this.variables.push(v);
      return v;
    };
    const transposed = (a: Float32Array, out: number, inner: number) => variable(transpose(a, out, inner), [inner, out]) as tf.Variable<tf.Rank.R2>;
    const norm = (scale: Float32Array): NormTensors => ({ scale: variable(scale, [dim]) as tf.Variable<tf.Rank.R1> });
    this.tokenEmbedding = variable(initial.tokenEmbedding, [vocabSize, dim]);
    this.layers = initial.layers.map((layer) => ({
      attentionNorm: norm(layer.attentionNorm.scale),
      attention: {
        wqT: transposed(layer.wq, qDim, dim), wkT: transposed(layer.wk, kvDim, dim),
        wvT: transposed(layer.wv, kvDim, dim), woT: transposed(layer.wo, dim, qDim),
      },
      mlpNorm: norm(layer.mlpNorm.scale),
      mlp: {
        w1T: transposed(layer.w1, hiddenDim, dim), w2T: transposed(layer.w2, dim, hiddenDim),
        w3T: transposed(layer.w3!, hiddenDim, dim),
      },
    }));
    this.finalNorm = norm(initial.finalNorm.scale);
  }

  /** Next-token logits [batch, length, vocab] of token ids [batch, length]. */
  forward(ids: tf.Tensor2D): tf.Tensor3D {
    const config = this.config;
    const [batch, length] = ids.shape;
    const eps = config.normEps ?? 1e-5;
    const { dim, heads } = config;
    const size = headDim(config);
    const kv = kvHeads(config);
    return tf.tidy(() => {
      let x = tf.reshape(embed(this.tokenEmbedding, tf.reshape(tf.cast(ids, 'int32'), [-1])), [batch * length, dim]);
      const rotary = rotaryTables(length, 0, size, config.ropeTheta ?? 10000);
      const mask = causalMask(length);
      const split = (y: tf.Tensor, n: number) => tf.transpose(tf.reshape(y, [batch, length, n, size]), [0, 2, 1, 3]) as tf.Tensor4D;
      const repeat = (y: tf.Tensor4D) => (kv === heads ? y
        : tf.reshape(tf.tile(tf.reshape(y, [batch * kv, 1, length * size]), [1, heads / kv, 1]), [batch, heads, length, size]));
      for (const layer of this.layers) {
        const h = rmsNorm(x, layer.attentionNorm.scale, eps);
        const q = applyRotary(split(fastMatMul(h, layer.attention.wqT), heads), rotary);
        const k = repeat(applyRotary(split(fastMatMul(h, layer.attention.wkT), kv), rotary));
        const v = repeat(split(fastMatMul(h, layer.attention.wvT), kv));
        const scores = tf.add(tf.mul(fastMatMul(q, tf.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(size)), mask);
        const mixed = tf.reshape(tf.transpose(fastMatMul(tf.softmax(scores), v), [0, 2, 1, 3]), [batch * length, heads * size]);
        x = tf.add(x, fastMatMul(mixed, layer.attention.woT));
        const g = rmsNorm(x, layer.mlpNorm.scale, eps);
        const gate = fastMatMul(g, layer.mlp.w1T);
        const hidden = tf.mul(tf.mul(gate, tf.sigmoid(gate)), fastMatMul(g, layer.mlp.w3T!));
        x = tf.add(x, fastMatMul(hidden, layer.mlp.w2T));
      }
      const normalised = rmsNorm(x, this.finalNorm.scale, eps);
      // The tied unembedding: logits = normalised @ embedding^T (transposed explicitly, see fastMatMul).
      return tf.reshape(fastMatMul(normalised, tf.transpose(this.tokenEmbedding)), [batch, length, config.vocabSize]) as tf.Tensor3D;
    });
  }

  /** Mean next-token cross-entropy (nats) of inputs [batch, length] against targets [batch, length]; weights [batch, length] (1 counts, 0 skips). */
  loss(inputs: tf.Tensor2D, targets: tf.Tensor2D, weights?: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const logits = this.forward(inputs);
      const logProbabilities = tf.logSoftmax(logits);
      const picked = tf.sum(tf.mul(logProbabilities, tf.oneHot(tf.cast(targets, 'int32'), this.config.vocabSize)), 2);
      if (!weights) return tf.neg(tf.mean(picked)) as tf.Scalar;
      return tf.div(tf.neg(tf.sum(tf.mul(picked, weights))), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
    });
  }

  /** The current values in the `Transformer`'s layout ([out, in] matrices). */
  exportWeights(): TransformerWeights {
    const values = (v: tf.Tensor) => new Float32Array(v.dataSync() as Float32Array);
    const untransposed = (v: tf.Tensor) => transpose(values(v), v.shape[0]!, v.shape[1]!);
    const layers: LayerWeights[] = this.layers.map((layer) => ({
      attentionNorm: { scale: values(layer.attentionNorm.scale) },
      wq: untransposed(layer.attention.wqT), wk: untransposed(layer.attention.wkT),
      wv: untransposed(layer.attention.wvT), wo: untransposed(layer.attention.woT),
      mlpNorm: { scale: values(layer.mlpNorm.scale) },
      w1: untransposed(layer.mlp.w1T), w2: untransposed(layer.mlp.w2T), w3: untransposed(layer.mlp.w3T!),
    }));
    return { tokenEmbedding: values(this.tokenEmbedding), layers, finalNorm: { scale: values(this.finalNorm.scale) } };
  }

  dispose(): void {
    this.variables.forEach((v) => v.dispose());
  }
}

/**
 * Seeded initial weights as llama2.c's model.py: normal(0, 0.02) matrices and embeddings, the
 * residual writes (wo, w2) scaled by 1/sqrt(2 layers), unit norms.
 */
export function initialLlamaWeights(config: TransformerConfig, seed: number): TransformerWeights {
  const random = new Random(seed);
  const { dim, vocabSize, hiddenDim, layers } = config;
  const qDim = config.heads * headDim(config);
  const kvDim = kvHeads(config) * headDim(config);
  const normal = (size: number, std: number) => random.fillNormal(new Float32Array(size), std);
  const ones = () => new Float32Array(dim).fill(1);
  const residual = 0.02 / Math.sqrt(2 * layers);
  return {
    tokenEmbedding: normal(vocabSize * dim, 0.02),
    layers: Array.from({ length: layers }, () => ({
      attentionNorm: { scale: ones() },
      wq: normal(qDim * dim, 0.02), wk: normal(kvDim * dim, 0.02), wv: normal(kvDim * dim, 0.02), wo: normal(dim * qDim, residual),
      mlpNorm: { scale: ones() },
      w1: normal(hiddenDim * dim, 0.02), w2: normal(dim * hiddenDim, residual), w3: normal(hiddenDim * dim, 0.02),
    })),
    finalNorm: { scale: ones() },
  };
}

/** RMSNorm over the last axis, as the Transformer's norm.ts. */
function rmsNorm(x: tf.Tensor, scale: tf.Tensor, eps: number): tf.Tensor {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), scale);
}

function swapLastAxes(x: tf.Tensor): tf.Tensor {
  const axes = x.shape.map((_, i) => i);
  [axes[axes.length - 2], axes[axes.length - 1]] = [axes[axes.length - 1], axes[axes.length - 2]];
  return tf.transpose(x, axes);
}

/**
 * a @ b (rank 2, or rank 4 with equal batch axes) whose gradient transposes explicitly: TF.js's
 * own matMul gradient multiplies with transpose flags, which on wasm leave XNNPACK for a loop
 * 5-20x slower (measured: 1.3-1.8 s against 0.04-0.4 s for a [2048, 1024] operand).
 */
const fastMatMul = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, swapLastAxes(saved[1]) as tf.Tensor2D),
      tf.matMul(swapLastAxes(saved[0]) as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * Rows of the embedding table: a gather forward; as gradient dy^T @ one-hot, transposed (only the
 * small [dim, vocab] result is), since wasm has no kernel for gather's own gradient.
 */
const embed = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [table, ids, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([ids]);
  const vocab = table.shape[0];
  return {
    value: tf.gather(table, ids as tf.Tensor1D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const oneHot = tf.cast(tf.oneHot(saved[0] as tf.Tensor1D, vocab), 'float32');
      return [tf.transpose(tf.matMul(tf.transpose(dy) as tf.Tensor2D, oneHot as tf.Tensor2D)), tf.zerosLike(saved[0])];
    },
  };
}) as (table: tf.Tensor, ids: tf.Tensor) => tf.Tensor;

function causalMask(length: number): tf.Tensor2D {
  const mask = new Float32Array(length * length);
  for (let q = 0; q < length; q++) for (let k = q + 1; k < length; k++) mask[q * length + k] = MASKED;
  return tf.tensor2d(mask, [length, length]);
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}
