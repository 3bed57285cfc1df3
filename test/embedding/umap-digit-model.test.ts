import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectActivations } from '../../src/embedding/activations/collect-activations.js';
import { umap } from '../../src/embedding/projection/umap.js';
import { trustworthiness } from '../../src/embedding/quality/trustworthiness.js';
import { readIdx } from '../../src/io/idx.js';
import { loadModel } from '../../src/models/load.js';
import { knnAccuracy } from '../helpers/umap-data.js';

test('umap: the digit model\'s dense1 activations of 600 test digits keep their neighbourhoods and separate by class', async () => {
  const count = 600;
  const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
  const labels = readIdx('data/mnist/t10k-labels-idx1-ubyte.gz').data.subarray(0, count);
  const model = await loadModel('digits', { engine: 'native' });
  const activations = await collectActivations(model, { shape: [count, 28, 28, 1], data: Float32Array.from(images.data.subarray(0, count * 784), (v) => v / 255) },
    { layer: 'dense1', predictions: false });
  assert.equal(activations.dim, 128);
  const projection = await umap(activations, { seed: 0 });
  const trust = trustworthiness(activations, projection, 5);
  const accuracy = knnAccuracy(projection, labels);
  // Measured: trustworthiness 0.988, 5-NN accuracy 0.982 (the model is 98.9% accurate on the MNIST test set).
  assert.ok(trust >= 0.97, `trustworthiness ${trust}`);
  assert.ok(accuracy >= 0.95, `5-NN accuracy in 2-D ${accuracy}`);
});
