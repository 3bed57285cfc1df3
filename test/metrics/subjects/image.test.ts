import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { FunctionModel } from '../../../src/models/function.js';
import { loadModel } from '../../../src/models/load.js';
import type { Model } from '../../../src/models/model.js';
import { testDigits } from '../../helpers/mnist.js';
import { createImageSubject } from '../../../src/metrics/subjects/image.js';
import { isModelBacked, maskOf, type Perturbation } from '../../../src/metrics/subject.js';
import { UsageError } from '../../../src/errors.js';

/** A linear model on [H, W, C] images: logits = W x + b, with W and b from a fixed formula. */
const H = 4;
const W = 5;
const C = 3;
const D = H * W * C;
const K = 3;
const weight = Float32Array.from({ length: D * K }, (_, i) => Math.sin(1.7 * i + 0.3));
const bias = Float32Array.from([0.5, -0.25, 1]);
const linear = new FunctionModel((x) => tf.add(tf.matMul(x.reshape([-1, D]), tf.tensor2d(weight, [D, K])), tf.tensor1d(bias)),
  { inputShape: [H, W, C], numOutputs: K, name: 'linear', outputKind: 'logits' });
const image = Float32Array.from({ length: 2 * D }, (_, i) => ((i * 37) % 11) / 10);
const inputs = { shape: [2, H, W, C], data: image };
const at = (y: number, x: number, c: number) => (y * W + x) * C + c;

/** W x + b for one flat row, in float64. */
function logit(x: ArrayLike<number>, k: number): number {
  let s = bias[k];
  for (let d = 0; d < D; d++) s += weight[d * K + k] * x[d];
  return s;
}

/** A 2-D Gaussian blur computed directly (not separably), edges mirrored half-sample, cut at 4 sigma. */
function blurByHand(x: Float32Array, sigma: number): Float64Array {
  const r = Math.round(4 * sigma);
  const mirror = (i: number, n: number) => { let j = i; while (j < 0 || j >= n) j = j < 0 ? -j - 1 : 2 * n - j - 1; return j; };
  const out = new Float64Array(D);
  let z = 0;
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) z += Math.exp(-(dy * dy + dx * dx) / (2 * sigma * sigma));
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < H; y++) {
      for (let x0 = 0; x0 < W; x0++) {
        let s = 0;
        for (let dy = -r; dy <= r; dy++) {
          for (let dx = -r; dx <= r; dx++) {
            s += Math.exp(-(dy * dy + dx * dx) / (2 * sigma * sigma)) * x[at(mirror(y + dy, H), mirror(x0 + dx, W), c)];
          }
        }
        out[at(y, x0, c)] = s / z;
      }
    }
  }
  return out;
}

describe('image subject on a linear model', () => {
  before(async () => { await useBackend('wasm'); });

  it('integrated gradients per pixel equal w * (x - 0) summed over channels, and targets default to the prediction', async () => {
    const subject = await createImageSubject(linear, inputs, 'integrated-gradients', { methodOptions: { steps: 16 } });
    assert.ok(isModelBacked(subject));
    assert.deepEqual(subject.featureShape, [H, W]);
    for (let r = 0; r < 2; r++) {
      const row = image.subarray(r * D, (r + 1) * D);
      const logits = [0, 1, 2].map((k) => logit(row, k));
      const top = logits.indexOf(Math.max(...logits));
      assert.equal(subject.targets[r], top);
      const a = subject.attribution(r);
      assert.equal(a.length, H * W);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          let expected = 0;
          for (let c = 0; c < C; c++) expected += weight[at(y, x, c) * K + top] * row[at(y, x, c)];
          assert.ok(Math.abs(a[y * W + x] - expected) < 1e-4, `row ${r} pixel ${y},${x}: ${a[y * W + x]} vs ${expected}`);
        }
      }
    }
  });

  it('score of remove masks equals W x\' + b for zeros, mean, number and blur baselines', async () => {
    const subject = await createImageSubject(linear, inputs, 'saliency', { targets: [2, 0], blurSigma: 0.8 });
    const removed = [0, 3, 7, 8, 19];
    const mask = maskOf(H * W, removed);
    const perturbations: Perturbation[] = [];
    for (const baseline of ['zeros', 'mean', 1.5, 'blur'] as const) {
      for (const row of [0, 1]) perturbations.push({ row, kind: 'remove', mask, baseline });
    }
    perturbations.push({ row: 1, kind: 'remove', mask: new Uint8Array(H * W) });
    const scores = await subject.score(perturbations);
    let i = 0;
    for (const baseline of ['zeros', 'mean', 1.5, 'blur'] as const) {
      for (const row of [0, 1]) {
        const x = Float64Array.from(image.subarray(row * D, (row + 1) * D));
        const blurred = blurByHand(image.subarray(row * D, (row + 1) * D), 0.8);
        const mean = [0, 1, 2].map((c) => { let s = 0; for (let p = 0; p < H * W; p++) s += x[p * C + c]; return s / (H * W); });
        for (const p of removed) {
          for (let c = 0; c < C; c++) {
            x[p * C + c] = baseline === 'zeros' ? 0 : baseline === 'mean' ? mean[c] : baseline === 'blur' ? blurred[p * C + c] : baseline;
          }
        }
        const expected = logit(x, subject.targets[row]);
        assert.ok(Math.abs(scores[i] - expected) < 1e-4, `${baseline} row ${row}: ${scores[i]} vs ${expected}`);
        i++;
      }
    }
    assert.ok(Math.abs(scores[i] - logit(image.subarray(D), 0)) < 1e-4, 'an empty mask leaves the row as it is');
  });

  it('the blur baseline with every pixel removed is the whole image blurred (wider sigma, edges mirrored)', async () => {
    const subject = await createImageSubject(linear, inputs, 'saliency', { baseline: 'blur', blurSigma: 1.3 });
    const [score] = await subject.score([{ row: 0, kind: 'remove', mask: new Uint8Array(H * W).fill(1) }]);
    const expected = logit(blurByHand(image.subarray(0, D), 1.3), subject.targets[0]);
    assert.ok(Math.abs(score - expected) < 1e-4, `${score} vs ${expected}`);
  });

  it('input perturbations run as given; explain takes other targets', async () => {
    const subject = await createImageSubject(linear, inputs, 'input-x-gradient', { targets: [1, 1] });
    const noisy = Float32Array.from(image.subarray(0, D), (v, j) => v + 0.01 * Math.cos(j));
    const [score] = await subject.score([{ row: 0, kind: 'input', values: noisy }]);
    assert.ok(Math.abs(score - logit(noisy, 1)) < 1e-4);
    const [other] = await subject.explain([{ row: 0, kind: 'input', values: noisy }], Int32Array.from([2]));
    for (let p = 0; p < H * W; p++) {
      let expected = 0;
      for (let c = 0; c < C; c++) expected += weight[(p * C + c) * K + 2] * noisy[p * C + c];
      assert.ok(Math.abs(other[p] - expected) < 1e-5);
    }
  });

  it('bad perturbations, rows, targets and options are usage errors that say what is wrong', async () => {
    const subject = await createImageSubject(linear, inputs, 'saliency');
    await assert.rejects(subject.score([{ row: 2, kind: 'remove', mask: new Uint8Array(H * W) }]), (e: unknown) =>
      e instanceof UsageError && /row 2.*2 rows/.test(e.message));
    await assert.rejects(subject.score([{ row: 0, kind: 'remove', mask: new Uint8Array(H * W * C) }]), (e: unknown) =>
      e instanceof UsageError && /mask of 60 values.*20 features/.test(e.message));
    await assert.rejects(subject.score([{ row: 0, kind: 'input', values: new Float32Array(3) }]), (e: unknown) =>
      e instanceof UsageError && /3 values/.test(e.message));
    await assert.rejects(subject.score([{ row: 0, kind: 'input', values: new Float32Array(D).fill(Number.NaN) }]), (e: unknown) =>
      e instanceof UsageError && /NaN/.test(e.message));
    await assert.rejects(subject.explain([{ row: 0, kind: 'remove', mask: new Uint8Array(H * W) }], Int32Array.from([5])), UsageError);
    assert.throws(() => subject.attribution(-1), UsageError);
    assert.throws(() => subject.input(2), UsageError);
    assert.throws(() => subject.features(9), UsageError);
    await assert.rejects(createImageSubject(linear, inputs, 'no-such-method'), (e: unknown) => e instanceof UsageError && /integrated-gradients/.test(e.message));
    await assert.rejects(createImageSubject(linear, inputs, 'saliency', { targets: [0] }), UsageError);
    await assert.rejects(createImageSubject(linear, inputs, 'saliency', { targets: [0, 3] }), UsageError);
    await assert.rejects(createImageSubject(linear, { shape: [2, 3, 3, 2], data: new Float32Array(36) }, 'saliency'), UsageError);
    await assert.rejects(subject.score([{ row: 0, kind: 'remove', mask: new Uint8Array(H * W), baseline: Number.NaN }]), UsageError);
  });
});

/** A small convolution network written for NHWC, and the same network taking NCHW inputs. */
const filterValues = Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(0.9 * i));
const denseValues = Float32Array.from({ length: 6 * 5 * 4 * 3 }, (_, i) => Math.sin(0.37 * i) / 10);
const convNet = (x: tf.Tensor) => tf.matMul(tf.relu(tf.conv2d(x as tf.Tensor4D, tf.tensor4d(filterValues, [3, 3, 3, 4]), 1, 'same'))
  .reshape([-1, 120]), tf.tensor2d(denseValues, [120, 3]));
const nhwc = new FunctionModel(convNet, { inputShape: [6, 5, 3], numOutputs: 3, name: 'conv-nhwc', outputKind: 'logits' });
const nchw = new FunctionModel((x) => convNet(tf.transpose(x, [0, 2, 3, 1])), {
  inputShape: [3, 6, 5], numOutputs: 3, name: 'conv-nchw', outputKind: 'logits',
  preprocessing: { layout: 'NCHW', width: 5, height: 6, channels: 3, scale: 1 / 255, mean: [0], std: [1] },
});

describe('image subject layouts', () => {
  before(async () => { await useBackend('wasm'); });
  it('an NCHW model and an NHWC model give the same pixel features, scores and blur for the same image', async () => {
    const hwc = Float32Array.from({ length: 2 * 90 }, (_, i) => ((i * 13) % 17) / 17);
    const chw = new Float32Array(hwc.length);
    for (let r = 0; r < 2; r++) for (let y = 0; y < 6; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 3; c++) {
      chw[r * 90 + (c * 6 + y) * 5 + x] = hwc[r * 90 + (y * 5 + x) * 3 + c];
    }
    const a = await createImageSubject(nhwc, { shape: [2, 6, 5, 3], data: hwc }, 'saliency', { baseline: 'blur' });
    const b = await createImageSubject(nchw, { shape: [2, 3, 6, 5], data: chw }, 'saliency', { baseline: 'blur' });
    assert.deepEqual(Array.from(a.targets), Array.from(b.targets));
    assert.deepEqual(a.featureShape, [6, 5]);
    assert.deepEqual(b.featureShape, [6, 5]);
    for (let r = 0; r < 2; r++) {
      const fa = a.attribution(r);
      const fb = b.attribution(r);
      assert.ok(fa.some((v) => v !== 0));
      for (let p = 0; p < 30; p++) assert.ok(Math.abs(fa[p] - fb[p]) < 1e-5, `pixel ${p}: ${fa[p]} vs ${fb[p]}`);
    }
    const mask = maskOf(30, [0, 1, 2, 10, 11, 29]);
    const perturbations = ['zeros', 'mean', 'blur'].flatMap((baseline) =>
      [0, 1].map((row) => ({ row, kind: 'remove' as const, mask, baseline: baseline as 'zeros' | 'mean' | 'blur' })));
    const sa = await a.score(perturbations);
    const sb = await b.score(perturbations);
    for (let i = 0; i < sa.length; i++) assert.ok(Math.abs(sa[i] - sb[i]) < 1e-5, `${sa[i]} vs ${sb[i]}`);
    assert.notEqual(sa[0], sa[2]);
  });
});

describe('image subject on the digit model', () => {
  let model: Model;
  const rows = 6;
  const digits = testDigits(rows).inputs;
  before(async () => {
    await useBackend('wasm');
    model = await loadModel('digits');
  });

  it('score of unmasked rows equals model.forward at the target, and explain of the rows equals attribution', async () => {
    const progress: [number, number, string | undefined][] = [];
    const subject = await createImageSubject(model, digits, 'integrated-gradients', {
      methodOptions: { steps: 8 }, internalBatchSize: 4, onProgress: (d, t, stage) => { progress.push([d, t, stage]); },
    });
    assert.ok(progress.length > 2 && progress.every(([d, t, s], i) => s === 'explain' && t === rows && d <= t && (i === 0 || d >= progress[i - 1][0])));
    assert.equal(progress[progress.length - 1][0], rows);
    const x = tf.tensor(digits.data, digits.shape);
    const logits = await model.forward(x);
    const expected = await logits.array() as number[][];
    x.dispose();
    logits.dispose();
    const unmasked = Array.from({ length: rows }, (_, row) => ({ row, kind: 'remove' as const, mask: new Uint8Array(784) }));
    const scores = await subject.score(unmasked);
    for (let r = 0; r < rows; r++) {
      assert.equal(subject.targets[r], expected[r].indexOf(Math.max(...expected[r])));
      assert.ok(Math.abs(scores[r] - expected[r][subject.targets[r]]) < 1e-4, `row ${r}: ${scores[r]} vs ${expected[r][subject.targets[r]]}`);
    }
    const explained = await subject.explain(unmasked);
    for (let r = 0; r < rows; r++) {
      const a = subject.attribution(r);
      for (let p = 0; p < 784; p++) assert.ok(Math.abs(explained[r][p] - a[p]) < 1e-5);
    }
    // Removing the most relevant pixels lowers the target logit more than removing as many of the least relevant.
    const order = Array.from(subject.attribution(0).keys()).sort((i, j) => subject.attribution(0)[j] - subject.attribution(0)[i]);
    const [top, bottom] = await subject.score([
      { row: 0, kind: 'remove', mask: maskOf(784, order.slice(0, 60)) },
      { row: 0, kind: 'remove', mask: maskOf(784, order.slice(-60)) },
    ]);
    assert.ok(top < scores[0] && top < bottom, `top ${top}, bottom ${bottom}, clean ${scores[0]}`);
  });

  it('grad-cam maps are upsampled to 28 x 28 pixels, and explainWith runs the method on another model', async () => {
    const subject = await createImageSubject(model, digits, 'grad-cam', { methodOptions: { layer: 'conv2' } });
    assert.equal(subject.attribution(0).length, 784);
    assert.ok(subject.attribution(0).some((v) => v !== 0));
    const same = await subject.explainWith(model);
    for (let r = 0; r < rows; r++) for (let p = 0; p < 784; p++) assert.ok(Math.abs(same[r][p] - subject.attribution(r)[p]) < 1e-5);
    await assert.rejects(subject.explainWith(linear), UsageError);
    // A map left at the layer's resolution is resized here, the same way grad-cam's own bilinear upsampling does it.
    const coarse = await createImageSubject(model, digits, 'grad-cam', { methodOptions: { layer: 'conv2', upsample: 'none', target: undefined } });
    for (let r = 0; r < rows; r++) for (let p = 0; p < 784; p++) assert.ok(Math.abs(coarse.attribution(r)[p] - subject.attribution(r)[p]) < 1e-5);
  });

  it('the TF.js engine gives the native engine\'s pixel attributions and scores', async () => {
    const tfjs = await loadModel('digits', { engine: 'tfjs', log: () => {} });
    try {
      const perturbations: Perturbation[] = [0, 1, 2].map((row) => ({ row, kind: 'remove', mask: maskOf(784, Array.from({ length: 300 }, (_, i) => i + 200)), baseline: 'blur' }));
      const [a, b] = await Promise.all([model, tfjs].map((m) => createImageSubject(m, digits, 'input-x-gradient')));
      const [sa, sb] = [await a.score(perturbations), await b.score(perturbations)];
      for (let i = 0; i < 3; i++) assert.ok(Math.abs(sa[i] - sb[i]) < 1e-3, `${sa[i]} vs ${sb[i]}`);
      for (let r = 0; r < rows; r++) for (let p = 0; p < 784; p++) assert.ok(Math.abs(a.attribution(r)[p] - b.attribution(r)[p]) < 1e-3);
    } finally {
      tfjs.dispose();
    }
  });

  it('tf.memory().numTensors stays flat over repeated score and explain calls', async () => {
    const subject = await createImageSubject(model, digits, 'saliency', { baseline: 'blur', internalBatchSize: 4 });
    const perturbations: Perturbation[] = [
      { row: 0, kind: 'remove', mask: maskOf(784, [100, 200, 300]) },
      { row: 5, kind: 'remove', mask: maskOf(784, [1, 2]), baseline: 'mean' },
      { row: 3, kind: 'input', values: subject.input(3) },
    ];
    await subject.score(perturbations);
    await subject.explain(perturbations);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      await subject.score(perturbations);
      await subject.explain(perturbations);
      await subject.explainWith(model, { targets: Int32Array.from({ length: rows }, () => 3) });
    }
    assert.equal(tf.memory().numTensors, before);
  });
});
