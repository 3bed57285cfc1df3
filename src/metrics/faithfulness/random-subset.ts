import type { Random } from '../../util/random.js';

/** `size` distinct indices from 0 .. n-1, uniformly (a partial Fisher-Yates shuffle of `scratch`, which holds 0 .. n-1). */
export function randomSubset(scratch: Int32Array, size: number, random: Random): Int32Array {
  const n = scratch.length;
  for (let i = 0; i < size; i++) {
    const j = i + random.int(n - i);
    const t = scratch[i];
    scratch[i] = scratch[j];
    scratch[j] = t;
  }
  return scratch.slice(0, size);
}
