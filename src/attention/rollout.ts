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

/** Whether an n x n matrix has only zeros above the diagonal (a causal map). */
function isLowerTriangular(a: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (a[i * n + j] !== 0) return false;
  return true;
}

/**
 * c = a · b for n x n row-major matrices, in 4 x 4 tiles whose sixteen sums stay in registers (a is
 * read through a transposed copy so each step loads four adjacent values of a and of b): about 3x the
 * plain i-k-j loop at n = 512. When both are lower-triangular (causal maps) the sum for tile (i, j)
 * runs over k in [j, i + 3] only, a sixth of the work.
 */
export function multiplySquare(a: Float64Array, b: Float64Array, c: Float64Array, n: number, scratch = new Float64Array(n * n)): void {
  const at = scratch;
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) at[k * n + i] = a[i * n + k];
  const lower = isLowerTriangular(a, n) && isLowerTriangular(b, n);
  const n4 = n - (n % 4);
  c.fill(0);
  for (let i = 0; i < n4; i += 4) {
    for (let j = 0; j < n4; j += 4) {
      if (lower && j > i + 3) break;
      const kFrom = lower ? j : 0;
      const kTo = lower ? Math.min(n, i + 4) : n;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = kFrom; k < kTo; k++) {
        const ak = k * n + i;
        const bk = k * n + j;
        const a0 = at[ak], a1 = at[ak + 1], a2 = at[ak + 2], a3 = at[ak + 3];
        const b0 = b[bk], b1 = b[bk + 1], b2 = b[bk + 2], b3 = b[bk + 3];
        s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
        s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
        s20 += a2 * b0; s21 += a2 * b1; s22 += a2 * b2; s23 += a2 * b3;
        s30 += a3 * b0; s31 += a3 * b1; s32 += a3 * b2; s33 += a3 * b3;
      }
      let o = i * n + j;
      c[o] = s00; c[o + 1] = s01; c[o + 2] = s02; c[o + 3] = s03; o += n;
      c[o] = s10; c[o + 1] = s11; c[o + 2] = s12; c[o + 3] = s13; o += n;
      c[o] = s20; c[o + 1] = s21; c[o + 2] = s22; c[o + 3] = s23; o += n;
      c[o] = s30; c[o + 1] = s31; c[o + 2] = s32; c[o + 3] = s33;
    }
  }
  // The last n mod 4 rows and columns, entry by entry.
  for (let i = 0; i < n; i++) {
    for (let j = i < n4 ? n4 : 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += a[i * n + k] * b[k * n + j];
      c[i * n + j] = sum;
    }
  }
}

/** The rollout after every layer from `fromLayer` to `toLayer` (entry i is the product up to layer fromLayer + i). */
export function attentionRolloutLayers(maps: AttentionMaps, options: RolloutOptions = {}): TokenMatrix[] {
  const { r, fusion, from, to } = resolve(maps, options);
  const n = maps.length;
  const out: TokenMatrix[] = [];
  rolloutProduct(maps, from, to, fusion, r, (joint) => out.push({ tokens: [...maps.tokens], length: n, values: Float32Array.from(joint) }));
  return out;
}

/**
 * The rolled-out product from layer `from` to `to`, built in place; `each` sees it after every layer
 * (the buffer is reused: copy what you keep).
 */
function rolloutProduct(maps: AttentionMaps, from: number, to: number, fusion: HeadFusion, r: number, each?: (joint: Float64Array) => void): Float64Array {
  const n = maps.length;
  let joint: Float64Array = residualAttention(maps, from, fusion, r, new Float64Array(n * n));
  each?.(joint);
  const layer = new Float64Array(n * n);
  const scratch = new Float64Array(n * n);
  let next: Float64Array = new Float64Array(n * n);
  for (let l = from + 1; l <= to; l++) {
    residualAttention(maps, l, fusion, r, layer);
    multiplySquare(layer, joint, next, n, scratch);
    [joint, next] = [next, joint];
    each?.(joint);
  }
  return joint;
}

/** Attention rollout up to `toLayer` (default the last layer): row q is output q's mix of input tokens. */
export function attentionRollout(maps: AttentionMaps, options: RolloutOptions = {}): TokenMatrix {
  const { r, fusion, from, to } = resolve(maps, options);
  const n = maps.length;
  const joint = rolloutProduct(maps, from, to, fusion, r);
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
