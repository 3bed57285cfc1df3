import type { Random } from '../../util/random.js';

/** How features are ranked before they are removed or revealed. */
export type FeatureOrder = 'most-relevant-first' | 'least-relevant-first' | 'random';

export const FEATURE_ORDERS: readonly FeatureOrder[] = ['most-relevant-first', 'least-relevant-first', 'random'];

/**
 * Feature indices in the order they are perturbed: by attribution (signed, or by magnitude with `abs`),
 * ties kept in index order so the ranking is reproducible; 'random' is a seeded shuffle, the control
 * every explanation should beat.
 */
export function featureOrder(attribution: ArrayLike<number>, order: FeatureOrder, random: Random, abs = false): Int32Array {
  const n = attribution.length;
  const indices = Array.from({ length: n }, (_, i) => i);
  if (order === 'random') return Int32Array.from(random.shuffle(indices));
  const value = (i: number): number => {
    const v = abs ? Math.abs(attribution[i]) : attribution[i];
    // NaN attributions rank as the least relevant in either order: they say nothing.
    return Number.isNaN(v) ? (order === 'most-relevant-first' ? -Infinity : Infinity) : v;
  };
  const sign = order === 'most-relevant-first' ? -1 : 1;
  indices.sort((a, b) => sign * (value(a) - value(b)) || a - b);
  return Int32Array.from(indices);
}
