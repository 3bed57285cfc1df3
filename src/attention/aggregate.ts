import { UsageError } from '../errors.js';
import { checkAttentionMaps, checkLayer } from './check.js';
import type { AttentionMaps, TokenMatrix } from './types.js';

/** How a layer's heads become one map: their mean, or the elementwise max or min. */
export type HeadFusion = 'mean' | 'max' | 'min';

export const HEAD_FUSIONS: readonly HeadFusion[] = ['mean', 'max', 'min'];

export function checkFusion(fusion: string): asserts fusion is HeadFusion {
  if (!(HEAD_FUSIONS as readonly string[]).includes(fusion)) {
    throw new UsageError(`unknown head fusion "${fusion}"`, `use one of ${HEAD_FUSIONS.join(', ')}`);
  }
}

/** Layer `layer`'s heads fused into `out` (length^2, Float64 so products downstream keep precision). */
export function fuseHeadsInto(maps: AttentionMaps, layer: number, fusion: HeadFusion, out: Float64Array): Float64Array {
  const n2 = maps.length * maps.length;
  const base = layer * maps.heads * n2;
  const w = maps.weights;
  if (fusion === 'mean') {
    out.fill(0);
    for (let h = 0; h < maps.heads; h++) {
      const o = base + h * n2;
      for (let i = 0; i < n2; i++) out[i] += w[o + i];
    }
    for (let i = 0; i < n2; i++) out[i] /= maps.heads;
  } else {
    for (let i = 0; i < n2; i++) out[i] = w[base + i];
    const better = fusion === 'max' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
    for (let h = 1; h < maps.heads; h++) {
      const o = base + h * n2;
      for (let i = 0; i < n2; i++) if (better(w[o + i], out[i])) out[i] = w[o + i];
    }
  }
  return out;
}

/**
 * One layer's heads fused into a single query x key map. The mean of distributions is a distribution;
 * the max and min are not (rows do not sum to 1), which is what shows a head's peaks.
 */
export function aggregateHeads(maps: AttentionMaps, layer: number, fusion: HeadFusion = 'mean'): TokenMatrix {
  checkAttentionMaps(maps);
  checkLayer(maps, layer);
  checkFusion(fusion);
  const out = fuseHeadsInto(maps, layer, fusion, new Float64Array(maps.length * maps.length));
  return { tokens: [...maps.tokens], length: maps.length, values: Float32Array.from(out) };
}

/** Every layer's heads fused: an AttentionMaps with one head per layer. */
export function aggregateAllHeads(maps: AttentionMaps, fusion: HeadFusion = 'mean'): AttentionMaps {
  checkAttentionMaps(maps);
  checkFusion(fusion);
  const n2 = maps.length * maps.length;
  const weights = new Float32Array(maps.layers * n2);
  const tmp = new Float64Array(n2);
  for (let l = 0; l < maps.layers; l++) weights.set(fuseHeadsInto(maps, l, fusion, tmp), l * n2);
  return { tokens: [...maps.tokens], layers: maps.layers, heads: 1, length: maps.length, causal: maps.causal, weights };
}

/** The mean over layers and heads (the simplest "where does the model look" summary). */
export function meanAttention(maps: AttentionMaps): TokenMatrix {
  const fused = aggregateAllHeads(maps, 'mean');
  const n2 = maps.length * maps.length;
  const out = new Float64Array(n2);
  for (let l = 0; l < maps.layers; l++) for (let i = 0; i < n2; i++) out[i] += fused.weights[l * n2 + i] / maps.layers;
  return { tokens: [...maps.tokens], length: maps.length, values: Float32Array.from(out) };
}
