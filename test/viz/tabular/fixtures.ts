import { readFileSync } from 'node:fs';
import { TabularExplanation } from '../../../src/attribution/tabular-explanation.js';
import type { PartialDependence, SurrogateTree, TreeNode } from '../../../src/global/types.js';

/*
 * Real results to draw, from the committed breast-cancer logistic regression (test/data/reference/tabular.json,
 * scikit-learn 1.2.1): exact Shapley values in logit space, where the model is linear, so
 * phi_j = coef_j / scale_j * (x_j - mean of the background's x_j) and base value = logit(background mean).
 */
interface TabularReference {
  feature_names: string[];
  class_names: string[];
  X: number[][];
  train_idx: number[];
  test_idx: number[];
  scaler_mean: number[];
  scaler_scale: number[];
  coef: number[];
  intercept: number;
  explain_idx: number;
}

export const reference = JSON.parse(readFileSync(new URL('../../data/reference/tabular.json', import.meta.url), 'utf8')) as TabularReference;

export function logit(x: readonly number[]): number {
  const r = reference;
  return x.reduce((s, v, j) => s + r.coef[j] * (v - r.scaler_mean[j]) / r.scaler_scale[j], r.intercept);
}

export function probability(x: readonly number[]): number {
  return 1 / (1 + Math.exp(-logit(x)));
}

/** Exact logit-space Shapley values of the logistic model for `rows`, background = the training rows. */
export function logisticShap(rows: readonly number[][]): TabularExplanation {
  const r = reference;
  const background = r.train_idx.map((i) => r.X[i]);
  const mean = r.feature_names.map((_, j) => background.reduce((s, x) => s + x[j], 0) / background.length);
  const base = logit(mean);
  return new TabularExplanation({
    method: 'exact-linear-shap', params: { background: background.length }, model: 'breast-cancer logistic regression',
    target: 1, output: 'margin', featureNames: r.feature_names,
    values: rows.map((x) => [...x]),
    attributions: rows.map((x) => x.map((v, j) => r.coef[j] / r.scaler_scale[j] * (v - mean[j]))),
    baseValues: rows.map(() => base), predictions: rows.map((x) => logit(x)), timeMs: 0,
  });
}

export const testRows = (): number[][] => reference.test_idx.map((i) => reference.X[i]);
export const explainedRow = (): number[] => reference.X[reference.explain_idx];

/** Partial dependence of p(benign) on one feature over the test rows: grid at the 5th..95th percentiles. */
export function logisticPartialDependence(feature: number, points = 20): PartialDependence {
  const rows = testRows();
  const column = rows.map((x) => x[feature]).sort((a, b) => a - b);
  const q = (p: number) => {
    const pos = p * (column.length - 1);
    const lo = Math.floor(pos);
    return column[lo] + (column[Math.ceil(pos)] - column[lo]) * (pos - lo);
  };
  const grid = Array.from({ length: points }, (_, k) => q(0.05 + 0.9 * k / (points - 1)));
  const ice = rows.map((x) => grid.map((g) => probability(x.map((v, j) => (j === feature ? g : v)))));
  const average = grid.map((_, k) => ice.reduce((s, c) => s + c[k], 0) / ice.length);
  return { feature: reference.feature_names[feature], featureIndex: feature, grid, average, ice, rowValues: rows.map((x) => x[feature]), target: 1 };
}

/** A small CART regression tree fitted (variance reduction) to the model's p(benign) on the training rows. */
export function logisticSurrogate(maxDepth = 3): SurrogateTree {
  const r = reference;
  const X = r.train_idx.map((i) => r.X[i]);
  const y = X.map((x) => probability(x));
  const mean = (idx: number[]) => idx.reduce((s, i) => s + y[i], 0) / idx.length;
  const sse = (idx: number[]) => { const m = mean(idx); return idx.reduce((s, i) => s + (y[i] - m) ** 2, 0); };
  const grow = (idx: number[], depth: number): TreeNode => {
    const value = [mean(idx)];
    if (depth >= maxDepth || idx.length < 10) return { kind: 'leaf', samples: idx.length, value };
    let best: { f: number; t: number; gain: number; l: number[]; r: number[] } | undefined;
    const total = sse(idx);
    for (let f = 0; f < r.feature_names.length; f++) {
      const sorted = [...idx].sort((a, b) => X[a][f] - X[b][f]);
      let sumL = 0; let sqL = 0;
      const sumAll = sorted.reduce((s, i) => s + y[i], 0);
      const sqAll = sorted.reduce((s, i) => s + y[i] ** 2, 0);
      for (let k = 0; k < sorted.length - 1; k++) {
        sumL += y[sorted[k]]; sqL += y[sorted[k]] ** 2;
        if (X[sorted[k]][f] === X[sorted[k + 1]][f] || k < 4 || sorted.length - k - 1 < 5) continue;
        const nl = k + 1; const nr = sorted.length - nl;
        const s = sqL - sumL ** 2 / nl + (sqAll - sqL) - (sumAll - sumL) ** 2 / nr;
        const gain = total - s;
        if (!best || gain > best.gain) best = { f, t: (X[sorted[k]][f] + X[sorted[k + 1]][f]) / 2, gain, l: sorted.slice(0, nl), r: sorted.slice(nl) };
      }
    }
    if (!best || best.gain <= 1e-12) return { kind: 'leaf', samples: idx.length, value };
    return {
      kind: 'split', feature: best.f, featureName: r.feature_names[best.f], threshold: best.t, missing: 'left',
      samples: idx.length, value, gain: best.gain, left: grow(best.l, depth + 1), right: grow(best.r, depth + 1),
    };
  };
  const root = grow(X.map((_, i) => i), 0);
  const predict = (node: TreeNode, x: number[]): number => (node.kind === 'leaf' ? node.value[0] : predict(x[node.feature] <= node.threshold ? node.left : node.right, x));
  const m = y.reduce((s, v) => s + v, 0) / y.length;
  const fidelity = 1 - X.reduce((s, x, i) => s + (predict(root, x) - y[i]) ** 2, 0) / y.reduce((s, v) => s + (v - m) ** 2, 0);
  return { task: 'regression', featureNames: r.feature_names, root, maxDepth, fidelity, fidelityMetric: 'r2', target: 1 };
}
