import { checkPair, pearsonCorrelation } from './pearson.js';

/**
 * Spearman rank correlation (scipy.stats.spearmanr on two vectors): the Pearson correlation of the ranks,
 * tied values sharing the average of their ranks. NaN when either map is constant (no ranking).
 * Adebayo et al. 2018 compare saliency maps with it, with and without absolute values.
 */
export function spearmanCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPair(a, b, 'spearman');
  return pearsonCorrelation(averageRanks(a), averageRanks(b));
}

/** Ranks 1..n, ties given the mean of the ranks they span (scipy.stats.rankdata, method "average"). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Float64Array(n);
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    // Positions start..end-1 hold ranks start+1..end; their mean:
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}
