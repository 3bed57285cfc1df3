import { UsageError } from '../errors.js';
import { checkFusion, fuseHeadsInto, type HeadFusion } from './aggregate.js';
import { checkAttentionMaps, checkLayer, checkPosition } from './check.js';
import type { AttentionMaps, TokenMatrix } from './types.js';

/**
 * Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers", eq. 1):
 *
 *   Â_l = rownormalise((1 - r) * fuse_h(A_l,h) + r * I)        r = residualWeight, default 0.5
 *   R   = Â_to · Â_(to-1) · ... · Â_from                        (multiplied from the first layer up)
 *
 * Row q of R is how much of output position q, after layer `to`, comes from each input token,
 * tracing attention through the residual connections. With the mean over heads the rows of every Â
 * already sum to 1; renormalising matters for max/min fusion and for maps that are not exact softmaxes.
 */
export interface RolloutOptions {
  /** Weight of the identity standing for the residual connection, in [0, 1); default 0.5 as in the paper. */
  residualWeight?: number;
  /** How each layer's heads are combined first, default 'mean' (the paper). */
  headFusion?: HeadFusion;
  /** First layer multiplied in, default 0. */
  fromLayer?: number;
  /** Last layer multiplied in, default the last one. */
  toLayer?: number;
}

interface Resolved { r: number; fusion: HeadFusion; from: number; to: number }

function resolve(maps: AttentionMaps, options: RolloutOptions): Resolved {
  checkAttentionMaps(maps);
  const r = options.residualWeight ?? 0.5;
  if (!(r >= 0 && r < 1)) throw new UsageError(`residual weight ${r} is out of range`, 'use a weight in [0, 1), e.g. 0.5 as Abnar & Zuidema');
  const fusion = options.headFusion ?? 'mean';
  checkFusion(fusion);
  const from = options.fromLayer ?? 0;
  const to = options.toLayer ?? maps.layers - 1;
  checkLayer(maps, from);
  checkLayer(maps, to);
  if (from > to) throw new UsageError(`rollout from layer ${from} to layer ${to} runs backwards`, 'give fromLayer <= toLayer');
  return { r, fusion, from, to };
}

/**
 * Layer `layer`'s heads fused, mixed with the identity and row-normalised, into `out`. Shared with
 * attention flow, whose edge capacities are exactly these matrices.
 */
export function residualAttention(maps: AttentionMaps, layer: number, fusion: HeadFusion, residualWeight: number, out: Float64Array): Float64Array {
  const n = maps.length;
  fuseHeadsInto(maps, layer, fusion, out);
  for (let q = 0; q < n; q++) {
    const row = q * n;
    let s = 0;
    for (let k = 0; k < n; k++) {
      const v = (1 - residualWeight) * out[row + k] + (k === q ? residualWeight : 0);
      out[row + k] = v;
      s += v;
    }
    // s >= residualWeight > 0 unless r = 0 and a row is all zeros (a masked padding query): leave it zero.
    if (s > 0) for (let k = 0; k < n; k++) out[row + k] /= s;
  }
  return out;
}

/**
 * c = a · b for n x n row-major matrices. Four rows of c at a time, so each row of b is read once per
 * four (2x faster than the plain i-k-j loop at n = 512); zero blocks of a skipped, so causal
 * (triangular) maps cost about half.
 */
export function multiplySquare(a: Float64Array, b: Float64Array, c: Float64Array, n: number): void {
  c.fill(0);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const c0 = i * n;
    const c1 = c0 + n;
    const c2 = c1 + n;
    const c3 = c2 + n;
    for (let k = 0; k < n; k++) {
      const a0 = a[c0 + k];
      const a1 = a[c1 + k];
      const a2 = a[c2 + k];
      const a3 = a[c3 + k];
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) {
        const v = b[bk + j];
        c[c0 + j] += a0 * v;
        c[c1 + j] += a1 * v;
        c[c2 + j] += a2 * v;
        c[c3 + j] += a3 * v;
      }
    }
  }
  for (; i < n; i++) {
    const ci = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[ci + k];
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) c[ci + j] += aik * b[bk + j];
    }
  }
}

/** The rollout after every layer from `fromLayer` to `toLayer` (entry i is the product up to layer fromLayer + i). */
export function attentionRolloutLayers(maps: AttentionMaps, options: RolloutOptions = {}): TokenMatrix[] {
  const { r, fusion, from, to } = resolve(maps, options);
  const n = maps.length;
  let joint: Float64Array = residualAttention(maps, from, fusion, r, new Float64Array(n * n));
  const out: TokenMatrix[] = [{ tokens: [...maps.tokens], length: n, values: Float32Array.from(joint) }];
  const layer = new Float64Array(n * n);
  let next: Float64Array = new Float64Array(n * n);
  for (let l = from + 1; l <= to; l++) {
    residualAttention(maps, l, fusion, r, layer);
    multiplySquare(layer, joint, next, n);
    [joint, next] = [next, joint];
    out.push({ tokens: [...maps.tokens], length: n, values: Float32Array.from(joint) });
  }
  return out;
}

/** Attention rollout up to `toLayer` (default the last layer): row q is output q's mix of input tokens. */
export function attentionRollout(maps: AttentionMaps, options: RolloutOptions = {}): TokenMatrix {
  const { r, fusion, from, to } = resolve(maps, options);
  const n = maps.length;
  let joint: Float64Array = residualAttention(maps, from, fusion, r, new Float64Array(n * n));
  const layer = new Float64Array(n * n);
  let next: Float64Array = new Float64Array(n * n);
  for (let l = from + 1; l <= to; l++) {
    residualAttention(maps, l, fusion, r, layer);
    multiplySquare(layer, joint, next, n);
    [joint, next] = [next, joint];
  }
  return { tokens: [...maps.tokens], length: n, values: Float32Array.from(joint) };
}

/**
 * Rows of the rollout only (e.g. the class token's, or the last position's): each row is carried down
 * as a vector, v <- v · Â_l from the top layer, O(layers x n^2) per row instead of O(layers x n^3).
 * `values` holds one row of `length` per requested output.
 */
export function attentionRolloutRows(maps: AttentionMaps, outputs: readonly number[], options: RolloutOptions = {}): { tokens: string[]; length: number; outputs: number[]; values: Float32Array } {
  const { r, fusion, from, to } = resolve(maps, options);
  const n = maps.length;
  if (outputs.length === 0) throw new UsageError('no output positions to roll attention out for', 'give at least one position');
  outputs.forEach((q) => checkPosition(n, q, 'output position'));
  const rows = outputs.map((q) => { const v = new Float64Array(n); v[q] = 1; return v; });
  const layer = new Float64Array(n * n);
  const next = new Float64Array(n);
  for (let l = to; l >= from; l--) {
    residualAttention(maps, l, fusion, r, layer);
    for (const v of rows) {
      next.fill(0);
      for (let k = 0; k < n; k++) {
        const vk = v[k];
        if (vk === 0) continue;
        for (let j = 0; j < n; j++) next[j] += vk * layer[k * n + j];
      }
      v.set(next);
    }
  }
  const values = new Float32Array(outputs.length * n);
  rows.forEach((v, i) => values.set(v, i * n));
  return { tokens: [...maps.tokens], length: n, outputs: [...outputs], values };
}
