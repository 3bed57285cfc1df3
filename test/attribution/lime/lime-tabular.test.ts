import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromRows, matrix, type Matrix } from '../../../src/tabular/matrix.js';
import type { TabularModel } from '../../../src/models/tabular/model.js';
import { Discretizer } from '../../../src/attribution/lime/discretizer.js';
import { LimeTabular } from '../../../src/attribution/lime/lime-tabular.js';
import { normalCdf, normalQuantile, TruncatedNormal } from '../../../src/attribution/lime/truncated-normal.js';
import { Random } from '../../../src/util/random.js';

const reference = JSON.parse(readFileSync(new URL('data/discretizer-reference.json', import.meta.url), 'utf8')) as {
  columns: Record<string, number[]>;
  labels: number[];
  cases: { column: string; quartile: number[]; decile: number[]; entropy?: number[] }[];
};

/** f(x) = w . x + b as a one-output regression model. */
function linearModel(w: number[], b: number): TabularModel {
  return {
    info: { name: 'linear', kind: 'function', numFeatures: w.length, numOutputs: 1, output: 'value', acceptsMissing: false },
    async predict(rows: Matrix) {
      const out = matrix(rows.rows, 1);
      for (let i = 0; i < rows.rows; i++) {
        let s = b;
        for (let j = 0; j < w.length; j++) s += w[j] * rows.data[i * rows.cols + j];
        out.data[i] = s;
      }
      return out;
    },
  };
}

function gaussianTraining(n: number, means: number[], stds: number[], seed = 1): Matrix {
  const rng = new Random(seed);
  const m = matrix(n, means.length);
  for (let i = 0; i < n; i++) for (let j = 0; j < means.length; j++) m.data[i * means.length + j] = means[j] + stds[j] * rng.normal();
  return m;
}

test('discretizer bin edges equal numpy percentiles and the sklearn entropy tree', () => {
  for (const c of reference.cases) {
    const column = fromRows(reference.columns[c.column].map((v) => [v]));
    for (const kind of ['quartile', 'decile', 'entropy'] as const) {
      const expected = c[kind];
      if (!expected) continue;
      const d = new Discretizer(kind, column, new Set(), ['x'], reference.labels);
      const edges = d.bins.get(0)!.edges;
      assert.equal(edges.length, expected.length, `${c.column} ${kind}: ${edges} vs ${expected}`);
      edges.forEach((e, i) => assert.ok(Math.abs(e - expected[i]) <= 1e-12 * Math.max(1, Math.abs(expected[i])), `${c.column} ${kind} edge ${i}: ${e} vs ${expected[i]}`));
    }
  }
  const small = new Discretizer('quartile', fromRows(reference.columns.small.map((v) => [v])), new Set(), ['x']);
  assert.deepEqual(small.bins.get(0)!.names, ['x <= 2.50', '2.50 < x <= 4.00', '4.00 < x <= 5.00', 'x > 5.00']);
  // searchsorted side=left: a value equal to an edge falls in the bin below it.
  assert.deepEqual([1, 2.5, 2.6, 4, 5, 9].map((v) => small.binOf(0, v)), [0, 0, 1, 1, 2, 3]);
  assert.throws(() => new Discretizer('entropy', fromRows([[1], [2]]), new Set(), ['x']), /needs the training labels/);
});

test('truncated normal draws stay inside their bounds and follow the normal', () => {
  assert.ok(Math.abs(normalQuantile(normalCdf(1.3)) - 1.3) < 1e-6 && Math.abs(normalQuantile(normalCdf(-6)) + 6) < 1e-5);
  const rng = new Random(5);
  // Right tail [1, 2] of N(0, 1): mean (phi(1) - phi(2)) / (Phi(2) - Phi(1)) = 1.38317 (scipy's truncnorm(1, 2).mean()).
  const t = new TruncatedNormal(0, 1, 1, 2);
  let sum = 0;
  for (let i = 0; i < 20000; i++) {
    const v = t.sample(rng);
    assert.ok(v >= 1 && v <= 2);
    sum += v;
  }
  assert.ok(Math.abs(sum / 20000 - 1.3832) < 0.01, `mean ${sum / 20000}`);
  // N(2, 3) on [-1, 8] (a = -1, b = 2 in standard units): scipy.stats.truncnorm(-1, 2, loc=2, scale=3) has
  // mean 2.68891 and variance 4.67786.
  const wide = new TruncatedNormal(2, 3, -1, 8);
  const draws = Array.from({ length: 40000 }, () => wide.sample(rng));
  const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
  const variance = draws.reduce((s, v) => s + (v - mean) ** 2, 0) / draws.length;
  assert.ok(Math.abs(mean - 2.68891) < 0.03 && Math.abs(variance - 4.67786) < 0.1, `mean ${mean}, variance ${variance}`);
  // lime's 1e-11 standard deviation of a one-value bin puts the bounds thousands of sigmas away.
  const far = new TruncatedNormal(5, 1e-11, 6, 7);
  for (let i = 0; i < 100; i++) { const v = far.sample(rng); assert.ok(v >= 6 && v <= 7); }
});

test('on a linear model without discretizing, the surrogate recovers the local slopes', async () => {
  const w = [2, -1, 0.5, 0];
  const training = gaussianTraining(500, [0, 10, -3, 1], [1, 2, 0.5, 3]);
  const explainer = new LimeTabular(linearModel(w, 4), training, { discretizer: 'none', sampleAroundInstance: true, seed: 3 });
  const rows = fromRows([[0.5, 9, -2, 2], [-1, 12, -3.5, 0]]);
  const e = await explainer.explain(rows, { numFeatures: 4, featureSelection: 'none' });
  // The surrogate works on standardised features: its weight is slope * training std.
  const stds = [0, 1, 2, 3].map((j) => {
    const col = Array.from({ length: 500 }, (_, i) => training.data[i * 4 + j]);
    const m = col.reduce((s, v) => s + v, 0) / 500;
    return Math.sqrt(col.reduce((s, v) => s + (v - m) ** 2, 0) / 500);
  });
  for (let r = 0; r < 2; r++) {
    e.attributions[r].forEach((a, j) => assert.ok(Math.abs(a / stds[j] - w[j]) < 2e-3, `row ${r} feature ${j}: ${a / stds[j]} vs ${w[j]}`));
    const x = e.extras![r];
    assert.ok(Math.abs((x.localPrediction as number) - e.predictions[r]) < 1e-2, `local ${x.localPrediction} vs ${e.predictions[r]}`);
    assert.ok((x.score as number) > 0.9999);
    assert.equal(e.predictions[r], 4 + w.reduce((s, v, j) => s + v * rows.data[r * 4 + j], 0));
  }
  // |weights| are 2 * 1, 1 * 2, 0.5 * 0.5 and 0 in standardised units.
  assert.deepEqual((e.extras![0].ranked as string[]).slice(2), ['2', '3']);
});

test('with quartile bins the surrogate ranks the features a linear model uses, with their signs', async () => {
  const w = [3, -2, 0, 0.5];
  const training = gaussianTraining(400, [0, 0, 0, 0], [1, 1, 1, 1], 2);
  const explainer = new LimeTabular(linearModel(w, 0), training, { featureNames: ['a', 'b', 'c', 'd'], seed: 1 });
  // A row in the top quartile of every feature: leaving a's bin lowers the output, leaving b's raises it.
  const e = await explainer.explain(fromRows([[1.5, 1.5, 1.5, 1.5]]), { numFeatures: 2 });
  assert.deepEqual(e.extras![0].ranked, ['a', 'b']);
  assert.ok(e.attributions[0][0] > 0 && e.attributions[0][1] < 0);
  assert.equal(e.attributions[0][2], 0);
  assert.equal(e.attributions[0][3], 0);
  // A weight is how much being in the row's bin moves the output: w * (E[x | top quartile] - E[x | other quartiles])
  // = 3 * (1.271 - (-0.424)) for a standard normal.
  assert.ok(Math.abs(e.attributions[0][0] - 3 * 1.695) < 0.4, `${e.attributions[0][0]}`);
  assert.ok(Math.abs(e.attributions[0][1] + 2 * 1.695) < 0.4, `${e.attributions[0][1]}`);
});

test('samples follow the training distribution: bins by frequency, values inside their bins, categories by frequency', async () => {
  // Feature 0 continuous (uniform 0..99), feature 1 categorical with frequencies 1/2, 3/10, 1/5.
  const rows: number[][] = [];
  for (let i = 0; i < 100; i++) rows.push([i, i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2]);
  let seen: Matrix | undefined;
  const model: TabularModel = {
    info: { name: 'recorder', kind: 'function', numFeatures: 2, numOutputs: 1, output: 'value', acceptsMissing: false },
    async predict(m: Matrix) { seen = m; return matrix(m.rows, 1, Float64Array.from({ length: m.rows }, (_, i) => m.data[i * 2])); },
  };
  const explainer = new LimeTabular(model, fromRows(rows), { categorical: [1], seed: 5 });
  await explainer.explain(fromRows([[10, 2]]), { numSamples: 8000 });
  const inverse = seen!;
  assert.deepEqual(Array.from(inverse.data.subarray(0, 2)), [10, 2]);
  // numpy quartiles of 0..99: 24.75, 49.5, 74.25; bins hold 25 training rows each.
  const edges = [24.75, 49.5, 74.25];
  const binCounts = [0, 0, 0, 0];
  const categoryCounts = [0, 0, 0];
  const binMeans = [0, 0, 0, 0];
  for (let i = 1; i < inverse.rows; i++) {
    const v = inverse.data[2 * i];
    const bin = edges.filter((e) => v > e).length;
    binCounts[bin]++;
    binMeans[bin] += v;
    assert.ok(v >= 0 && v <= 99, `value ${v} outside the training range`);
    categoryCounts[inverse.data[2 * i + 1]]++;
  }
  const n = inverse.rows - 1;
  binCounts.forEach((c) => assert.ok(Math.abs(c / n - 0.25) < 0.02, `bin share ${c / n}`));
  [0.5, 0.3, 0.2].forEach((f, k) => assert.ok(Math.abs(categoryCounts[k] / n - f) < 0.02, `category ${k} share ${categoryCounts[k] / n}`));
  // Inside a bin, a normal with the bin's training mean and std truncated to the bin: nearly the bin's mean.
  [12, 37, 62, 86.5].forEach((m, b) => assert.ok(Math.abs(binMeans[b] / binCounts[b] - m) < 0.6, `bin ${b} mean ${binMeans[b] / binCounts[b]}`));
});

test('the entropy discretizer bins by the training labels', async () => {
  const training = fromRows(reference.columns.normal.map((v) => [v]));
  const explainer = new LimeTabular(linearModel([1], 0), training, { discretizer: 'entropy', trainingLabels: reference.labels, featureNames: ['x'] });
  const entropy = reference.cases.find((c) => c.column === 'normal')!.entropy!;
  // 40 lies between the third split (36.79) and the fourth (44.54).
  assert.deepEqual(explainer.conditions([40]), [`${entropy[2].toFixed(2)} < x <= ${entropy[3].toFixed(2)}`]);
});

test('the same seed gives the same explanation, another seed another one', async () => {
  const training = gaussianTraining(200, [0, 5, 1], [1, 2, 1], 4);
  const model = linearModel([1, 1, -1], 0);
  const row = fromRows([[0.2, 6, 1]]);
  const run = (seed: number) => new LimeTabular(model, training, { seed }).explain(row, { numSamples: 500 });
  const [a, b, c] = await Promise.all([run(9), run(9), run(10)]);
  assert.deepEqual(a.attributions, b.attributions);
  assert.deepEqual(a.extras, b.extras);
  assert.notDeepEqual(a.attributions, c.attributions);
  // Concurrent calls on one explainer do not share their samples.
  const shared = new LimeTabular(model, training, { seed: 9 });
  const [d, e] = await Promise.all([shared.explain(row, { numSamples: 500 }), shared.explain(row, { numSamples: 500 })]);
  assert.deepEqual(d.attributions, a.attributions);
  assert.deepEqual(e.attributions, a.attributions);
  assert.deepEqual((await shared.explain(row, { numSamples: 500 })).attributions, a.attributions);
});

test('conditions read like lime\'s: bins, categories by name, continuous names', async () => {
  // age continuous, purpose categorical with names, duration continuous.
  const rows: number[][] = [];
  for (let i = 0; i < 40; i++) rows.push([20 + i, i % 3, 6 * (1 + (i % 8))]);
  const training = fromRows(rows);
  const model = linearModel([0.1, 1, 0.05], 0);
  const options = { featureNames: ['age', 'purpose', 'duration'], categorical: [1], categoryNames: { 1: ['A40', 'A42', 'A43'] } };
  const explainer = new LimeTabular(model, training, { ...options, seed: 0 });
  // numpy.percentile: age (20..59) quartiles 29.75, 39.5, 49.25; duration (6, 12, ..., 48, five each) 16.5, 27, 37.5.
  assert.deepEqual(explainer.conditions([25, 2, 30]), ['age <= 29.75', 'purpose=A43', '27.00 < duration <= 37.50']);
  assert.deepEqual(explainer.conditions([60, 0, 12]), ['age > 49.25', 'purpose=A40', 'duration <= 16.50']);
  const e = await explainer.explain(fromRows([[42, 1, 20]]), { numSamples: 300 });
  assert.deepEqual(e.extras![0].conditions, ['39.50 < age <= 49.25', 'purpose=A42', '16.50 < duration <= 27.00']);
  assert.deepEqual(e.displayValues, [['42.00', 'A42', '20.00']]);
  const plain = new LimeTabular(model, training, { ...options, discretizer: 'none' });
  assert.deepEqual(plain.conditions([42, 1, 20]), ['age', 'purpose=A42', 'duration']);
  const unnamed = new LimeTabular(model, training, { categorical: [1] });
  assert.deepEqual(unnamed.conditions([42, 2, 20]), ['39.50 < 0 <= 49.25', '1=2', '16.50 < 2 <= 27.00']);
});

test('bad tabular input gets usage errors', async () => {
  const training = gaussianTraining(50, [0, 0], [1, 1]);
  const model = linearModel([1, 1], 0);
  assert.throws(() => new LimeTabular(model, gaussianTraining(10, [0], [1])), /training data has 1 features but the model takes 2/);
  assert.throws(() => new LimeTabular(model, training, { discretizer: 'entropy' }), /needs the training labels/);
  assert.throws(() => new LimeTabular(model, training, { discretizer: 'octile' as never }), /unknown discretizer/);
  assert.throws(() => new LimeTabular(model, training, { categorical: [5] }), /out of range/);
  const explainer = new LimeTabular(model, training);
  await assert.rejects(explainer.explain(fromRows([[1, 2, 3]])), /the rows have 3 features/);
  await assert.rejects(explainer.explain(fromRows([[1, 2]]), { target: 1 }), /target 1 is out of range/);
  await assert.rejects(explainer.explain(fromRows([[1, NaN]])), /finite/);
  await assert.rejects(explainer.explain(fromRows([[1, 2]]), { featureSelection: 'lasso' as never }), /unknown feature selection/);
});

test('on the breast-cancer logistic regression, weights match lime\'s pipeline replayed on numpy, scipy and sklearn', async () => {
  const ref = JSON.parse(readFileSync(new URL('data/tabular-reference.json', import.meta.url), 'utf8')) as {
    explain_idx: number; num_samples: number; coef_mean: number[]; coef_std: number[]; intercept_mean: number; score_mean: number; prediction: number;
  };
  const fx = JSON.parse(readFileSync(new URL('../../data/reference/tabular.json', import.meta.url), 'utf8')) as {
    X: number[][]; train_idx: number[]; scaler_mean: number[]; scaler_scale: number[]; coef: number[] | number[][]; intercept: number;
  };
  const coef = fx.coef.flat();
  const model: TabularModel = {
    info: { name: 'breast-cancer-logistic', kind: 'function', numFeatures: 30, numOutputs: 2, output: 'probability', acceptsMissing: false },
    async predict(m: Matrix) {
      const out = matrix(m.rows, 2);
      for (let i = 0; i < m.rows; i++) {
        let z = fx.intercept;
        for (let j = 0; j < 30; j++) z += coef[j] * (m.data[i * 30 + j] - fx.scaler_mean[j]) / fx.scaler_scale[j];
        out.data[2 * i + 1] = 1 / (1 + Math.exp(-z));
        out.data[2 * i] = 1 - out.data[2 * i + 1];
      }
      return out;
    },
  };
  const explainer = new LimeTabular(model, fromRows(fx.train_idx.map((i) => fx.X[i])), { seed: 11 });
  const e = await explainer.explain(fromRows([fx.X[ref.explain_idx]]), { numSamples: ref.num_samples, featureSelection: 'none' });
  assert.equal(e.target, 1);
  assert.ok(Math.abs(e.predictions[0] - ref.prediction) < 1e-12);
  // One run scatters around lime's expected weights with the per-run standard deviation (about 0.005).
  e.attributions[0].forEach((a, j) => assert.ok(Math.abs(a - ref.coef_mean[j]) < 4 * ref.coef_std[j] + 0.002, `feature ${j}: ${a} vs ${ref.coef_mean[j]} +- ${ref.coef_std[j]}`));
  assert.ok(Math.abs(e.baseValues[0] - ref.intercept_mean) < 0.03, `intercept ${e.baseValues[0]} vs ${ref.intercept_mean}`);
  assert.ok(Math.abs((e.extras![0].score as number) - ref.score_mean) < 0.03, `score ${e.extras![0].score} vs ${ref.score_mean}`);
});
