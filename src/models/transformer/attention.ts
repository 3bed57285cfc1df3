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

export interface AttentionResult {
  /** The block's output [batch, length, dim], bias included. */
  output: tf.Tensor3D;
  /** [batch, heads, query, key]; rows sum to 1. */
  weights: tf.Tensor4D;
  /** Each head's share of the output before the bias, [batch, heads, length, dim], when asked for. */
  headOutputs?: tf.Tensor4D;
  /** Keys (rotated) and values of the past and the new positions, [batch, kvHeads, past + length, headDim]. */
  present: KeyValues;
}

/** Cached keys (after RoPE) and values of earlier positions, before the grouped-query repeat. */
export interface KeyValues {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

/**
 * Multi-head self-attention on normalised inputs x [batch, length, dim]. `mask` is added to the
 * scores before the softmax (0 where allowed, a large negative where not): [query, key] or
 * [batch, 1, query, key]. With `queryAt`, only that position queries (the output, weights and head
 * outputs have one query row), e.g. a classifier's last layer, whose pooled position is all it reads.
 */
export function selfAttention(x: tf.Tensor3D, weights: AttentionTensors, shape: AttentionShape,
  rotary: RotaryTables | undefined, mask: tf.Tensor | undefined, headOutputs = false, past?: KeyValues,
  queryAt?: number, probe?: tf.Tensor4D): AttentionResult {
  return tf.tidy(() => {
    const [b, length] = x.shape;
    const queries = queryAt === undefined ? x : tf.slice(x, [0, queryAt, 0], [b, 1, x.shape[2]]);
    const t = queries.shape[1];
    // Scaled before the product: q is headDim wide where the scores are length wide.
    let q = splitHeads(tf.mul(linear(queries, weights.wqT, weights.bq), 1 / Math.sqrt(shape.headDim)), shape.heads, shape.headDim);
    let k = splitHeads(linear(x, weights.wkT, weights.bk), shape.kvHeads, shape.headDim);
    let v = splitHeads(linear(x, weights.wvT, weights.bv), shape.kvHeads, shape.headDim);
    if (rotary) {
      q = applyRotary(q, queryAt === undefined ? rotary : rotaryRow(rotary, queryAt));
      k = applyRotary(k, rotary);
    }
    if (queryAt !== undefined && mask && mask.shape[mask.rank - 2] === length && length > 1) {
      const begin = mask.shape.map((_, i) => (i === mask!.rank - 2 ? queryAt : 0));
      const size = mask.shape.map((n, i) => (i === mask!.rank - 2 ? 1 : n));
      mask = tf.slice(mask, begin, size);
    }
    if (past) {
      k = tf.concat([past.k, k], 2);
      v = tf.concat([past.v, v], 2);
    }
    const present = { k, v };
    k = repeatKv(k, shape.heads / shape.kvHeads);
    v = repeatKv(v, shape.heads / shape.kvHeads);
    // k transposed explicitly: wasm's batched matmul with transposeB is several times slower.
    let scores = tf.matMul(q, tf.transpose(k, [0, 1, 3, 2]));
    if (mask) scores = tf.add(scores, mask);
    let attention = tf.softmax(scores) as tf.Tensor4D;
    // A zero added after the softmax: its gradient is the output's gradient with respect to the weights.
    if (probe) attention = tf.add(attention, probe);
    const values = tf.matMul(attention, v) as tf.Tensor4D;
    const mixed = tf.reshape(tf.transpose(values, [0, 2, 1, 3]), [b, t, shape.heads * shape.headDim]);
    const result: AttentionResult = { output: linear(mixed, weights.woT, weights.bo) as tf.Tensor3D, weights: attention, present };
    if (headOutputs) result.headOutputs = perHeadOutputs(values, weights.woT, shape);
    return result as unknown as tf.TensorContainer;
  }) as unknown as AttentionResult;
}

/** The rotary tables of one position. */
function rotaryRow(tables: RotaryTables, position: number): RotaryTables {
  const d = tables.cos.shape[1];
  return { cos: tf.slice(tables.cos, [position, 0], [1, d]), sin: tf.slice(tables.sin, [position, 0], [1, d]), rotate: tables.rotate };
}

/** Head h's values [.., h, t, headDim] through its rows of Wo: the output is the sum over heads (plus bo). */
function perHeadOutputs(values: tf.Tensor4D, woT: tf.Tensor2D, shape: AttentionShape): tf.Tensor4D {
  const [b, h, t, d] = values.shape;
  const dim = woT.shape[1];
  const byHead = tf.reshape(tf.transpose(values, [1, 0, 2, 3]), [h, b * t, d]);
  const projected = tf.matMul(byHead, tf.reshape(woT, [shape.heads, shape.headDim, dim]));
  return tf.transpose(tf.reshape(projected, [h, b, t, dim]), [1, 0, 2, 3]) as tf.Tensor4D;
}
