import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { EdgeDetector, sobelMagnitude } from '../../../src/attribution/control/edge-detector.js';
import { UsageError } from '../../../src/errors.js';
import { FunctionModel } from '../../../src/models/function.js';

const reference = JSON.parse(readFileSync('test/data/reference/similarity/similarity.json', 'utf8')) as {
  sobel: { shape: [number, number]; image: number[]; sobel: number[] }[];
};

describe('edge-detector control', () => {
  it('equals skimage.filters.sobel (reflect borders) to 1e-12', () => {
    for (const s of reference.sobel) {
      const got = sobelMagnitude(s.image, s.shape[0], s.shape[1]);
      got.forEach((v, i) => assert.ok(Math.abs(v - s.sobel[i]) < 1e-12, `pixel ${i}: ${v} vs ${s.sobel[i]}`));
    }
  });

  it('ignores the model, and gives the same per-channel maps for channels-last and channels-first inputs', async () => {
    const { shape: [h, w], image } = reference.sobel[0];
    // Three channels: the image, its negative times 2 (same edges, twice as strong), and a constant (no edges).
    const nhwc = new Float32Array(h * w * 3);
    const nchw = new Float32Array(h * w * 3);
    image.forEach((v, i) => {
      nhwc[i * 3] = v; nhwc[i * 3 + 1] = -2 * v; nhwc[i * 3 + 2] = 0.5;
      nchw[i] = v; nchw[h * w + i] = -2 * v; nchw[2 * h * w + i] = 0.5;
    });
    const sum = (t: tf.Tensor) => tf.sum(t.reshape([t.shape[0], -1]), 1, true).tile([1, 3]);
    const a = new FunctionModel(sum, { inputShape: [h, w, 3], numOutputs: 3 });
    const b = new FunctionModel((t) => tf.neg(sum(t)), { inputShape: [h, w, 3], numOutputs: 3 });
    const c = new FunctionModel(sum, { inputShape: [3, h, w], numOutputs: 3 });
    const ra = await new EdgeDetector(a).attribute({ shape: [1, h, w, 3], data: nhwc }, { target: 1 });
    const rb = await new EdgeDetector(b).attribute({ shape: [1, h, w, 3], data: nhwc }, { target: 2 });
    const rc = await new EdgeDetector(c).attribute({ shape: [1, 3, h, w], data: nchw }, { target: 0 });
    assert.deepEqual([...ra.attributions], [...rb.attributions]);
    for (let i = 0; i < h * w; i++) {
      assert.ok(Math.abs(ra.attributions[i * 3] - reference.sobel[0].sobel[i]) < 1e-6);
      assert.ok(Math.abs(ra.attributions[i * 3 + 1] - 2 * reference.sobel[0].sobel[i]) < 1e-6);
      assert.equal(ra.attributions[i * 3 + 2], 0);
      for (let ch = 0; ch < 3; ch++) assert.equal(rc.attributions[ch * h * w + i], ra.attributions[i * 3 + ch]);
    }
  });

  it('refuses models that do not take images', async () => {
    const model = new FunctionModel((t) => t, { inputShape: [5], numOutputs: 5 });
    await assert.rejects(new EdgeDetector(model).attribute({ shape: [1, 5], data: new Float32Array(5) }, { target: 0 }),
      (e: Error) => e instanceof UsageError && /needs image inputs/.test(e.message));
  });
});
