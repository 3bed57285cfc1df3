import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import type { Transformer } from '../models/transformer/transformer.js';

/**
 * The linear pieces of a model's readout, recovered through the public forward functions so no
 * weights need exposing: the final norm's gain g and shift b, and the rows of some outputs in the
 * readout matrix (the unembedding of a language model, the classifier of a classifier) with their
 * biases. Probing with basis vectors e_i: RMSNorm(e_i)_i = g_i / sqrt(1/d + eps); LayerNorm(e_i)_i =
 * g_i (1 - 1/d) / sqrt((1/d)(1 - 1/d) + eps) + b_i, with b = LayerNorm(0); unembed(e_i)_t = U[t, i];
 * classify(e_i)_c - classify(0)_c = W[c, i], and classify(0)_c is the class bias.
 */
export interface Readout {
  kind: 'layernorm' | 'rmsnorm';
  eps: number;
  dim: number;
  gain: Float64Array;
  /** Zeros for RMSNorm. */
  shift: Float64Array;
  /** Readout rows of the requested tokens or classes, [ids.length][dim]. */
  rows: Float64Array[];
  /** Their output biases (the classifier's; zeros for an unembedding, which has none here). */
  biases: Float64Array;
}

/** `ids`: token ids of a language model, or class indices of a classifier. */
export function readout(transformer: Transformer, ids: readonly number[]): Readout {
  const config = transformer.config;
  const dim = config.dim;
  const eps = config.normEps ?? 1e-5;
  const classifier = config.classifier !== undefined;
  const [normed, shifted, unembedded, zeroOutput] = tf.tidy(() => {
    const basis = tf.eye(dim);
    const zero = tf.zeros([1, dim]);
    return classifier
      ? [transformer.finalNorm(basis), transformer.finalNorm(zero), transformer.classify(basis), transformer.classify(zero)]
      : [transformer.finalNorm(basis), transformer.finalNorm(zero), transformer.unembed(basis), tf.zeros([1, config.vocabSize])];
  });
  try {
    const y = normed.dataSync();
    const b = Float64Array.from(shifted.dataSync());
    const outputBias = zeroOutput.dataSync();
    const u = unembedded.dataSync();
    const vocab = transformer.numOutputs;
    const gain = new Float64Array(dim);
    const shift = config.norm === 'layernorm' ? b : new Float64Array(dim);
    const factor = config.norm === 'rmsnorm'
      ? 1 / Math.sqrt(1 / dim + eps)
      : (1 - 1 / dim) / Math.sqrt((1 / dim) * (1 - 1 / dim) + eps);
    for (let i = 0; i < dim; i++) gain[i] = (y[i * dim + i] - shift[i]) / factor;
    const rows = ids.map((t) => {
      const row = new Float64Array(dim);
      for (let i = 0; i < dim; i++) row[i] = u[i * vocab + t] - outputBias[t];
      return row;
    });
    return { kind: config.norm, eps, dim, gain, shift, rows, biases: Float64Array.from(ids, (t) => outputBias[t]) };
  } finally {
    tf.dispose([normed, shifted, unembedded, zeroOutput]);
  }
}

/** The norm's scale on one residual vector, frozen for the decomposition: 1/sqrt(mean(x^2)+eps) or 1/sqrt(var(x)+eps). */
export function normScale(r: Readout, x: ArrayLike<number>, start: number): number {
  let mean = 0;
  if (r.kind === 'layernorm') {
    for (let i = 0; i < r.dim; i++) mean += x[start + i];
    mean /= r.dim;
  }
  let sq = 0;
  for (let i = 0; i < r.dim; i++) sq += (x[start + i] - mean) ** 2;
  return 1 / Math.sqrt(sq / r.dim + r.eps);
}
