import { UsageError } from '../../errors.js';
import type { TabularModel } from '../../models/tabular/model.js';
import type { Matrix } from '../../tabular/matrix.js';
import { Random, checkSeed } from '../../util/random.js';
import type { TabularExplanation } from '../tabular-explanation.js';
import { gameEnds, type CoalitionGame } from './game.js';
import type { CoalitionShapleyResult } from './shapley-result.js';
import { explainTabularRows, type TabularShapleyOptions } from './tabular-runner.js';

export interface PermutationShapGameOptions {
  /** Antithetic permutations (each walked forward and backward). */
  permutations?: number;
  /**
   * Budget in game evaluations when `permutations` is not given, counted as shap does: 2M + 1 per
   * permutation. Default 500 (shap's PermutationExplainer call default), or 'auto' = 20M (shap's
   * explain_row default: 9 permutations for M >= 5) when 500 would not pay for two permutations.
   */
  maxEvals?: number | 'auto';
  seed?: number;
  random?: Random;
  /** v(all) and v(none) when known; otherwise evaluated. */
  ends?: { full: number; empty: number };
  /** Coalitions per game.value call (default 8192). */
  batchCoalitions?: number;
  onProgress?: (done: number, total: number) => void;
}

export function permutationCount(m: number, options: Pick<PermutationShapGameOptions, 'permutations' | 'maxEvals'>): number {
  if (options.permutations !== undefined) {
    const k = options.permutations;
    if (!Number.isInteger(k) || k < 1) throw new UsageError(`permutations must be a positive integer, got ${k}`, 'pass e.g. permutations: 10');
    return k;
  }
  const maxEvals = options.maxEvals ?? (500 >= 2 * (2 * m + 1) ? 500 : 'auto');
  const evals = maxEvals === 'auto' ? 20 * m : maxEvals;
  if (!Number.isInteger(evals) || evals < 1) throw new UsageError(`maxEvals must be 'auto' or a positive integer, got ${maxEvals}`, "pass e.g. maxEvals: 'auto'");
  const k = Math.floor(evals / (2 * m + 1));
  if (k < 1) {
    throw new UsageError(`maxEvals = ${evals} is too low for permutation Shapley values of ${m} players: one antithetic permutation takes 2M + 1 = ${2 * m + 1} evaluations`,
      `pass maxEvals of at least ${2 * m + 1}, or permutations: 1`);
  }
  return k;
}

/**
 * Permutation Shapley values with antithetic sampling, as shap's PermutationExplainer: each random
 * permutation adds the players one by one (forward: marginal contributions v(prefix + i) - v(prefix))
 * and then removes them in the same order (backward: the reversed permutation's contributions).
 * Every walk adds up to v(all) - v(none), so the average satisfies efficiency exactly. The standard
 * error per player is the standard deviation over permutations of the forward/backward mean,
 * divided by sqrt(permutations) (the pair is the independent unit).
 */
export async function permutationShapGame(game: CoalitionGame, options: PermutationShapGameOptions = {}): Promise<CoalitionShapleyResult> {
  const m = game.players;
  const k = permutationCount(m, options);
  const random = options.random ?? new Random(checkSeed(options.seed ?? 0));
  const ends = options.ends ?? (await gameEnds(game));
  const base = { baseValue: ends.empty, fullValue: ends.full };
  if (m === 0) return { values: new Float64Array(0), ...base, evaluations: 0, exact: true };
  const batch = options.batchCoalitions ?? 8192;
  // Per permutation, the 2M - 2 coalitions strictly between none and all: forward prefixes of
  // length 1..M-1, then the full set minus prefixes of length 1..M-1.
  const inner = 2 * m - 2;
  const perBatch = Math.max(1, Math.floor(batch / Math.max(1, inner)));
  // Welford running mean and squared deviations of the per-permutation (forward + backward) / 2.
  const means = new Float64Array(m);
  const squares = new Float64Array(m);
  let seen = 0;
  const order = Int32Array.from({ length: m }, (_, j) => j);
  const pairMean = new Float64Array(m);
  let evaluations = 0;
  for (let done = 0; done < k; done += perBatch) {
    const count = Math.min(perBatch, k - done);
    const orders: Int32Array[] = [];
    const masks = new Uint8Array(count * inner * m);
    for (let p = 0; p < count; p++) {
      // Fisher-Yates shuffle, continuing from the previous order.
      for (let i = m - 1; i > 0; i--) {
        const j = random.int(i + 1);
        const t = order[i]; order[i] = order[j]; order[j] = t;
      }
      const o = Int32Array.from(order);
      orders.push(o);
      const base0 = p * inner * m;
      for (let s = 1; s < m; s++) {
        const fwd = base0 + (s - 1) * m;
        const bwd = base0 + (m - 1 + s - 1) * m;
        masks.fill(1, bwd, bwd + m);
        for (let t = 0; t < s; t++) {
          masks[fwd + o[t]] = 1;
          masks[bwd + o[t]] = 0;
        }
      }
    }
    const v = inner > 0 ? await game.value(masks, count * inner) : new Float64Array(0);
    evaluations += count * inner;
    for (let p = 0; p < count; p++) {
      const o = orders[p];
      const off = p * inner;
      // Forward chain: none, prefixes 1..M-1, all. Backward chain: all, all minus prefixes 1..M-1, none.
      const fwdAt = (s: number) => (s === 0 ? ends.empty : s === m ? ends.full : v[off + s - 1]);
      const bwdAt = (s: number) => (s === 0 ? ends.full : s === m ? ends.empty : v[off + m - 1 + s - 1]);
      for (let s = 0; s < m; s++) {
        const i = o[s];
        const forward = fwdAt(s + 1) - fwdAt(s);
        const backward = bwdAt(s) - bwdAt(s + 1);
        pairMean[i] = (forward + backward) / 2;
      }
      seen++;
      for (let i = 0; i < m; i++) {
        const delta = pairMean[i] - means[i];
        means[i] += delta / seen;
        squares[i] += delta * (pairMean[i] - means[i]);
      }
    }
    options.onProgress?.(done + count, k);
  }
  const values = means;
  const result: CoalitionShapleyResult = { values, ...base, evaluations: evaluations + 2, exact: false, details: { permutations: k } };
  if (k >= 2) {
    const se = new Float64Array(m);
    for (let i = 0; i < m; i++) se[i] = Math.sqrt(squares[i] / (k - 1) / k);
    result.standardErrors = se;
  }
  return result;
}

export interface PermutationShapOptions extends TabularShapleyOptions {
  permutations?: number;
  maxEvals?: number | 'auto';
}

/** shap's PermutationExplainer for a tabular model over a background. */
export class PermutationShap {
  constructor(private readonly model: TabularModel) {}

  async explain(rows: Matrix, options: PermutationShapOptions): Promise<TabularExplanation> {
    const budget = options.permutations !== undefined ? { permutations: options.permutations }
      : options.maxEvals !== undefined ? { maxEvals: options.maxEvals } : {};
    // Validate the budget up front, for the full player count.
    permutationCount(options.groups?.length ?? this.model.info.numFeatures, budget);
    return explainTabularRows(this.model, rows, options, {
      method: 'permutation-shap',
      params: options.permutations !== undefined ? { permutations: options.permutations } : { maxEvals: options.maxEvals ?? 'default (500, or 20M when that buys under two permutations)' },
      estimate: (game, ctx) => permutationShapGame(game, { ...budget, random: ctx.random, ends: ctx.ends, onProgress: ctx.onProgress }),
    });
  }
}
