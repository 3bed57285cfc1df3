import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/errors.js';
import { loadOnnxTabularModel } from '../../../src/models/tabular/onnx.js';
import type { TabularModel } from '../../../src/models/tabular/model.js';
import { fromRows, matrix } from '../../../src/tabular/matrix.js';
import { loadTabularData } from '../../../src/tabular/dataset.js';
import { linearOnnx, zipmapOnnx } from './onnx-fixtures.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);
const rows = fromRows([[1, 2, 3], [0.5, -1, 4], [-2, 0, 0.25], [3, 3, 3], [0, 0, 1]]);
const w = [0.5, -1.25, 2];
const expected = rows.data.length / 3;
const linear = (r: number) => w.reduce((s, wj, j) => s + wj * rows.data[r * 3 + j], 0) + 0.75;
const open: TabularModel[] = [];
after(() => open.forEach((m) => m.dispose?.()));
const load = async (...args: Parameters<typeof loadOnnxTabularModel>) => {
  const m = await loadOnnxTabularModel(...args);
  open.push(m);
  return m;
};

describe('loadOnnxTabularModel', () => {
  it('runs a float32 [batch, features] model, in bounded batches', async () => {
    const m = await load(linearOnnx('f32.onnx', w, 0.75), { batchSize: 2, featureNames: ['a', 'b', 'c'] });
    assert.equal(m.info.kind, 'onnx');
    assert.equal(m.info.numFeatures, 3);
    assert.equal(m.info.numOutputs, 1);
    assert.equal(m.info.output, 'value');
    const out = await m.predict(rows);
    assert.equal(out.rows, expected);
    for (let r = 0; r < rows.rows; r++) assert.ok(Math.abs(out.data[r] - linear(r)) < 1e-6, `row ${r}`);
  });

  it('feeds float64 models float64 rows (exact to 1e-15)', async () => {
    const m = await load(linearOnnx('f64.onnx', [0.1, 0.2, 0.3], 1e-9, { dtype: 'float64' }));
    const out = await m.predict(fromRows([[1 / 3, 2 / 3, 1e-8]]));
    assert.ok(Math.abs(out.data[0] - (0.1 / 3 + 0.2 * 2 / 3 + 0.3e-8 + 1e-9)) < 1e-15);
  });

  it('runs a graph with a fixed batch of 1 row by row', async () => {
    const m = await load(linearOnnx('fixed.onnx', w, 0.75, { inputShape: [1, 3] }));
    const out = await m.predict(rows);
    for (let r = 0; r < rows.rows; r++) assert.ok(Math.abs(out.data[r] - linear(r)) < 1e-6);
  });

  it('names the feature count, dtype and shape problems', async () => {
    const m = await load(linearOnnx('f32b.onnx', w, 0));
    await assert.rejects(m.predict(matrix(2, 4)), usage(/takes 3 features per row, got 4/));
    const nan = fromRows([[1, NaN, 3]]);
    await assert.rejects(m.predict(nan), usage(/row 0 has a missing value \(NaN\) in feature 1/));
    const lenient = await load(linearOnnx('f32e.onnx', w, 0), { acceptsMissing: true });
    await assert.rejects(lenient.predict(nan), /returned NaN for row 0/);
    await assert.rejects(load(linearOnnx('dyn.onnx', w, 0, { inputShape: ['batch', 'n'] })), usage(/dynamic number of features \(n\)/));
    await assert.rejects(load(linearOnnx('f32c.onnx', w, 0), { featureNames: ['a'] }), usage(/1 feature names .* takes 3 features/));
    await assert.rejects(load(linearOnnx('f32d.onnx', w, 0), { outputName: 'nope' }), usage(/has no output 'nope'[\s\S]*its outputs are: y/));
    await assert.rejects(load('test/data/models/mnist-onnx/mnist-cntk-opset7.onnx'),
      usage(/input 'Input3' of model mnist-cntk-opset7\.onnx has shape \[1,1,28,28\]; a tabular model takes \[batch, features\]/));
    await assert.rejects(load('no/such.onnx'), usage(/model not found/));
  });

  it('refuses a ZipMap output, saying to export without it, and takes the probabilities tensor when named', async () => {
    const path = zipmapOnnx('zipmap.onnx', [1, -1]);
    await assert.rejects(load(path), usage(/output 'output_probability' .* is not a tensor \(a ZipMap[\s\S]*zipmap': False/));
    const label = await load(path, { outputName: 'output_label' });
    assert.deepEqual(Array.from((await label.predict(fromRows([[2, 0], [0, 2]]))).data), [1, 0]);
  });

  it('picks the probabilities output of the credit model, with two outputs per row summing to 1', async () => {
    const m = await load('models/credit/model.onnx');
    assert.equal(m.info.output, 'probability');
    assert.equal(m.info.numFeatures, 61);
    assert.equal(m.info.numOutputs, 2);
    const data = loadTabularData('data/tabular/german_credit.csv', { schema: 'models/credit/schema.json' });
    const out = await m.predict(data.x);
    assert.equal(out.rows, 1000);
    for (let r = 0; r < out.rows; r++) assert.ok(Math.abs(out.data[2 * r] + out.data[2 * r + 1] - 1) < 1e-6);
  });
});
