/**
 * The scores permutation importance compares, with sklearn's definitions (higher is better for all,
 * hence the negated errors): accuracy_score, r2_score, neg_mean_squared_error, neg_log_loss.
 */
import { UsageError } from '../errors.js';
import type { Matrix } from '../tabular/matrix.js';

export type ScoreMetric = 'accuracy' | 'r2' | 'neg-mse' | 'neg-log-loss';
export const SCORE_METRICS: readonly ScoreMetric[] = ['accuracy', 'r2', 'neg-mse', 'neg-log-loss'];

export function accuracy(y: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === predicted[i]) correct++;
  return correct / y.length;
}

/** 1 - SS_res / SS_tot; like sklearn, 1 for a perfect fit of constant y and 0 for an imperfect one. */
export function r2(y: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i];
  mean /= y.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < y.length; i++) {
    res += (y[i] - predicted[i]) ** 2;
    tot += (y[i] - mean) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

export function negMse(y: ArrayLike<number>, predicted: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i] - predicted[i]) ** 2;
  return -s / y.length;
}

/**
 * Minus the mean cross-entropy of the true classes under `probabilities` [rows, classes]. Rows are
 * renormalised and clipped to [eps, 1 - eps] with sklearn 1.2's eps (float64 machine epsilon).
 */
export function negLogLoss(y: ArrayLike<number>, probabilities: Matrix): number {
  const eps = 2.220446049250313e-16;
  let s = 0;
  const k = probabilities.cols;
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (!Number.isInteger(c) || c < 0 || c >= k) {
      throw new UsageError(`label ${c} of row ${i} is not a class index from 0 to ${k - 1}`, 'encode labels as class indices matching the model outputs');
    }
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.min(1 - eps, Math.max(eps, probabilities.data[i * k + j]));
    const p = Math.min(1 - eps, Math.max(eps, probabilities.data[i * k + c])) / sum;
    s -= Math.log(p);
  }
  return -s / y.length;
}
