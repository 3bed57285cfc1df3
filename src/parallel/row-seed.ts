/**
 * The seed of row `index`'s random stream under a run seed: each row draws from its own stream, so a
 * row's result does not depend on which rows come before it, how rows are split between worker
 * threads, or in which order they finish. Row 0 keeps the run seed itself, so explaining one row gives
 * what the single-game functions (kernelShapGame, permutationShapGame) give with that seed.
 */
export function rowSeed(seed: number, index: number): number {
  if (index === 0) return seed >>> 0;
  // murmur3's 32-bit finaliser over seed and index: neighbouring indices get unrelated seeds (mulberry32
  // streams of nearby states overlap, so seed + index would not do).
  let h = (seed ^ Math.imul(index, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
