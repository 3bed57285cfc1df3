import { readFileSync } from 'node:fs';
import { functionModel, multiOutputFunctionModel } from '../../../src/models/tabular/function.js';
import type { TabularModel } from '../../../src/models/tabular/model.js';
import { fromRows, type Matrix } from '../../../src/tabular/matrix.js';

const reference = new URL('../../data/reference/', import.meta.url);
const read = (name: string): unknown => JSON.parse(readFileSync(new URL(name, reference), 'utf8'));

/** A case of test/data/reference/golden.json (read here rather than through test/helpers/mlp.ts, which loads TF.js). */
export interface GoldenCase {
  id: string;
  inputs: number[][];
  target: number[] | number | null;
  output: number[][] | number[];
  [key: string]: unknown;
}
const golden = read('golden.json') as { cases: GoldenCase[] };
export function goldenCase(id: string): GoldenCase {
  const c = golden.cases.find((g) => g.id === id);
  if (!c) throw new Error(`no golden case ${id}`);
  return c;
}
const mlpFixture = read('mlp.json') as { params: Record<string, number[][] | number[]> };

/** The reference 4-8-3 tanh MLP in float64 (the golden values are float64), as a tabular model of its logits. */
export function mlpTabular(): TabularModel {
  const p = mlpFixture.params;
  const w1 = p['l1.weight'] as number[][];
  const b1 = p['l1.bias'] as number[];
  const w2 = p['l2.weight'] as number[][];
  const b2 = p['l2.bias'] as number[];
  return multiOutputFunctionModel((rows) => rows.map((x) => {
    const h = w1.map((w, k) => Math.tanh(w.reduce((s, v, j) => s + v * x[j], b1[k])));
    return w2.map((w, c) => w.reduce((s, v, k) => s + v * h[k], b2[c]));
  }), { numFeatures: 4, numOutputs: 3, name: 'reference-mlp', output: 'margin' });
}

export const tabular = read('tabular.json') as {
  X: number[][]; feature_names: string[]; train_idx: number[]; test_idx: number[];
  scaler_mean: number[]; scaler_scale: number[]; coef: number[]; intercept: number; explain_idx: number;
};

/** Breast cancer logistic regression: logit = coef . (x - mean) / scale + intercept. */
export function logisticModel(output: 'margin' | 'probability'): TabularModel {
  const { coef, scaler_mean: mean, scaler_scale: scale, intercept } = tabular;
  // Folded into one weight vector so a row costs 30 multiply-adds.
  const w = coef.map((c, j) => c / scale[j]);
  const bias = intercept - coef.reduce((s, c, j) => s + (c * mean[j]) / scale[j], 0);
  return functionModel((rows) => {
    const out = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const x = rows[i];
      let z = bias;
      for (let j = 0; j < 30; j++) z += w[j] * x[j];
      out[i] = output === 'margin' ? z : 1 / (1 + Math.exp(-z));
    }
    return out;
  }, { numFeatures: 30, featureNames: tabular.feature_names, name: `breast-cancer-logistic-${output}`, output });
}

/** shap.kmeans(X_train, 10), stored in the golden case. */
export function goldenBackground(): { background: Matrix; weights: number[] } {
  const g = goldenCase('tabular/shap_kernel_logit_l1false');
  return { background: fromRows(g.background_data as number[][]), weights: g.background_weights as number[] };
}

export const trainRows: Matrix = fromRows(tabular.train_idx.map((i) => tabular.X[i]));
