import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExactShapley } from '../../../src/attribution/coalition/exact-shapley.js';
import { KernelShap, kernelShapGame } from '../../../src/attribution/coalition/kernel-shap.js';
import { UsageError } from '../../../src/errors.js';
import { multiOutputFunctionModel } from '../../../src/models/tabular/function.js';
import { fromRows, type Matrix } from '../../../src/tabular/matrix.js';
import { goldenBackground, logisticModel, tabular } from './models.js';

const rowsOf = (indices: number[]): Matrix => fromRows(indices.map((i) => tabular.X[i]));
const testRows = rowsOf(tabular.test_idx.slice(0, 4));
/** Ten groups of three consecutive breast-cancer features: small enough for exact Shapley values (1024 coalitions). */
const groups = Array.from({ length: 10 }, (_, k) => [3 * k, 3 * k + 1, 3 * k + 2]);

test('logit-space logistic model: KernelSHAP equals coef / scale * (x - weighted background mean) for every row and seed', async () => {
  const { background, weights } = goldenBackground();
  const mean = new Array<number>(30).fill(0);
  const wsum = weights.reduce((s, w) => s + w, 0);
  for (let b = 0; b < background.rows; b++) for (let j = 0; j < 30; j++) mean[j] += (weights[b] / wsum) * background.data[b * 30 + j];
  for (const seed of [0, 7]) {
    const e = await new KernelShap(logisticModel('margin')).explain(testRows, { background, backgroundWeights: weights, nsamples: 500, seed });
    for (let r = 0; r < testRows.rows; r++) {
      const x = testRows.data.subarray(r * 30, r * 30 + 30);
      const analytic = tabular.coef.map((c, j) => (c / tabular.scaler_scale[j]) * (x[j] - mean[j]));
      e.attributions[r].forEach((v, j) => assert.ok(Math.abs(v - analytic[j]) < 1e-9, `seed ${seed} row ${r} feature ${j}: ${v} vs ${analytic[j]}`));
      assert.ok(Math.abs(e.efficiencyGaps()[r]) < 1e-10);
    }
  }
});

test("the logit link on a probability model: one background row makes the log-odds game linear, so the values are coef / scale * (x - b)", async () => {
  const b = tabular.X[tabular.train_idx[0]];
  const e = await new KernelShap(logisticModel('probability')).explain(testRows, { background: fromRows([b]), link: 'logit', nsamples: 300 });
  assert.equal(e.output, 'margin');
  for (let r = 0; r < testRows.rows; r++) {
    const x = testRows.data.subarray(r * 30, r * 30 + 30);
    e.attributions[r].forEach((v, j) => {
      const analytic = (tabular.coef[j] / tabular.scaler_scale[j]) * (x[j] - b[j]);
      assert.ok(Math.abs(v - analytic) < 1e-8, `row ${r} feature ${j}: ${v} vs ${analytic}`);
    });
  }
  await assert.rejects(new KernelShap(logisticModel('margin')).explain(testRows, { background: fromRows([b]), link: 'logit' }), /logit link needs probabilities/);
});

test('on a nonlinear model KernelSHAP converges to exact Shapley values: exact once every coalition is evaluated, close (within 4 standard errors) when sampled', async () => {
  const model = logisticModel('probability');
  const { background, weights } = goldenBackground();
  const options = { background, backgroundWeights: weights, groups };
  const rows = rowsOf([tabular.test_idx[5]]);
  const exact = (await new ExactShapley(model).explain(rows, options)).attributions[0];
  const full = await new KernelShap(model).explain(rows, { ...options, nsamples: 1022 });
  full.attributions[0].forEach((v, j) => assert.ok(Math.abs(v - exact[j]) < 1e-12, `all 1022 coalitions: group ${j}`));
  assert.equal(full.extras?.[0].exact, true);
  const errors: number[] = [];
  for (const nsamples of [100, 600]) {
    let sumSq = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const e = await new KernelShap(model).explain(rows, { ...options, nsamples, seed });
      e.attributions[0].forEach((v, j) => {
        const se = (e.standardErrors as number[][])[0][j];
        assert.ok(Math.abs(v - exact[j]) <= 4 * se + 1e-12, `nsamples ${nsamples} seed ${seed} group ${j}: error ${v - exact[j]}, se ${se}`);
        sumSq += (v - exact[j]) ** 2;
      });
      assert.ok(Math.abs(e.efficiencyGaps()[0]) < 1e-12, 'efficiency holds for sampled estimates too');
    }
    errors.push(Math.sqrt(sumSq / 50));
  }
  assert.ok(errors[1] < errors[0] / 2, `RMS error shrinks with more samples: ${errors}`);
});

test('the standard errors cover the true error: over 40 seeds and 10 players, z = error / se behaves like a standard normal', async () => {
  const model = logisticModel('probability');
  const { background, weights } = goldenBackground();
  const rows = rowsOf([tabular.test_idx[9]]);
  const options = { background, backgroundWeights: weights, groups };
  const exact = (await new ExactShapley(model).explain(rows, options)).attributions[0];
  const z: number[] = [];
  for (let seed = 0; seed < 40; seed++) {
    const e = await new KernelShap(model).explain(rows, { ...options, nsamples: 150, seed });
    e.attributions[0].forEach((v, j) => z.push((v - exact[j]) / (e.standardErrors as number[][])[0][j]));
  }
  const inside = z.filter((v) => Math.abs(v) < 1.96).length / z.length;
  const rms = Math.sqrt(z.reduce((s, v) => s + v * v, 0) / z.length);
  assert.ok(inside > 0.88 && inside < 0.99, `${(inside * 100).toFixed(1)}% of |z| < 1.96`);
  assert.ok(rms > 0.75 && rms < 1.3, `RMS z ${rms}`);
});

test("l1Reg { numFeatures: k } keeps k features (shap's num_features(k)); aic / bic select a subset; efficiency holds", async () => {
  const model = logisticModel('probability');
  const { background, weights } = goldenBackground();
  const rows = rowsOf([tabular.test_idx[2]]);
  const options = { background, backgroundWeights: weights, nsamples: 400, seed: 3 };
  const k5 = await new KernelShap(model).explain(rows, { ...options, l1Reg: { numFeatures: 5 } });
  assert.equal(k5.attributions[0].filter((v) => v !== 0).length, 5);
  assert.deepEqual(k5.extras?.[0].selected, k5.attributions[0].flatMap((v, j) => (v !== 0 ? [j] : [])));
  assert.deepEqual(k5.params.l1Reg, { numFeatures: 5 });
  for (const l1Reg of ['aic', 'bic', 'auto'] as const) {
    const e = await new KernelShap(model).explain(rows, { ...options, l1Reg });
    const kept = e.attributions[0].filter((v) => v !== 0).length;
    assert.ok(kept >= 1 && kept < 30, `${l1Reg} keeps ${kept}`);
    assert.ok(Math.abs(e.efficiencyGaps()[0]) < 1e-10, `${l1Reg}: efficiency`);
  }
  // 'auto' is AIC when less than 20% of the coalitions are evaluated, and no selection otherwise.
  const auto = await new KernelShap(model).explain(rows, { ...options, l1Reg: 'auto' });
  const aic = await new KernelShap(model).explain(rows, { ...options, l1Reg: 'aic' });
  assert.deepEqual(auto.attributions, aic.attributions);
  const small = await new KernelShap(model).explain(rows, { ...options, groups, nsamples: 1000, l1Reg: 'auto' });
  const none = await new KernelShap(model).explain(rows, { ...options, groups, nsamples: 1000 });
  assert.deepEqual(small.attributions, none.attributions);
});

test('seeded: the same seed gives the same values, another seed other values; features equal to every background row get 0 and are skipped', async () => {
  const model = logisticModel('probability');
  const { background, weights } = goldenBackground();
  const a = await new KernelShap(model).explain(testRows, { background, backgroundWeights: weights, nsamples: 300, seed: 5 });
  const b = await new KernelShap(model).explain(testRows, { background, backgroundWeights: weights, nsamples: 300, seed: 5 });
  const c = await new KernelShap(model).explain(testRows, { background, backgroundWeights: weights, nsamples: 300, seed: 6 });
  assert.deepEqual(a.attributions, b.attributions);
  assert.notDeepEqual(a.attributions, c.attributions);
  // Copy feature 4 of the explained row into every background row: it cannot matter.
  const bg = fromRows(Array.from({ length: background.rows }, (_, r) => background.data.slice(r * 30, r * 30 + 30)));
  const row = rowsOf([tabular.test_idx[0]]);
  for (let r = 0; r < bg.rows; r++) bg.data[r * 30 + 4] = row.data[4];
  const e = await new KernelShap(model).explain(row, { background: bg, backgroundWeights: weights, nsamples: 300 });
  assert.equal(e.attributions[0][4], 0);
  assert.deepEqual(e.extras?.[0].constantPlayers, [4]);
  assert.ok(Math.abs(e.efficiencyGaps()[0]) < 1e-12);
});

test('kernelShapGame works on any coalition game: a weighted majority game with known Shapley values', async () => {
  // Weights 2, 1, 1 and quota 3: player 0 is pivotal in 4 of 6 orders (phi = 2/3), the others 1/6 each.
  const w = [2, 1, 1];
  const game = {
    players: 3,
    playerNames: ['a', 'b', 'c'],
    async value(masks: Uint8Array, n: number) {
      return Float64Array.from({ length: n }, (_, c) => (w.reduce((s, v, i) => s + v * masks[c * 3 + i], 0) >= 3 ? 1 : 0));
    },
  };
  const r = await kernelShapGame(game);
  [2 / 3, 1 / 6, 1 / 6].forEach((v, i) => assert.ok(Math.abs(r.values[i] - v) < 1e-12));
  assert.equal(r.exact, true);
});

test('clear errors: several outputs without a target, wrong background width, bad nsamples / l1Reg / groups, singular regressions noted', async () => {
  const two = multiOutputFunctionModel((rows) => rows.map((x) => [x[0], x[1]]), { numFeatures: 3, numOutputs: 2, outputNames: ['no', 'yes'] });
  const bg = fromRows([[0, 0, 0]]);
  const row = fromRows([[1, 2, 3]]);
  await assert.rejects(new KernelShap(two).explain(row, { background: bg }), (e: unknown) => e instanceof UsageError && /2 outputs \(0: no, 1: yes\)/.test(e.message) && /target/.test(e.message));
  await assert.rejects(new KernelShap(two).explain(row, { background: fromRows([[0, 0]]), target: 1 }), /background has 2 columns/);
  await assert.rejects(new KernelShap(two).explain(row, { background: bg, target: 1, nsamples: 0 }), /nsamples/);
  await assert.rejects(new KernelShap(two).explain(row, { background: bg, target: 1, l1Reg: 'lasso' as never }), /l1Reg/);
  await assert.rejects(new KernelShap(two).explain(row, { background: bg, target: 1, groups: [[0, 1]] }), /feature 2 is in no group/);
  await assert.rejects(new KernelShap(two).explain(row, { background: bg, target: 1, groups: [[0, 1], [1, 2]] }), /in groups 0 and 1/);
  await assert.rejects(new KernelShap(two).explain(row, { background: bg, target: 5 }), /target 5/);
  // 3 coalitions for 30 players cannot determine the values: a minimum-norm fit, with a note.
  const e = await new KernelShap(logisticModel('probability')).explain(testRows, { background: goldenBackground().background, nsamples: 3 });
  assert.match(String(e.extras?.[0].note), /singular/);
  assert.ok(Math.abs(e.efficiencyGaps()[0]) < 1e-10);
});
