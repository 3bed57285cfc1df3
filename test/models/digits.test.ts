import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import { readIdx } from '../../src/io/idx.js';

describe('the built-in digit model (committed weights)', () => {
  before(async () => useBackend('wasm'));

  it('reaches at least 98% accuracy on the 10,000 MNIST test images', async () => {
    const model = await loadModel('digits');
    const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
    const labels = readIdx('data/mnist/t10k-labels-idx1-ubyte.gz');
    const n = images.shape[0];
    assert.equal(n, 10000);
    let correct = 0;
    for (let start = 0; start < n; start += 500) {
      const x = tf.tidy(() => tf.tensor(images.data.subarray(start * 784, (start + 500) * 784), [500, 28, 28, 1], 'float32').div(255));
      const out = await model.forward(x);
      const predicted = tf.tidy(() => out.argMax(1).dataSync());
      tf.dispose([x, out]);
      predicted.forEach((p, i) => { if (p === labels.data[start + i]) correct++; });
    }
    const accuracy = correct / n;
    assert.ok(accuracy >= 0.98, `accuracy ${accuracy}`);
    model.dispose();
  });
});
