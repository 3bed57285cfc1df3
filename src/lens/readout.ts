import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import type { Transformer } from '../models/transformer/transformer.js';

/**
 * The linear pieces of a language model's readout, recovered through the public forward functions
 * so no weights need exposing: the final norm's gain g and shift b, and the unembedding rows of some
 * tokens. Probing with basis vectors e_i: RMSNorm(e_i)_i = g_i / sqrt(1/d + eps); LayerNorm(e_i)_i =
 * g_i (1 - 1/d) / sqrt((1/d)(1 - 1/d) + eps) + b_i, with b = LayerNorm(0); unembed(e_i)_t = U[t, i].
 */
export interface Readout {
  kind: 'layernorm' | 'rmsnorm';
  eps: number;
  dim: number;
  gain: Float64Array;
  /** Zeros for RMSNorm. */
  shift: Float64Array;
  /** Unembedding rows of the requested tokens, [tokens.length][dim]. */
  rows: Float64Array[];
}

export function readout(transformer: Transformer, tokenIds: readonly number[]): Readout {
  const config = transformer.config;
  if (config.classifier) throw new UsageError(`${transformer.name} is a classifier: it has no unembedding`, 'lenses and direct logit attribution need a language model');
  const dim = config.dim;
  const eps = config.normEps ?? 1e-5;
  const [normed, shifted, unembedded] = tf.tidy(() => {
    const basis = tf.eye(dim);
    return [transformer.finalNorm(basis), transformer.finalNorm(tf.zeros([1, dim])), transformer.unembed(basis)];
  });
  try {
    const y = normed.dataSync();
    const b = Float64Array.from(shifted.dataSync());
    const u = unembedded.dataSync();
    const vocab = config.vocabSize;
    const gain = new Float64Array(dim);
    const shift = config.norm === 'layernorm' ? b : new Float64Array(dim);
    const factor = config.norm === 'rmsnorm'
      ? 1 / Math.sqrt(1 / dim + eps)
      : (1 - 1 / dim) / Math.sqrt((1 / dim) * (1 - 1 / dim) + eps);
    for (let i = 0; i < dim; i++) gain[i] = (y[i * dim + i] - shift[i]) / factor;
    const rows = tokenIds.map((t) => {
      const row = new Float64Array(dim);
      for (let i = 0; i < dim; i++) row[i] = u[i * vocab + t];
      return row;
    });
    return { kind: config.norm, eps, dim, gain, shift, rows };
  } finally {
    tf.dispose([normed, shifted, unembedded]);
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
