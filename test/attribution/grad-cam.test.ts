import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { UsageError } from '../../src/errors.js';
import { GradCam } from '../../src/attribution/gradient/grad-cam.js';
import { GuidedGradCam } from '../../src/attribution/gradient/guided-grad-cam.js';
import { GuidedBackprop } from '../../src/attribution/gradient/guided-backprop.js';
import { interpolate } from '../../src/attribution/gradient/interpolate.js';
import { NoiseTunnel } from '../../src/attribution/gradient/noise-tunnel.js';
import { TfjsLayersModel } from '../../src/models/tfjs-layers.js';
import { assertClose } from '../helpers/mlp.js';

// conv: 2 filters 2x2 (valid, relu) on a 3x3 one-channel input -> A [2, 2, 2]; flatten; dense to 3 logits.
const K = [
  [[1, 0.5], [0, 0.5]], // K[0][0][c], K[0][1][c]
  [[0, -1], [-1, 0.25]], // K[1][0][c], K[1][1][c]
];
const KB = [0.1, -0.2];
const W = Array.from({ length: 8 }, (_, k) => [0, 1, 2].map((t) => (((k * 3 + t) % 5) - 2) * 0.5));
const X = [
  [1, 2, 0, -1, 0.5, 3, 2, -2, 1],
  [0.5, -1, 1.5, 2, 0, -0.5, 1, 1, -2],
];
const TARGETS = [1, 2];

function tinyConvNet(): TfjsLayersModel {
  const net = tf.sequential();
  net.add(tf.layers.conv2d({ name: 'conv', inputShape: [3, 3, 1], filters: 2, kernelSize: 2, activation: 'relu' }));
  net.add(tf.layers.flatten({ name: 'flat' }));
  net.add(tf.layers.dense({ name: 'out', units: 3 }));
  net.layers[0].setWeights([tf.tensor4d(K.flat(2), [2, 2, 1, 2]), tf.tensor1d(KB)]);
  net.layers[2].setWeights([tf.tensor2d(W), tf.zeros([3])]);
  return new TfjsLayersModel(net, { name: 'tiny-conv' });
}

/** Grad-CAM by hand: A = relu(conv), dA = the dense column of the target (flatten order i, j, c). */
function handCam(row: number, target: number): number[][] {
  const x = (i: number, j: number) => X[row][i * 3 + j];
  const A = (i: number, j: number, c: number) =>
    Math.max(0, KB[c] + x(i, j) * K[0][0][c] + x(i, j + 1) * K[0][1][c] + x(i + 1, j) * K[1][0][c] + x(i + 1, j + 1) * K[1][1][c]);
  const dA = (i: number, j: number, c: number) => W[(i * 2 + j) * 2 + c][target];
  const w = [0, 1].map((c) => (dA(0, 0, c) + dA(0, 1, c) + dA(1, 0, c) + dA(1, 1, c)) / 4);
  return [0, 1].map((i) => [0, 1].map((j) => w[0] * A(i, j, 0) + w[1] * A(i, j, 1)));
}

const input = () => ({ shape: [2, 3, 3, 1], data: Float32Array.from(X.flat()) });

/** conv (same, relu) on 4x4x2 -> max-pool to 2x2x3 -> dense; seeded. */
function pooledNet(): TfjsLayersModel {
  const net = tf.sequential();
  net.add(tf.layers.conv2d({ name: 'conv', inputShape: [4, 4, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu',
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: tf.initializers.constant({ value: 0.05 }) }));
  net.add(tf.layers.maxPooling2d({ name: 'pool', poolSize: 2 }));
  net.add(tf.layers.flatten());
  net.add(tf.layers.dense({ name: 'out', units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  return new TfjsLayersModel(net, { name: 'pooled' });
}
const pooledInput = () => ({ shape: [2, 4, 4, 2], data: Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 1.7) + 0.2) });

describe('Grad-CAM', () => {
  before(async () => useBackend('wasm'));

  it('equals the hand-computed channel-weighted sum at layer resolution', async () => {
    const expected = [handCam(0, TARGETS[0]), handCam(1, TARGETS[1])].flat(2);
    assert.ok(expected.some((v) => v < 0) && expected.some((v) => v > 0), 'the example needs both signs');
    const r = await new GradCam(tinyConvNet()).attribute(input(), { layer: 'conv', target: TARGETS, internalBatchSize: 1 });
    assert.equal(r.method, 'grad-cam');
    assert.deepEqual(r.shape, [2, 2, 2, 1]);
    assertClose(r.attributions, expected, 1e-5, 'cam');
    assert.deepEqual(r.params, { layer: 'conv', relu: false, upsample: 'none', layerShape: [2, 2, 1], internalBatchSize: 1 });
    const relu = await new GradCam(tinyConvNet()).attribute(input(), { layer: 'conv', target: TARGETS, relu: true });
    assertClose(relu.attributions, expected.map((v) => Math.max(0, v)), 1e-5, 'relu cam');
  });

  it('upsamples 2x2 to the 3x3 input: nearest repeats (0, 0, 1), bilinear gives (a, (a + b) / 2, b)', async () => {
    const model = tinyConvNet();
    const cams = [handCam(0, TARGETS[0]), handCam(1, TARGETS[1])];
    const pick = { nearest: (v: number[]) => [v[0], v[0], v[1]], bilinear: (v: number[]) => [v[0], (v[0] + v[1]) / 2, v[1]] };
    for (const mode of ['nearest', 'bilinear'] as const) {
      const r = await new GradCam(model).attribute(input(), { layer: 'conv', target: TARGETS, upsample: mode });
      assert.deepEqual(r.shape, [2, 3, 3, 1]);
      // Resize each row along j, then each column along i; read out row-major.
      const expected = cams.flatMap((cam) => {
        const rows = cam.map((row) => pick[mode](row));
        const cols = [0, 1, 2].map((j) => pick[mode]([rows[0][j], rows[1][j]]));
        return [0, 1, 2].flatMap((i) => cols.map((col) => col[i]));
      });
      assertClose(r.attributions, expected, 1e-5, mode);
      assert.deepEqual(r.params.layerShape, [2, 2, 1]);
    }
  });

  it('explains that a layer is needed, names unknown layers, and refuses to upsample a flat layer', async () => {
    const method = new GradCam(tinyConvNet());
    await assert.rejects(method.attribute(input(), {} as never),
      (e: unknown) => e instanceof UsageError && /needs a layer/.test(e.message) && /conv/.test(e.message));
    await assert.rejects(method.attribute(input(), { layer: 'nope' }),
      (e: unknown) => e instanceof UsageError && /no layer named "nope"/.test(e.message));
    await assert.rejects(method.attribute(input(), { layer: 'out', upsample: 'bilinear' }),
      (e: unknown) => e instanceof UsageError && /cannot upsample/.test(e.message));
    await assert.rejects(method.attribute(input(), { layer: 'conv', upsample: 'cubic' as never }),
      (e: unknown) => e instanceof UsageError && /upsample/.test(e.message));
    // A flat layer at its own resolution is the sum of gradient times activation, [B, 1].
    const flat = await method.attribute(input(), { layer: 'out', target: TARGETS });
    assert.deepEqual(flat.shape, [2, 1]);
  });

  it('can be smoothed by a noise tunnel, whose rows then have the layer map\'s shape', async () => {
    const model = tinyConvNet();
    const plain = await new GradCam(model).attribute(input(), { layer: 'conv', target: TARGETS });
    const tunnel = new NoiseTunnel(new GradCam(model));
    const r = await tunnel.attribute(input(), { target: TARGETS, stdev: 0, samples: 3, methodOptions: { layer: 'conv' } });
    assert.deepEqual(r.shape, [2, 2, 2, 1]);
    assertClose(r.attributions, plain.attributions, 1e-6, 'smoothgrad of grad-cam, stdev 0');
    assert.deepEqual(r.params.methodParams, { layer: 'conv', relu: false, upsample: 'none', layerShape: [2, 2, 1] });
  });

  it('keeps tensor memory flat over 20 calls', async () => {
    const method = new GradCam(pooledNet());
    const run = () => method.attribute(pooledInput(), { layer: 'pool', upsample: 'bilinear', relu: true, internalBatchSize: 1 });
    await run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await run();
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('Guided Grad-CAM', () => {
  before(async () => useBackend('wasm'));

  it('is guided backprop times the relu Grad-CAM map resized to the input, shared by the channels', async () => {
    const model = pooledNet();
    for (const mode of ['nearest', 'bilinear'] as const) {
      const r = await new GuidedGradCam(model).attribute(pooledInput(), { layer: 'pool', target: [0, 2], upsample: mode });
      const guided = await new GuidedBackprop(model).attribute(pooledInput(), { target: [0, 2] });
      const cam = await new GradCam(model).attribute(pooledInput(), { layer: 'pool', target: [0, 2], relu: true, upsample: mode });
      assert.deepEqual(r.shape, [2, 4, 4, 2]);
      assert.deepEqual(cam.shape, [2, 4, 4, 1]);
      const expected = Array.from(guided.attributions, (g, i) => g * cam.attributions[Math.floor(i / 2)]);
      assertClose(r.attributions, expected, 1e-5, mode);
      assert.ok(r.attributions.some((v) => v !== 0), 'a non-trivial example');
      assert.deepEqual(r.params, { layer: 'pool', upsample: mode, relu: true, layerShape: [2, 2, 1], internalBatchSize: 64 });
    }
    // Captum's default is nearest.
    const byDefault = await new GuidedGradCam(model).attribute(pooledInput(), { layer: 'pool', target: [0, 2] });
    assert.equal(byDefault.params.upsample, 'nearest');
  });

  it('keeps tensor memory flat over 20 calls', async () => {
    const method = new GuidedGradCam(pooledNet());
    const run = () => method.attribute(pooledInput(), { layer: 'pool', internalBatchSize: 1 });
    await run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await run();
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('interpolate (PyTorch F.interpolate semantics)', () => {
  before(async () => useBackend('wasm'));

  const resize = (values: number[], shape: number[], size: number[], mode: 'nearest' | 'bilinear') => tf.tidy(() =>
    Array.from(interpolate(tf.tensor(values, [1, ...shape, 1]), size, mode).dataSync()));

  it('bilinear with align_corners=False matches hand-computed values', () => {
    // torch.nn.functional.interpolate(torch.tensor([[[[1., 2.], [3., 4.]]]]), size=(4, 4), mode='bilinear')
    assert.deepEqual(resize([1, 2, 3, 4], [2, 2], [4, 4], 'bilinear'),
      [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
    // Rows 2 -> 3: sources -1/6 (clamped to 0), 0.5, 7/6 (clamped to the last row); columns 3 -> 2: sources 0.25, 1.75.
    assertClose(resize([1, 2, 3, 4, 5, 6], [2, 3], [3, 2], 'bilinear'), [1.25, 2.75, 2.75, 4.25, 4.25, 5.75], 1e-6, '2x3 -> 3x2');
    // 1-D: 3 -> 5 has sources 0 (clamped), 0.4, 1, 1.6, 2.2 (past the end: the last value); 4 -> 2 averages pairs.
    assertClose(resize([0, 10, 20], [3], [5], 'bilinear'), [0, 4, 10, 16, 20], 1e-6, '3 -> 5');
    assertClose(resize([0, 1, 2, 3], [4], [2], 'bilinear'), [0.5, 2.5], 1e-6, '4 -> 2');
  });

  it('nearest takes floor(dst * in / out)', () => {
    assert.deepEqual(resize([0, 1, 2], [3], [7], 'nearest'), [0, 0, 0, 1, 1, 2, 2]);
    assert.deepEqual(resize([0, 1, 2], [3], [5], 'nearest'), [0, 0, 1, 1, 2]);
    assert.deepEqual(resize([0, 1], [2], [4], 'nearest'), [0, 0, 1, 1]);
    assert.deepEqual(resize([0, 1, 2, 3, 4], [5], [2], 'nearest'), [0, 2]);
    assert.deepEqual(resize([1, 2, 3, 4], [2, 2], [3, 3], 'nearest'), [1, 1, 2, 1, 1, 2, 3, 3, 4]);
  });

  it('bilinear agrees with TF.js resizeBilinear with half-pixel centers', () => {
    const values = Array.from({ length: 35 }, (_, i) => Math.cos(i * 0.9));
    for (const size of [[13, 4], [3, 11], [5, 7]]) {
      const expected = tf.tidy(() => Array.from(tf.image.resizeBilinear(tf.tensor4d(values, [1, 5, 7, 1]), size as [number, number], false, true).dataSync()));
      assertClose(resize(values, [5, 7], size, 'bilinear'), expected, 1e-5, `5x7 -> ${size}`);
    }
  });
});
