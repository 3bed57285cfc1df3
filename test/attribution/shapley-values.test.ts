import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { ShapleyValues } from '../../src/attribution/perturbation/shapley-values.js';
import { blockMask } from '../../src/attribution/perturbation/feature-ablation.js';
import { loadModel } from '../../src/models/load.js';
import { UsageError } from '../../src/errors.js';
import { assertClose, goldenCase, mlpFixture, referenceMlp } from '../helpers/mlp.js';

const mlpInputs = () => ({ shape: [3, 4], data: Float32Array.from(mlpFixture.inputs.flat()) });

describe('exact Shapley values', () => {
  before(async () => useBackend('wasm'));

  for (const id of ['mlp/exact_shapley', 'mlp/captum_shapley_values']) {
    it(`match ${id} (float64 reference) to 1e-4`, async () => {
      const c = goldenCase(id);
      const r = await new ShapleyValues(referenceMlp()).attribute(mlpInputs(), { target: c.target as number[], internalBatchSize: 7 });
      assertClose(r.attributions, (c.output as number[][]).flat(), 1e-4, id);
      assert.equal(r.params.evaluations, 3 * 15);
    });
  }

  it('are efficient on the digit CNN: each row sums to f(x) - f(baseline) over four 14x14 blocks', async () => {
    const model = await loadModel('digits');
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 3);
    const mask = blockMask([28, 28, 1], 14, 'NHWC'); // 4 features
    const r = await new ShapleyValues(model).attribute(x, { featureMask: mask, baselines: 0.2, target: [3, 5] });
    const out = (await model.forward(x)).arraySync() as number[][];
    const base = (await model.forward(tf.fill([1, 28, 28, 1], 0.2))).arraySync() as number[][];
    [3, 5].forEach((t, row) => {
      const sum = r.row(row).data.reduce((a, b) => a + b, 0) / (14 * 14); // each feature's value sits on its 196 pixels
      assert.ok(Math.abs(sum - (out[row][t] - base[0][t])) < 1e-4 * Math.max(1, Math.abs(out[row][t])), `row ${row}: ${sum}`);
    });
    x.dispose();
  });

  it('refuse too many features, saying how to group them', async () => {
    const model = await loadModel('digits');
    await assert.rejects(new ShapleyValues(model).attribute({ shape: [28, 28, 1], data: new Float32Array(784) }),
      (e: Error) => e instanceof UsageError && /784 features need 2\^784/.test(e.message) && /blockMask/.test(e.message));
  });
});
