import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import { FunctionModel } from '../../src/models/function.js';
import { IntegratedGradients } from '../../src/attribution/gradient/integrated-gradients.js';
import { readIdx } from '../../src/io/idx.js';

describe('integrated gradients axioms', () => {
  before(async () => useBackend('wasm'));

  it('completeness on the digit CNN: |sum(attr) - (f(x) - f(0))| is small and shrinks with the number of steps', async () => {
    const model = await loadModel('digits');
    const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
    const x = { shape: [4, 28, 28, 1], data: Float32Array.from(images.data.subarray(0, 4 * 784), (v) => v / 255) };
    const ig = new IntegratedGradients(model);
    const meanAbsDelta: number[] = [];
    for (const steps of [4, 16, 64, 256]) {
      const r = await ig.attribute(x, { steps, integration: 'riemann-middle', internalBatchSize: 128 });
      // The reported delta is what it says it is.
      const fx = (await model.forward(tf.tensor(x.data, x.shape))).arraySync() as number[][];
      const f0 = (await model.forward(tf.zeros([1, 28, 28, 1]))).arraySync() as number[][];
      for (let row = 0; row < 4; row++) {
        const t = r.target![row];
        const sum = r.row(row).data.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - (fx[row][t] - f0[0][t]) - r.convergenceDelta![row]) < 1e-3, `delta of row ${row}`);
      }
      meanAbsDelta.push(r.convergenceDelta!.reduce((a, d) => a + Math.abs(d), 0) / 4);
    }
    for (let i = 1; i < meanAbsDelta.length; i++) assert.ok(meanAbsDelta[i] < meanAbsDelta[i - 1], `deltas ${meanAbsDelta}`);
    assert.ok(meanAbsDelta[3] < 0.05, `deltas ${meanAbsDelta}`);
  });

  it("reproduces Captum's own test point: f = ReLU(ReLU(x1) - 1 - ReLU(x2)) at (3, 1) gives (1.5, -0.5)", async () => {
    const model = new FunctionModel((x) => {
      const [x1, x2] = tf.split(x, 2, 1);
      return tf.relu(tf.sub(tf.sub(tf.relu(x1), 1), tf.relu(x2)));
    }, { inputShape: [2], numOutputs: 1 });
    const r = await new IntegratedGradients(model).attribute({ shape: [1, 2], data: new Float32Array([3, 1]) }, { steps: 500, target: 0 });
    assert.ok(Math.abs(r.attributions[0] - 1.5) < 1e-2, `${r.attributions[0]}`);
    assert.ok(Math.abs(r.attributions[1] + 0.5) < 1e-2, `${r.attributions[1]}`);
    assert.ok(Math.abs(r.attributions[0] + r.attributions[1] - 1) < 1e-2);
  });
});
