import * as tf from '@tensorflow/tfjs';
import { linear } from './linear.js';
import { applyRotary, type RotaryTables } from './rotary.js';

export interface AttentionTensors {
  wqT: tf.Tensor2D;
  wkT: tf.Tensor2D;
  wvT: tf.Tensor2D;
  woT: tf.Tensor2D;
  bq?: tf.Tensor1D;
  bk?: tf.Tensor1D;
  bv?: tf.Tensor1D;
  bo?: tf.Tensor1D;
}

export interface AttentionShape {
  heads: number;
  kvHeads: number;
  headDim: number;
}

/** [b, t, heads * d] -> [b, heads, t, d] */
function splitHeads(x: tf.Tensor, heads: number, headDim: number): tf.Tensor4D {
  const [b, t] = x.shape;
  return tf.transpose(tf.reshape(x, [b, t, heads, headDim]), [0, 2, 1, 3]) as tf.Tensor4D;
}

/** Grouped-query attention: query head h reads key/value head floor(h / (heads / kvHeads)). */
function repeatKv(x: tf.Tensor4D, repeats: number): tf.Tensor4D {
  if (repeats === 1) return x;
  const [b, kv, t, d] = x.shape;
  // Rank 3: TF.js has no tile gradient above rank 4.
  const tiled = tf.tile(tf.reshape(x, [b * kv, 1, t * d]), [1, repeats, 1]);
  return tf.reshape(tiled, [b, kv * repeats, t, d]) as tf.Tensor4D;
}

/**
 * Multi-head self-attention on normalised inputs x [batch, length, dim]. Returns the block's output
 * [batch, length, dim] and the attention weights [batch, heads, query, key] (rows sum to 1).
 * `mask` is added to the scores before the softmax (0 where allowed, a large negative where not).
 */
export function selfAttention(x: tf.Tensor3D, weights: AttentionTensors, shape: AttentionShape,
  rotary: RotaryTables | undefined, mask: tf.Tensor2D | undefined): { output: tf.Tensor3D; weights: tf.Tensor4D } {
  return tf.tidy(() => {
    const [b, t] = x.shape;
    let q = splitHeads(linear(x, weights.wqT, weights.bq), shape.heads, shape.headDim);
    let k = splitHeads(linear(x, weights.wkT, weights.bk), shape.kvHeads, shape.headDim);
    const v = repeatKv(splitHeads(linear(x, weights.wvT, weights.bv), shape.kvHeads, shape.headDim), shape.heads / shape.kvHeads);
    if (rotary) {
      q = applyRotary(q, rotary);
      k = applyRotary(k, rotary);
    }
    k = repeatKv(k, shape.heads / shape.kvHeads);
    // k transposed explicitly: wasm's batched matmul with transposeB is several times slower.
    let scores = tf.mul(tf.matMul(q, tf.transpose(k, [0, 1, 3, 2])), 1 / Math.sqrt(shape.headDim));
    if (mask) scores = tf.add(scores, mask);
    const attention = tf.softmax(scores) as tf.Tensor4D;
    const mixed = tf.reshape(tf.transpose(tf.matMul(attention, v), [0, 2, 1, 3]), [b, t, shape.heads * shape.headDim]);
    return { output: linear(mixed, weights.woT, weights.bo) as tf.Tensor3D, weights: attention };
  });
}
