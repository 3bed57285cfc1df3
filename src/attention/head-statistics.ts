import { checkAttentionMaps, checkPosition } from './check.js';
import type { AttentionMaps } from './types.js';

/**
 * Per-head summaries, the numbers behind "this head attends to the previous token", "this head parks
 * on [SEP]" (Clark et al. 2019, "What Does BERT Look At?"). Every statistic is a mean over queries;
 * tables are [layer][head].
 */
export interface HeadStatistics {
  layers: number;
  heads: number;
  /** Mean entropy of a query's distribution, in nats: 0 = one key, log(n) = uniform. */
  entropy: number[][];
  /**
   * Mean entropy over log(number of keys the query may see) (n, or q + 1 when causal), so 0..1 across
   * lengths; queries that see one key only are left out.
   */
  normalizedEntropy: number[][];
  /** Mean attention distance sum_k a[q][k] |q - k|, in tokens. */
  meanDistance: number[][];
  /** Mean weight of a query on itself. */
  selfAttention: number[][];
  /** Mean weight on the token just before the query (queries 1..n-1). */
  previousTokenAttention: number[][];
  /** The special positions given ([CLS], [SEP], BOS...). */
  specialPositions: number[];
  /** Mean total weight on the special positions. */
  specialAttention: number[][];
}

export interface HeadStatisticsOptions {
  /** Positions of special tokens ([CLS] at 0, [SEP] at the end, BOS...); default none. */
  specialPositions?: readonly number[];
}

/** Positions whose token is one of `specials` (e.g. ['[CLS]', '[SEP]'] or ['<s>']). */
export function specialTokenPositions(tokens: readonly string[], specials: readonly string[] = ['[CLS]', '[SEP]', '<s>', '</s>', '<bos>', '<eos>', '<|endoftext|>']): number[] {
  const set = new Set(specials);
  return tokens.flatMap((t, i) => (set.has(t) ? [i] : []));
}

export function headStatistics(maps: AttentionMaps, options: HeadStatisticsOptions = {}): HeadStatistics {
  checkAttentionMaps(maps);
  const special = [...new Set(options.specialPositions ?? [])].sort((a, b) => a - b);
  special.forEach((p) => checkPosition(maps.length, p, 'special position'));
  const n = maps.length;
  const table = () => Array.from({ length: maps.layers }, () => new Array<number>(maps.heads).fill(0));
  const out: HeadStatistics = {
    layers: maps.layers, heads: maps.heads, entropy: table(), normalizedEntropy: table(), meanDistance: table(),
    selfAttention: table(), previousTokenAttention: table(), specialPositions: special, specialAttention: table(),
  };
  const w = maps.weights;
  for (let l = 0; l < maps.layers; l++) {
    for (let h = 0; h < maps.heads; h++) {
      const base = (l * maps.heads + h) * n * n;
      let ent = 0;
      let normEnt = 0;
      let normCount = 0;
      let dist = 0;
      let self = 0;
      let prev = 0;
      let spec = 0;
      for (let q = 0; q < n; q++) {
        const row = base + q * n;
        let e = 0;
        let d = 0;
        for (let k = 0; k < n; k++) {
          const a = w[row + k];
          if (a > 0) e -= a * Math.log(a);
          d += a * Math.abs(q - k);
        }
        ent += e;
        dist += d;
        const visible = maps.causal ? q + 1 : n;
        if (visible > 1) {
          normEnt += e / Math.log(visible);
          normCount++;
        }
        self += w[row + q];
        if (q > 0) prev += w[row + q - 1];
        for (const p of special) spec += w[row + p];
      }
      out.entropy[l][h] = ent / n;
      out.normalizedEntropy[l][h] = normCount ? normEnt / normCount : 0;
      out.meanDistance[l][h] = dist / n;
      out.selfAttention[l][h] = self / n;
      out.previousTokenAttention[l][h] = n > 1 ? prev / (n - 1) : 0;
      out.specialAttention[l][h] = spec / n;
    }
  }
  return out;
}
