/**
 * numpy.percentile with its default 'linear' method on already sorted values: the virtual index
 * (n - 1) q, and numpy's two-sided lerp (from below when the fraction is under 0.5, from above
 * otherwise), so bin edges agree with lime's to the last bit.
 */
export function percentileSorted(sorted: ArrayLike<number>, percent: number): number {
  const n = sorted.length;
  const index = (n - 1) * (percent / 100);
  const below = Math.floor(index);
  const above = Math.min(below + 1, n - 1);
  const t = index - below;
  const a = sorted[below];
  const b = sorted[above];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
