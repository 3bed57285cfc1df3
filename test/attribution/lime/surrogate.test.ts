import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { fromRows, matrix } from '../../../src/tabular/matrix.js';
import { fitSurrogate, limeKernel } from '../../../src/attribution/lime/surrogate.js';
import type { FeatureSelection } from '../../../src/attribution/lime/feature-selection.js';
import { weightedGramBinary, weightedGramDense } from '../../../src/attribution/lime/weighted-gram.js';
import { Random } from '../../../src/util/random.js';
import { goldenCase } from '../../helpers/mlp.js';

test('LimeBase on a stored neighbourhood matches lime: coefficients, intercept, score, local prediction', () => {
  const c = goldenCase('mlp/lime_base_fixed_neighbourhood');
  const data = fromRows(c.neighbourhood as number[][]);
  const target = c.target as number;
  const labels = Float64Array.from((c.neighbourhood_labels as number[][]).map((r) => r[target]));
  const kernelWidth = (c.params as { kernel_width: number }).kernel_width;
  const x0 = (c.neighbourhood as number[][])[0];
  const weights = Float64Array.from((c.neighbourhood as number[][]).map((r) => limeKernel(Math.hypot(...r.map((v, j) => v - x0[j])), kernelWidth)));
  const s = fitSurrogate(data, labels, weights, { numFeatures: 4, featureSelection: 'none' });
  const { atol, rtol } = c.tolerance as { atol: number; rtol: number };
  const close = (a: number, b: number, label: string) => assert.ok(Math.abs(a - b) <= atol + rtol * Math.abs(b), `${label}: ${a} vs ${b}`);
  (c.output as number[]).forEach((v, j) => close(s.weights[j], v, `coef ${j}`));
  close(s.intercept, c.intercept as number, 'intercept');
  close(s.score, c.score as number, 'score');
  close(s.localPrediction, c.local_pred as number, 'local prediction');
  assert.deepEqual(s.ranked, [0, 2, 3, 1]);
});

/** A noisy linear target over 8 features of which 3 matter. */
function sparseProblem() {
  const rng = new Random(3);
  const n = 400;
  const p = 8;
  const x = matrix(n, p);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) x.data[i * p + j] = rng.normal();
    y[i] = 3 * x.data[i * p + 5] - 2 * x.data[i * p + 1] + 0.5 * x.data[i * p + 6] + 0.01 * rng.normal();
    w[i] = 0.5 + rng.uniform();
  }
  return { x, y, w };
}

test('forward selection and highest weights find the features a sparse linear target uses', () => {
  const { x, y, w } = sparseProblem();
  const forward = fitSurrogate(x, y, w, { numFeatures: 2, featureSelection: 'forward_selection' });
  assert.deepEqual(forward.ranked, [5, 1]);
  assert.equal(forward.weights.filter((v) => v !== 0).length, 2);
  const auto = fitSurrogate(x, y, w, { numFeatures: 3, featureSelection: 'auto' });
  assert.deepEqual(auto.ranked, [5, 1, 6]);
  // With no penalty the weighted least-squares fit recovers the coefficients almost exactly.
  const exact = fitSurrogate(x, y, w, { numFeatures: 3, featureSelection: 'forward_selection', alpha: 0 });
  assert.ok(Math.abs(exact.weights[5] - 3) < 0.01 && Math.abs(exact.weights[1] + 2) < 0.01 && Math.abs(exact.weights[6] - 0.5) < 0.01);
  assert.ok(exact.score > 0.9999);
  // highest_weights ranks |coef * x0|: with the instance at all ones that is |coef|.
  x.data.fill(1, 0, x.cols);
  const highest = fitSurrogate(x, y, w, { numFeatures: 3, featureSelection: 'highest_weights' });
  assert.deepEqual(highest.ranked, [5, 1, 6]);
});

test('a constant column and alpha = 0 fall back to the minimum-norm solution, as sklearn does', () => {
  const x = fromRows([[1, 0, 2], [1, 1, 0], [1, 2, 1], [1, 3, 5], [1, 4, 3]]);
  const y = Float64Array.from([1, 3, 5, 7, 9]);
  const s = fitSurrogate(x, y, new Float64Array(5).fill(1), { numFeatures: 3, featureSelection: 'none', alpha: 0 });
  assert.equal(s.weights[0], 0);
  assert.ok(Math.abs(s.weights[1] - 2) < 1e-10 && Math.abs(s.weights[2]) < 1e-10 && Math.abs(s.intercept - 1) < 1e-10);
  assert.ok(Math.abs(s.score - 1) < 1e-12);
  // Two identical columns: the minimum-norm solution splits the weight equally.
  const twin = fromRows([[0, 0], [1, 1], [2, 2], [3, 3]]);
  const t = fitSurrogate(twin, Float64Array.from([0, 2, 4, 6]), new Float64Array(4).fill(1), { numFeatures: 2, featureSelection: 'none', alpha: 0 });
  assert.ok(Math.abs(t.weights[0] - 1) < 1e-9 && Math.abs(t.weights[1] - 1) < 1e-9);
});

test('bad surrogate input gets a usage error', () => {
  const x = fromRows([[1], [2]]);
  assert.throws(() => fitSurrogate(x, Float64Array.from([1]), Float64Array.from([1, 1]), { numFeatures: 1 }), /one label and one weight/);
  assert.throws(() => fitSurrogate(x, Float64Array.from([1, 2]), Float64Array.from([1, 1]), { numFeatures: 1, featureSelection: 'best' as never }), /unknown feature selection/);
  assert.throws(() => fitSurrogate(x, Float64Array.from([1, NaN]), Float64Array.from([1, 1]), { numFeatures: 1 }), /non-finite/);
});

test('feature selections pick what lime picks (replayed on sklearn Ridge and lars_path), and the final Ridge agrees', () => {
  const ref = JSON.parse(readFileSync(new URL('data/selection-reference.json', import.meta.url), 'utf8')) as {
    data: number[][]; labels: number[]; weights: number[];
    cases: { method: FeatureSelection; numFeatures: number; used: number[]; coef: number[]; intercept: number; score: number }[];
  };
  const data = fromRows(ref.data);
  for (const c of ref.cases) {
    const s = fitSurrogate(data, Float64Array.from(ref.labels), Float64Array.from(ref.weights), { numFeatures: c.numFeatures, featureSelection: c.method });
    const label = `${c.method} ${c.numFeatures}`;
    assert.deepEqual([...s.ranked].sort((a, b) => a - b), [...c.used].sort((a, b) => a - b), label);
    c.used.forEach((f, k) => assert.ok(Math.abs(s.weights[f] - c.coef[k]) < 1e-10, `${label} coef ${f}: ${s.weights[f]} vs ${c.coef[k]}`));
    assert.ok(Math.abs(s.intercept - c.intercept) < 1e-10 && Math.abs(s.score - c.score) < 1e-10, label);
  }
});

test('the 0/1 shortcut for the weighted Gram matrix agrees with the dense sums', () => {
  const rng = new Random(8);
  const x = matrix(300, 7);
  for (let i = 0; i < x.data.length; i++) x.data[i] = rng.uniform() < 0.7 ? 1 : 0;
  const y = Float64Array.from({ length: 300 }, () => rng.normal());
  const w = Float64Array.from({ length: 300 }, () => rng.uniform());
  const a = weightedGramBinary(x, y, w);
  const b = weightedGramDense(x, y, w);
  for (const key of ['xMean', 'xx', 'xy'] as const) a[key].forEach((v, i) => assert.ok(Math.abs(v - b[key][i]) < 1e-12 * 300, `${key} ${i}`));
  assert.ok(Math.abs(a.yy - b.yy) < 1e-12 * 300 && Math.abs(a.yMean - b.yMean) < 1e-14);
});
