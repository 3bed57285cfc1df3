import { UsageError } from '../errors.js';
import { checkAttentionMaps, checkLayer } from './check.js';
import type { AttentionMaps, TokenMatrix } from './types.js';

/**
 * Gradient-weighted attention (Chefer, Gur & Wolf 2021, "Generic Attention-model Explainability for
 * Interpreting Bi-Modal and Encoder-Decoder Transformers", eq. 5):
 *
 *   Ā_l = mean_h ( relu( ∂y/∂A_l,h ⊙ A_l,h ) )
 *
 * the attention of each head weighted by how much the explained output y moves with it, negative
 * contributions clipped, averaged over heads. Gradients have the layout of the maps:
 * [layer][head][query][key]. The relevance rollout (eq. 6) then starts from R = I and for each layer
 * from the first up adds R += Ā_l · R: row q of R is how much each input token matters for output q,
 * self-relevance included on the diagonal (1 + ...); drop the diagonal when showing one row.
 */
export interface GradientWeightedOptions {
  /** Keep negative products instead of clipping them at zero (default false: relu as in the paper). */
  keepNegative?: boolean;
}

function checkGradients(maps: AttentionMaps, gradients: Float32Array): void {
  checkAttentionMaps(maps);
  if (!(gradients instanceof Float32Array) || gradients.length !== maps.weights.length) {
    throw new UsageError(`the attention gradients hold ${gradients?.length ?? 0} values, the maps ${maps.weights.length}`,
      'pass the gradient of the explained output with respect to every attention weight, laid out [layer][head][query][key] like the maps');
  }
  for (let i = 0; i < gradients.length; i++) {
    if (!Number.isFinite(gradients[i])) throw new UsageError(`attention gradient ${i} is ${gradients[i]}`, 'pass finite gradients');
  }
}

/** Ā_l for one layer as a query x key matrix (formula above). */
export function gradientWeightedLayer(maps: AttentionMaps, gradients: Float32Array, layer: number, options: GradientWeightedOptions = {}): TokenMatrix {
  checkGradients(maps, gradients);
  checkLayer(maps, layer);
  return { tokens: [...maps.tokens], length: maps.length, values: Float32Array.from(weightedLayer(maps, gradients, layer, options.keepNegative ?? false)) };
}

function weightedLayer(maps: AttentionMaps, g: Float32Array, layer: number, keepNegative: boolean): Float64Array {
  const n2 = maps.length * maps.length;
  const out = new Float64Array(n2);
  for (let h = 0; h < maps.heads; h++) {
    const o = (layer * maps.heads + h) * n2;
    for (let i = 0; i < n2; i++) {
      const v = g[o + i] * maps.weights[o + i];
      out[i] += keepNegative || v > 0 ? v : 0;
    }
  }
  for (let i = 0; i < n2; i++) out[i] /= maps.heads;
  return out;
}

/** Every layer's Ā_l, as an AttentionMaps with one head per layer (weights are relevances, not probabilities). */
export function gradientWeightedAttention(maps: AttentionMaps, gradients: Float32Array, options: GradientWeightedOptions = {}): AttentionMaps {
  checkGradients(maps, gradients);
  const n2 = maps.length * maps.length;
  const weights = new Float32Array(maps.layers * n2);
  for (let l = 0; l < maps.layers; l++) weights.set(weightedLayer(maps, gradients, l, options.keepNegative ?? false), l * n2);
  return { tokens: [...maps.tokens], layers: maps.layers, heads: 1, length: maps.length, causal: maps.causal, weights };
}

/** Chefer et al.'s relevance rollout: R = I, then R += Ā_l · R for each layer from the first. */
export function gradientWeightedRollout(maps: AttentionMaps, gradients: Float32Array, options: GradientWeightedOptions = {}): TokenMatrix {
  checkGradients(maps, gradients);
  const n = maps.length;
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) r[i * n + i] = 1;
  const add = new Float64Array(n * n);
  for (let l = 0; l < maps.layers; l++) {
    const a = weightedLayer(maps, gradients, l, options.keepNegative ?? false);
    add.fill(0);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        const aik = a[i * n + k];
        if (aik === 0) continue;
        for (let j = 0; j < n; j++) add[i * n + j] += aik * r[k * n + j];
      }
    }
    for (let i = 0; i < n * n; i++) r[i] += add[i];
  }
  return { tokens: [...maps.tokens], length: n, values: Float32Array.from(r) };
}
