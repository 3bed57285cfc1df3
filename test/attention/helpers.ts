import { Random } from '../../src/util/random.js';
import type { AttentionMaps } from '../../src/attention/types.js';

/** Softmax of normal logits (scaled by `sharpness`) per row; causal maps mask keys after the query. */
export function randomMaps(layers: number, heads: number, length: number, options: { causal?: boolean; seed?: number; sharpness?: number } = {}): AttentionMaps {
  const rng = new Random(options.seed ?? 1);
  const causal = options.causal ?? false;
  const s = options.sharpness ?? 2;
  const weights = new Float32Array(layers * heads * length * length);
  const row = new Float64Array(length);
  for (let r = 0; r < layers * heads * length; r++) {
    const q = r % length;
    let sum = 0;
    for (let k = 0; k < length; k++) {
      row[k] = causal && k > q ? 0 : Math.exp(s * rng.normal());
      sum += row[k];
    }
    for (let k = 0; k < length; k++) weights[r * length + k] = row[k] / sum;
  }
  return { tokens: Array.from({ length }, (_, i) => `t${i}`), layers, heads, length, causal, weights };
}

/** Maps from nested [layer][head][query][key] arrays. */
export function mapsFrom(nested: number[][][][], causal = false): AttentionMaps {
  const layers = nested.length;
  const heads = nested[0].length;
  const length = nested[0][0].length;
  return { tokens: Array.from({ length }, (_, i) => `t${i}`), layers, heads, length, causal, weights: Float32Array.from(nested.flat(3)) };
}

export function rowsOf(values: ArrayLike<number>, n: number): number[][] {
  return Array.from({ length: values.length / n }, (_, q) => Array.from({ length: n }, (_, k) => values[q * n + k]));
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = 'value'): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) throw new Error(`${what}[${i}] = ${actual[i]}, expected ${expected[i]} (tol ${tol})`);
  }
}

/** The tiny case worked by hand in rollout.test.ts and flow.test.ts: 2 layers, 2 heads, 3 tokens, causal. */
export const HAND_CASE = mapsFrom([
  [
    [[1, 0, 0], [1, 0, 0], [0.4, 0.2, 0.4]],
    [[1, 0, 0], [0, 1, 0], [0, 0.4, 0.6]],
  ],
  [
    [[1, 0, 0], [0.5, 0.5, 0], [0, 0.2, 0.8]],
    [[1, 0, 0], [0, 1, 0], [0.2, 0, 0.8]],
  ],
], true);
