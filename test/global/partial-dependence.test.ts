import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { featureForColumn, gridOf, mquantile, partialDependence } from '../../src/global/partial-dependence.js';
import { functionModel, multiOutputFunctionModel } from '../../src/models/tabular/function.js';
import { readFileSync } from 'node:fs';
import { loadTabularModel } from '../../src/models/tabular/load.js';
import { loadTabularData } from '../../src/tabular/dataset.js';
import { fromRows } from '../../src/tabular/matrix.js';
import { close, reference } from './reference.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);
const X = fromRows(reference.pd_X);
const formula = functionModel((rows) => rows.map((r) => r[0] ** 2 + 2 * r[1] - r[2]), { numFeatures: 3 });
const logistic = multiOutputFunctionModel((rows) => rows.map((r) => {
  const p = 1 / (1 + Math.exp(-(r[0] - r[2])));
  return [1 - p, p];
}), { numFeatures: 3, numOutputs: 2, output: 'probability' });

describe('partialDependence against sklearn 1.2', () => {
  for (const c of reference.partial_dependence) {
    it(`${c.model}, feature ${c.feature}, ${JSON.stringify(c.options)}: grid, average and ICE`, async () => {
      const model = c.model === 'formula' ? formula : logistic;
      const pd = await partialDependence(model, X, c.feature, {
        gridResolution: c.options.grid_resolution, percentiles: c.options.percentiles, iceRows: 1000,
      });
      assert.equal(pd.grid.length, c.grid.length);
      pd.grid.forEach((v, k) => assert.ok(close(v, c.grid[k]), `grid[${k}] ${v} vs ${c.grid[k]}`));
      pd.average.forEach((v, k) => assert.ok(close(v, c.average[k], 1e-9), `average[${k}] ${v} vs ${c.average[k]}`));
      assert.equal(pd.ice!.length, 60);
      pd.ice!.forEach((curve, i) => curve.forEach((v, k) => assert.ok(close(v, c.individual[i][k], 1e-9), `ice[${i}][${k}]`)));
      // A binary classifier's positive class, as sklearn shows it.
      assert.equal(pd.target, c.model === 'logistic' ? 1 : 0);
    });
  }
});

describe('partialDependence', () => {
  it('of a linear function is that line, with slope and intercept from the other features\' mean', async () => {
    const rows = fromRows(Array.from({ length: 200 }, (_, i) => [Math.sin(i) * 3, Math.cos(i * 0.7), (i % 7) - 3]));
    const linear = functionModel((r) => r.map((v) => 3 * v[0] - 2 * v[1] + 0.5 * v[2] + 1), { numFeatures: 3 });
    const pd = await partialDependence(linear, rows, 0, { gridResolution: 25, iceRows: 200 });
    let others = 0;
    for (let i = 0; i < rows.rows; i++) others += -2 * rows.data[i * 3 + 1] + 0.5 * rows.data[i * 3 + 2] + 1;
    others /= rows.rows;
    assert.equal(pd.grid.length, 25);
    pd.grid.forEach((v, k) => assert.ok(Math.abs(pd.average[k] - (3 * v + others)) < 1e-12));
    // ICE curves are parallel lines through each row's own prediction.
    const i0 = 0;
    pd.ice![i0].forEach((v, k) => assert.ok(Math.abs(v - (3 * pd.grid[k] - 2 * rows.data[1] + 0.5 * rows.data[2] + 1)) < 1e-12));
  });

  it('takes a one-hot column as one feature whose grid is its categories', async () => {
    const rows = fromRows([[1, 0, 0, 5], [0, 1, 0, 6], [0, 0, 1, 7], [0, 1, 0, 8]]);
    const names = ['color=red', 'color=green', 'color=blue', 'size'];
    const model = functionModel((r) => r.map((v) => 10 * v[0] + 20 * v[1] + 30 * v[2] + v[3]), { numFeatures: 4, featureNames: names });
    const pd = await partialDependence(model, rows, { name: 'color', features: [0, 1, 2] });
    assert.deepEqual(pd.gridLabels, ['red', 'green', 'blue']);
    assert.deepEqual(pd.grid, [0, 1, 2]);
    assert.deepEqual(pd.average, [16.5, 26.5, 36.5]);
    assert.deepEqual(pd.rowValues, [0, 1, 2, 1]);
    assert.deepEqual(pd.ice![0], [15, 25, 35]);
    assert.deepEqual(featureForColumn(names, ['color', 'color', 'color', 'size'], 'color'), { name: 'color', features: [0, 1, 2], labels: ['red', 'green', 'blue'] });
    assert.equal(featureForColumn(names, ['color', 'color', 'color', 'size'], 'size'), 3);
    assert.throws(() => featureForColumn(names, ['color', 'color', 'color', 'size'], 'age'), usage(/no feature comes from column "age"/));
  });

  it('orders the credit model\'s categories of a one-hot column as its log-odds weights do', async () => {
    const data = loadTabularData('data/tabular/german_credit.csv', { schema: 'models/credit/schema.json' });
    const credit = await loadTabularModel('models/credit/model.onnx');
    const feature = featureForColumn(data.featureNames, data.featureColumns, 'checking_account_status');
    assert.ok(typeof feature === 'object');
    const pd = await partialDependence(credit, data.x, feature);
    credit.dispose?.();
    assert.equal(pd.target, 1); // p(bad)
    assert.deepEqual(pd.gridLabels, ['A11', 'A12', 'A13', 'A14']);
    // The kernel [61, 2] in weights.bin: each row's p(bad) rises with w[j][1] - w[j][0] of its category.
    const bytes = readFileSync('models/credit/tfjs/weights.bin');
    const kernel = new Float32Array(bytes.buffer, bytes.byteOffset, 61 * 2);
    const shift = feature.features.map((j) => kernel[2 * j + 1] - kernel[2 * j]);
    const byShift = [...shift.keys()].sort((a, b) => shift[a] - shift[b]);
    const byPd = [...pd.average.keys()].sort((a, b) => pd.average[a] - pd.average[b]);
    assert.deepEqual(byPd, byShift);
    assert.ok(pd.average.every((p) => p > 0 && p < 1));
  });

  it('keeps ICE for a seeded sample of rows when there are many, and reports progress', async () => {
    const rows = fromRows(Array.from({ length: 300 }, (_, i) => [i, 300 - i, 1]));
    const steps: number[] = [];
    const a = await partialDependence(formula, rows, 1, { iceRows: 10, seed: 3, maxBatchRows: 1000, onProgress: (done) => steps.push(done) });
    const b = await partialDependence(formula, rows, 1, { iceRows: 10, seed: 3 });
    assert.equal(a.ice!.length, 10);
    assert.deepEqual(a.rowValues, b.rowValues);
    assert.deepEqual(steps, [3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60, 63, 66, 69, 72, 75, 78, 81, 84, 87, 90, 93, 96, 99, 100]);
    assert.equal((await partialDependence(formula, rows, 1, { iceRows: 0 })).ice, undefined);
  });

  it('computes mquantiles as scipy does', () => {
    // scipy.stats.mstats.mquantiles([1, 2, 3, 4, 10], [0.05, 0.5, 0.95]) = [1.0, 3.0, 10.0]; of 1..10 at 0.25: 2.95.
    assert.deepEqual([0.05, 0.5, 0.95].map((p) => mquantile([1, 2, 3, 4, 10], p)), [1, 3, 10]);
    assert.ok(Math.abs(mquantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.25) - 2.95) < 1e-12);
  });

  it('names bad features, targets and grids', async () => {
    await assert.rejects(partialDependence(formula, X, 'age'), usage(/unknown feature "age"/));
    await assert.rejects(partialDependence(formula, X, 0, { target: 1 }), usage(/target 1 is out of range/));
    await assert.rejects(partialDependence(formula, X, 0, { percentiles: [0.9, 0.1] }), usage(/percentiles must be/));
    const flat = fromRows(Array.from({ length: 200 }, (_, i) => [i === 0 ? 1 : 0, i, 0]));
    assert.deepEqual(gridOf(flat, 0), [0, 1]);
    assert.throws(() => gridOf(fromRows(Array.from({ length: 300 }, (_, i) => [i < 290 ? 0 : i])), 0, { gridResolution: 5 }), usage(/quantiles of feature 0 are equal/));
    const three = multiOutputFunctionModel((r) => r.map(() => [1, 2, 3]), { numFeatures: 3, numOutputs: 3 });
    await assert.rejects(partialDependence(three, X, 0), usage(/3 outputs; which one to explain is not clear/));
  });
});
