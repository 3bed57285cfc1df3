import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { kmeans, kmeansSummary, summariseClusters } from '../../src/stats/kmeans.js';
import { fromRows, type Matrix } from '../../src/tabular/matrix.js';

const tabular = JSON.parse(readFileSync(new URL('../data/reference/tabular.json', import.meta.url), 'utf8')) as { X: number[][]; train_idx: number[] };
const sklearn = JSON.parse(readFileSync(new URL('fixtures/kmeans-sklearn.json', import.meta.url), 'utf8')) as { labels: number[]; centers: number[][]; inertia: number };
const train: Matrix = fromRows(tabular.train_idx.map((i) => tabular.X[i]));

test("summariseClusters on sklearn's own k-means gives shap.kmeans' background exactly (snapped centers, weights)", () => {
  const golden = (JSON.parse(readFileSync(new URL('../data/reference/golden.json', import.meta.url), 'utf8')) as { cases: { id: string; background_data?: number[][]; background_weights?: number[] }[] })
    .cases.find((c) => c.id === 'tabular/shap_kernel_logit_l1false') as { background_data: number[][]; background_weights: number[] };
  const summary = summariseClusters(train, fromRows(sklearn.centers), sklearn.labels);
  assert.deepEqual(Array.from(summary.centers.data), (golden.background_data as number[][]).flat());
  assert.deepEqual(Array.from(summary.weights), golden.background_weights);
});

test('kmeans reaches a Lloyd fixed point at least as good as sklearn (breast cancer, k = 10)', () => {
  const result = kmeans(train, 10, { seed: 0 });
  assert.ok(result.inertia <= sklearn.inertia * (1 + 1e-9), `inertia ${result.inertia} vs sklearn ${sklearn.inertia}`);
  const p = train.cols;
  // Every row sits with its nearest center; every center is (within the stopping tolerance) its cluster's mean.
  for (let i = 0; i < train.rows; i++) {
    const d = (c: number) => { let s = 0; for (let j = 0; j < p; j++) s += (train.data[i * p + j] - result.centers.data[c * p + j]) ** 2; return s; };
    for (let c = 0; c < 10; c++) assert.ok(d(result.labels[i]) <= d(c) + 1e-9);
  }
  for (let c = 0; c < 10; c++) {
    const members = Array.from(result.labels).flatMap((l, i) => (l === c ? [i] : []));
    assert.ok(members.length > 0);
    for (const j of [0, 3, 22, 23]) {
      const mean = members.reduce((s, i) => s + train.data[i * p + j], 0) / members.length;
      assert.ok(Math.abs(mean - result.centers.data[c * p + j]) <= 1e-2 * Math.max(1, Math.abs(mean)), `center ${c} feature ${j}`);
    }
  }
});

test('kmeansSummary: centers are data values per feature, weights are cluster shares summing to 1; seeded', () => {
  const a = kmeansSummary(train, 5, 3);
  const b = kmeansSummary(train, 5, 3);
  assert.deepEqual(a, b);
  assert.ok(Math.abs(a.weights.reduce((s, w) => s + w, 0) - 1) < 1e-12);
  for (let c = 0; c < 5; c++) {
    for (let j = 0; j < train.cols; j++) {
      const v = a.centers.data[c * train.cols + j];
      assert.ok(tabular.train_idx.some((i) => tabular.X[i][j] === v), `center ${c} feature ${j} is a data value`);
    }
    assert.ok(Math.abs(a.weights[c] * train.rows - Math.round(a.weights[c] * train.rows)) < 1e-9);
  }
});

test('kmeans: clear errors for bad k and missing values', () => {
  assert.throws(() => kmeans(train, 0), /positive whole number/);
  assert.throws(() => kmeans(fromRows([[1], [2]]), 3), /only 2 rows/);
  assert.throws(() => kmeans(fromRows([[1], [NaN]]), 1), /impute/);
});

test('fewer distinct points than clusters: every point on a center (inertia 0), summary weights still sum to 1', () => {
  const data = fromRows([[0, 0], [0, 0], [10, 0], [10, 0], [0, 10], [0, 10]]);
  for (const seed of [0, 1, 2]) {
    assert.equal(kmeans(data, 4, { seed, nInit: 1 }).inertia, 0);
    const summary = kmeansSummary(data, 4, seed);
    assert.ok(Math.abs(summary.weights.reduce((s, w) => s + w, 0) - 1) < 1e-12);
  }
});
