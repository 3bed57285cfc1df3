import { UsageError } from '../../errors.js';
import type { TabularModel } from '../../models/tabular/model.js';
import type { Matrix } from '../../tabular/matrix.js';
import type { TabularExplanation } from '../tabular-explanation.js';
import type { CoalitionGame } from './game.js';
import type { CoalitionShapleyResult } from './shapley-result.js';
import { explainTabularRows, type TabularShapleyOptions } from './tabular-runner.js';

/** 2^20 coalitions (about a million game values) is where exact enumeration stops being interactive. */
export const MAX_EXACT_PLAYERS = 20;

export interface ExactShapleyGameOptions {
  /** Coalitions per game.value call (default 8192). */
  batchCoalitions?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Exact Shapley values by enumerating all 2^M coalitions:
 *   phi_i = sum over S not containing i of |S|! (M - |S| - 1)! / M! * (v(S + i) - v(S)).
 * Coalition c is the bitmask with bit i set when player i is present.
 */
export async function exactShapleyGame(game: CoalitionGame, options: ExactShapleyGameOptions = {}): Promise<CoalitionShapleyResult> {
  const m = game.players;
  if (m > MAX_EXACT_PLAYERS) {
    throw new UsageError(
      `exact Shapley values need all 2^${m} = ${2 ** m} coalitions of ${m} players; the limit is ${MAX_EXACT_PLAYERS} players (${2 ** MAX_EXACT_PLAYERS} coalitions)`,
      'group features into at most 20 groups (groups option), or estimate by sampling: kernel-shap or permutation-shap',
    );
  }
  const batch = options.batchCoalitions ?? 8192;
  if (!Number.isInteger(batch) || batch < 1) throw new UsageError(`batchCoalitions must be a positive integer, got ${batch}`, 'pass e.g. 8192');
  const total = 2 ** m;
  const v = new Float64Array(total);
  for (let start = 0; start < total; start += batch) {
    const n = Math.min(batch, total - start);
    const masks = new Uint8Array(n * m);
    for (let c = 0; c < n; c++) for (let i = 0; i < m; i++) masks[c * m + i] = ((start + c) >> i) & 1;
    v.set(await game.value(masks, n), start);
    options.onProgress?.(start + n, total);
  }
  // weight[s] = s! (M - s - 1)! / M! = 1 / (M * binom(M - 1, s)).
  const weight = new Float64Array(Math.max(m, 1));
  let binom = 1;
  for (let s = 0; s < m; s++) {
    weight[s] = 1 / (m * binom);
    binom = Math.round((binom * (m - 1 - s)) / (s + 1));
  }
  const popcount = new Uint8Array(total);
  for (let c = 1; c < total; c++) popcount[c] = popcount[c >> 1] + (c & 1);
  const values = new Float64Array(m);
  for (let c = 0; c < total; c++) {
    const w = weight[popcount[c]];
    for (let i = 0; i < m; i++) {
      const bit = 1 << i;
      if (c & bit) continue;
      values[i] += w * (v[c | bit] - v[c]);
    }
  }
  return { values, standardErrors: new Float64Array(m), baseValue: v[0], fullValue: v[total - 1], evaluations: total, exact: true };
}

/** Exact Shapley values of a tabular model's rows over a background (players: features or groups). */
export class ExactShapley {
  constructor(private readonly model: TabularModel) {}

  async explain(rows: Matrix, options: TabularShapleyOptions): Promise<TabularExplanation> {
    const players = options.groups?.length ?? this.model.info.numFeatures;
    if (players > MAX_EXACT_PLAYERS) {
      throw new UsageError(
        `exact Shapley values over ${players} ${options.groups ? 'groups' : 'features'} would need 2^${players} coalitions per row; the limit is ${MAX_EXACT_PLAYERS}`,
        'group features into at most 20 groups (groups option), or use kernel-shap or permutation-shap',
      );
    }
    return explainTabularRows(this.model, rows, options, {
      method: 'exact-shapley',
      params: {},
      estimate: (game, ctx) => exactShapleyGame(game, { onProgress: ctx.onProgress }),
    });
  }
}
