/**
 * KernelSHAP speed: one row (X[157]) of the breast-cancer logistic regression (test/data/reference/tabular.json)
 * explained in logit space with nsamples 2048 over the 10-row shap.kmeans background stored in the golden case
 * (20480 model rows), as in the golden case tabular/shap_kernel_logit_l1false.
 * Reference: shap 0.49's KernelExplainer.shap_values takes about 38 ms here for the same work.
 * Two models: a TabularModel whose predict is one loop over the matrix (what sklearn's decision_function
 * is to shap), and the same model through functionModel (rows as views, input checks).
 * Run: npx tsx bench/kernel-shap.ts [--repeats N]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { KernelShap } from '../src/attribution/coalition/kernel-shap.js';
import { functionModel } from '../src/models/tabular/function.js';
import type { TabularModel } from '../src/models/tabular/model.js';
import { fromRows, matrix, type Matrix } from '../src/tabular/matrix.js';

const { values } = parseArgs({ options: { repeats: { type: 'string', default: '40' } } });
const repeats = Number(values.repeats);

const fixture = JSON.parse(readFileSync(new URL('../test/data/reference/tabular.json', import.meta.url), 'utf8')) as {
  X: number[][]; scaler_mean: number[]; scaler_scale: number[]; coef: number[]; intercept: number; explain_idx: number;
};
const golden = (JSON.parse(readFileSync(new URL('../test/data/reference/golden.json', import.meta.url), 'utf8')) as {
  cases: { id: string; background_data?: number[][]; background_weights?: number[] }[];
}).cases.find((c) => c.id === 'tabular/shap_kernel_logit_l1false');
if (!golden?.background_data || !golden.background_weights) throw new Error('golden case tabular/shap_kernel_logit_l1false is missing');

const p = fixture.coef.length;
const weights = fixture.coef.map((c, j) => c / fixture.scaler_scale[j]);
const bias = fixture.intercept - fixture.coef.reduce((s, c, j) => s + (c * fixture.scaler_mean[j]) / fixture.scaler_scale[j], 0);
const logit = (x: ArrayLike<number>, offset: number): number => {
  let z = bias;
  for (let j = 0; j < p; j++) z += weights[j] * x[offset + j];
  return z;
};

const direct: TabularModel = {
  info: { name: 'breast-cancer-logistic', kind: 'function', numFeatures: p, numOutputs: 1, output: 'margin', acceptsMissing: false },
  async predict(rows: Matrix) {
    const out = matrix(rows.rows, 1);
    for (let i = 0; i < rows.rows; i++) out.data[i] = logit(rows.data, i * p);
    return out;
  },
};
const viaFunction = functionModel((rows) => rows.map((r) => logit(r, 0)), { numFeatures: p, output: 'margin', name: 'breast-cancer-logistic' });

const row = fromRows([fixture.X[fixture.explain_idx]]);
const background = fromRows(golden.background_data);
const backgroundWeights = golden.background_weights;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

for (const [label, model] of [['direct TabularModel', direct], ['functionModel', viaFunction]] as const) {
  const explainer = new KernelShap(model);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < repeats + 5; run++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await explainer.explain(row, { background, backgroundWeights, nsamples: 2048, seed: run });
    const t = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (run >= 5) {
      wall.push(t);
      cpu.push((c.user + c.system) / 1000);
    }
  }
  console.log(`KernelSHAP, 1 row x 2048 coalitions x 10 background rows, 30 features (${label}): median ${median(wall).toFixed(1)} ms wall `
    + `(min ${Math.min(...wall).toFixed(1)}), median ${median(cpu).toFixed(1)} ms CPU over ${wall.length} runs; shap 0.49: ~38 ms`);
}

// Worker threads (src/parallel): 20 rows of the credit ONNX model (61 features, nsamples 'auto' = 2170
// coalitions, 10 k-means background rows) on 1 and 2 threads; every row's numbers are the same on both.
{
  const { explainTabular } = await import('../src/attribution/tabular-methods.js');
  const { loadOnnxTabularModel } = await import('../src/models/tabular/onnx.js');
  const { loadTabularData } = await import('../src/tabular/dataset.js');
  const { kmeansSummary } = await import('../src/stats/kmeans.js');
  const { sliceRows } = await import('../src/tabular/matrix.js');
  const { compareThreads } = await import('../src/parallel/bench-compare.js');
  const model = await loadOnnxTabularModel('models/credit/model.onnx');
  const credit = loadTabularData('data/tabular/german_credit.csv', { schema: 'models/credit/schema.json' });
  const summary = kmeansSummary(credit.x, 10, 0);
  const rows = sliceRows(credit.x, 0, 20);
  const cmp = await compareThreads((workers) => explainTabular(model, rows, 'kernel-shap', {
    background: summary.centers, backgroundWeights: summary.weights, target: 1, seed: 0, workers,
  }), 2, Math.max(3, Math.min(7, Math.round(repeats / 6))));
  console.log(`KernelSHAP, 20 rows of the credit ONNX model, 2 threads: ${cmp.manyMs.toFixed(0)} ms vs ${cmp.oneMs.toFixed(0)} ms on 1 (median): `
    + `x${cmp.speedup.toFixed(2)}; first call (starts a worker) ${cmp.firstCallMs.toFixed(0)} ms; CPU ${cmp.manyCpuMs.toFixed(0)} vs ${cmp.oneCpuMs.toFixed(0)} ms`);
  model.dispose?.();
}
