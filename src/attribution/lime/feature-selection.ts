import { UsageError } from '../../errors.js';
import type { Matrix } from '../../tabular/matrix.js';
import { larsPath } from '../../stats/lars.js';
import { ridgeFromGram } from './ridge.js';
import type { WeightedGram } from './weighted-gram.js';

/**
 * lime's ways of picking the features the surrogate may use (LimeBase.feature_selection):
 * - `none`: all of them;
 * - `forward_selection`: greedily add the feature whose unregularised weighted fit (Ridge alpha=0)
 *   scores the best R^2;
 * - `highest_weights`: the largest |coef * x0| of one Ridge(alpha=0.01) fit on all features;
 * - `lasso_path`: the last step of the weighted LARS-lasso path with at most numFeatures non-zero;
 * - `auto`: forward selection for up to 6 features, highest weights above.
 */
export type FeatureSelection = 'none' | 'forward_selection' | 'highest_weights' | 'lasso_path' | 'auto';

export const featureSelections: readonly FeatureSelection[] = ['none', 'forward_selection', 'highest_weights', 'lasso_path', 'auto'];

export interface SelectionInputs {
  data: Matrix;
  labels: Float64Array;
  weights: Float64Array;
  gram: WeightedGram;
  numFeatures: number;
}

export function checkFeatureSelection(method: string): FeatureSelection {
  if (!(featureSelections as readonly string[]).includes(method)) {
    throw new UsageError(`unknown feature selection "${method}"`, `use one of ${featureSelections.join(', ')}`);
  }
  return method as FeatureSelection;
}

export function selectFeatures(method: FeatureSelection, inputs: SelectionInputs): number[] {
  const p = inputs.data.cols;
  switch (method) {
    case 'none':
      return Array.from({ length: p }, (_, j) => j);
    case 'forward_selection':
      return forwardSelection(inputs.gram, inputs.numFeatures);
    case 'highest_weights':
      return highestWeights(inputs);
    case 'lasso_path':
      return lassoPath(inputs);
    case 'auto':
      return selectFeatures(inputs.numFeatures <= 6 ? 'forward_selection' : 'highest_weights', inputs);
  }
}

function forwardSelection(gram: WeightedGram, numFeatures: number): number[] {
  const used: number[] = [];
  for (let step = 0; step < Math.min(numFeatures, gram.features); step++) {
    // lime starts from -1e8 and keeps the first feature on ties.
    let best = 0;
    let max = -100000000;
    for (let f = 0; f < gram.features; f++) {
      if (used.includes(f)) continue;
      const { score } = ridgeFromGram(gram, [...used, f], 0);
      if (score > max) {
        max = score;
        best = f;
      }
    }
    used.push(best);
  }
  return used;
}

function highestWeights({ data, gram, numFeatures }: SelectionInputs): number[] {
  const all = Array.from({ length: data.cols }, (_, j) => j);
  const { coef } = ridgeFromGram(gram, all, 0.01);
  // Weighted by the explained instance (row 0); Array.sort is stable, as Python's sorted is.
  const weighted = all.map((j) => ({ j, w: Math.abs(coef[j] * data.data[j]) }));
  weighted.sort((a, b) => b.w - a.w);
  return weighted.slice(0, numFeatures).map((e) => e.j);
}

function lassoPath({ data, labels, weights, gram, numFeatures }: SelectionInputs): number[] {
  const { rows: n, cols: p } = data;
  // lime centres on the weighted means and scales rows by sqrt(weight) before running lars_path.
  const x = { rows: n, cols: p, data: new Float64Array(n * p) };
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = Math.sqrt(weights[i]);
    for (let j = 0; j < p; j++) x.data[i * p + j] = (data.data[i * p + j] - gram.xMean[j]) * s;
    y[i] = (labels[i] - gram.yMean) * s;
  }
  const { coefs } = larsPath(x, y, { method: 'lasso' });
  // One coefficient vector per step; walk back from the last step to the first with few enough non-zeros
  // (never to step 0, all zeros: with a single step lime keeps every feature).
  let nonzero = Array.from({ length: p }, (_, j) => j);
  for (let step = coefs.length - 1; step > 0; step--) {
    nonzero = [];
    for (let j = 0; j < p; j++) if (coefs[step][j] !== 0) nonzero.push(j);
    if (nonzero.length <= numFeatures) break;
  }
  return nonzero;
}
