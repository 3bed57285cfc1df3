import type { DistanceKernel } from './distance.js';

/**
 * Algorithm 4 of Malkov & Yashunin (without extending or keeping pruned candidates, as hnswlib): take
 * candidates nearest first, and keep one only if it is nearer to the base than to every one kept so far.
 * Links then point in diverse directions, which keeps clusters connected to each other.
 */
export function selectNeighbors(
  ids: Int32Array,
  distances: Float64Array,
  count: number,
  maxLinks: number,
  data: Float32Array,
  dim: number,
  distance: DistanceKernel,
  out: Int32Array,
): number {
  if (count <= maxLinks) {
    for (let i = 0; i < count; i++) out[i] = ids[i]!;
    return count;
  }
  let kept = 0;
  for (let i = 0; i < count && kept < maxLinks; i++) {
    const candidate = ids[i]!;
    const toBase = distances[i]!;
    let good = true;
    for (let j = 0; j < kept; j++) {
      if (distance(data, candidate * dim, data, out[j]! * dim, dim) < toBase) {
        good = false;
        break;
      }
    }
    if (good) out[kept++] = candidate;
  }
  return kept;
}

/** Sorts parallel id and distance arrays (first `count` entries) by distance, ascending. */
export function sortByDistance(ids: Int32Array, distances: Float64Array, count: number): void {
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => distances[a]! - distances[b]! || ids[a]! - ids[b]!);
  const idsCopy = ids.slice(0, count);
  const distancesCopy = distances.slice(0, count);
  for (let i = 0; i < count; i++) {
    ids[i] = idsCopy[order[i]!]!;
    distances[i] = distancesCopy[order[i]!]!;
  }
}
