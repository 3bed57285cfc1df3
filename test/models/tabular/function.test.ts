import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/errors.js';
import { functionModel, multiOutputFunctionModel } from '../../../src/models/tabular/function.js';
import { fromRows, matrix } from '../../../src/tabular/matrix.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

describe('functionModel', () => {
  it('calls the function on the rows and returns one output per row', async () => {
    const m = functionModel((rows) => rows.map((r) => 2 * r[0] - r[1]), { numFeatures: 2, featureNames: ['a', 'b'], name: 'f' });
    assert.deepEqual(m.info, { name: 'f', kind: 'function', numFeatures: 2, numOutputs: 1, output: 'value', acceptsMissing: false, featureNames: ['a', 'b'] });
    const out = await m.predict(fromRows([[1, 2], [3, -1]]));
    assert.deepEqual([out.rows, out.cols, ...out.data], [2, 1, 0, 7]);
  });

  it('checks inputs and outputs', async () => {
    const m = functionModel((rows) => rows.map((r) => r[0]), { numFeatures: 2 });
    await assert.rejects(m.predict(matrix(1, 3)), usage(/takes 2 features per row, got 3/));
    await assert.rejects(m.predict(fromRows([[NaN, 1]])), usage(/missing value \(NaN\) in feature 0/));
    const short = functionModel(() => [1], { numFeatures: 1 });
    await assert.rejects(short.predict(matrix(2, 1)), usage(/returned 1 values for 2 rows/));
    const bad = functionModel((rows) => rows.map(() => NaN), { numFeatures: 1, acceptsMissing: true });
    await assert.rejects(bad.predict(fromRows([[NaN]])), /returned NaN for row 0/);
    assert.throws(() => functionModel(() => [], { numFeatures: 2, featureNames: ['a'] }), usage(/1 feature names for 2 features/));
  });
});

describe('multiOutputFunctionModel', () => {
  it('returns numOutputs per row', async () => {
    const m = multiOutputFunctionModel((rows) => rows.map((r) => [r[0], 1 - r[0]]), { numFeatures: 1, numOutputs: 2, outputNames: ['yes', 'no'], output: 'probability' });
    const out = await m.predict(fromRows([[0.25], [1]]));
    assert.deepEqual([out.cols, ...out.data], [2, 0.25, 0.75, 1, 0]);
    assert.deepEqual(m.info.outputNames, ['yes', 'no']);
    const wrong = multiOutputFunctionModel((rows) => rows.map(() => [1]), { numFeatures: 1, numOutputs: 2 });
    await assert.rejects(wrong.predict(matrix(1, 1)), usage(/returned 1 outputs for row 0, expected 2/));
  });
});
