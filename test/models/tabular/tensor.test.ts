import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { UsageError } from '../../../src/errors.js';
import { FunctionModel } from '../../../src/models/function.js';
import { tensorTabularModel } from '../../../src/models/tabular/tensor.js';
import { fromRows, matrix } from '../../../src/tabular/matrix.js';

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

describe('tensorTabularModel', () => {
  it('runs a core Model over [batch, features] rows in bounded batches, without leaking tensors', async () => {
    await useBackend('cpu');
    // outputs: [x0 + x1, x0 * x1]
    const core = new FunctionModel((x) => tf.concat([x.sum(1, true), x.prod(1, true)], 1), { inputShape: [2], numOutputs: 2, outputKind: 'logits', classNames: ['s', 'p'] });
    const m = tensorTabularModel(core, { batchSize: 2, featureNames: ['a', 'b'] });
    assert.deepEqual(m.info, { name: 'function', kind: 'tensor', numFeatures: 2, numOutputs: 2, output: 'margin', acceptsMissing: false, featureNames: ['a', 'b'], outputNames: ['s', 'p'] });
    const before = tf.memory().numTensors;
    const out = await m.predict(fromRows([[1, 2], [3, 4], [0.5, -2], [10, 0.25], [7, 1]]));
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(Array.from(out.data), [3, 2, 7, 12, -1.5, -1, 10.25, 2.5, 8, 7]);
    await assert.rejects(m.predict(matrix(1, 3)), usage(/takes 2 features per row, got 3/));
  });

  it('refuses models whose input is not a row of features', () => {
    const image = new FunctionModel((x) => x.reshape([-1, 4]), { inputShape: [2, 2], numOutputs: 4 });
    assert.throws(() => tensorTabularModel(image), usage(/takes inputs of shape \[2,2\] per row, not a row of features/));
  });
});
