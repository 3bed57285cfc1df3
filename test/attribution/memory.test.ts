import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { METHODS } from '../../src/attribution/registry.js';
import { blockMask } from '../../src/attribution/perturbation/feature-ablation.js';
import { readIdx } from '../../src/io/idx.js';

/** Small settings so 100 calls of every method stay quick; the code paths are the full ones. */
const OPTIONS: Record<string, Record<string, unknown>> = {
  'integrated-gradients': { steps: 8, internalBatchSize: 5 },
  smoothgrad: { samples: 3, internalBatchSize: 2 },
  'gradient-shap': { samples: 3, baselines: { shape: [2, 28, 28, 1], data: new Float32Array(2 * 784).fill(0.1) } },
  deeplift: { baselines: 0.1 },
  'grad-cam': { layer: 'conv2', upsample: 'bilinear' },
  'guided-grad-cam': { layer: 'conv2' },
  occlusion: { window: [7, 7, 1], strides: [7, 7, 1], internalBatchSize: 7 },
  'feature-ablation': { featureMask: blockMask([28, 28, 1], 7, 'NHWC') },
  'shapley-values': { featureMask: blockMask([28, 28, 1], 14, 'NHWC') },
  // SLIC superpixels (the default path) with few samples and segments.
  lime: { samples: 12, slic: { nSegments: 8 }, internalBatchSize: 5 },
  'kernel-shap': { samples: 12, slic: { nSegments: 8 }, internalBatchSize: 5 },
};

describe('tensor memory stays flat', () => {
  let model: Model;
  before(async () => {
    await useBackend('wasm');
    model = await loadModel('digits');
  });

  for (const entry of METHODS) {
    it(`${entry.name}: 100 calls leave tf.memory().numTensors where it was`, async () => {
      const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
      const input = { shape: [2, 28, 28, 1], data: Float32Array.from(images.data.subarray(0, 2 * 784), (v) => v / 255) };
      const method = entry.create(model);
      const options = { target: [7, 2], ...OPTIONS[entry.name] };
      await method.attribute(input, options); // first call may build lasting state (kernels, weights on the backend)
      const before = tf.memory().numTensors;
      for (let i = 0; i < 100; i++) await method.attribute(input, options);
      assert.equal(tf.memory().numTensors, before);
    });
  }
});
