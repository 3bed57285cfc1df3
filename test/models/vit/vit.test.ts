import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { useBackend } from '../../../src/backend.js';
import { readIdx } from '../../../src/io/idx.js';
import { UsageError } from '../../../src/errors.js';
import { IntegratedGradients } from '../../../src/attribution/gradient/integrated-gradients.js';
import {
  clsAttentionImage, decodeVitWeights, encodeVitWeights, loadVitModel, patchify, readVitFile, rolloutImage, type VitModel,
} from '../../../src/models/vit/index.js';

const DIR = 'models/vit-digits';

/** Test images start..start+count as the model takes them: [count, 28, 28, 1], pixels / 255. */
function testImages(data: Uint8Array, start: number, count: number): tf.Tensor4D {
  const xs = new Float32Array(count * 784);
  for (let i = 0; i < xs.length; i++) xs[i] = data[start * 784 + i] / 255;
  return tf.tensor4d(xs, [count, 28, 28, 1]);
}

describe('the vision transformer on the digits (committed weights)', () => {
  let model: VitModel;
  const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
  const labels = readIdx('data/mnist/t10k-labels-idx1-ubyte.gz');
  before(async () => {
    await useBackend('wasm');
    model = loadVitModel(DIR);
  });
  after(() => model.dispose());

  it('recomputes the accuracy config.json states (at least 97%), on all 10,000 MNIST test images', async () => {
    const saved = readVitFile(DIR);
    assert.equal(images.shape[0], 10000);
    assert.equal(saved.testImages, 10000);
    let correct = 0;
    for (let start = 0; start < 10000; start += 1000) {
      const x = testImages(images.data, start, 1000);
      const out = await model.forward(x);
      const predicted = tf.tidy(() => out.argMax(1).dataSync());
      tf.dispose([x, out]);
      predicted.forEach((p, i) => { if (p === labels.data[start + i]) correct++; });
    }
    // The saved count came from the training script's own forward: the inference path must agree.
    assert.equal(correct, saved.testCorrect);
    assert.equal(correct / 10000, saved.testAccuracy);
    // The aim stated for the built-in vision transformer (models/vit-digits/README.md).
    assert.ok(correct >= 9700, `${correct} of 10,000 test images right: below 97%`);
  });

  it('gives [CLS] attention rows that sum to 1 in every layer and head, and a rollout row that sums to 1', () => {
    const x = testImages(images.data, 0, 1);
    const attention = model.attention(x);
    x.dispose();
    const { layers, heads } = attention.maps;
    const patches = attention.grid * attention.grid;
    assert.equal(patches, (28 / attention.patchSize) ** 2);
    for (let lh = 0; lh < layers * heads; lh++) {
      let sum = attention.clsSelf[lh];
      for (let p = 0; p < patches; p++) {
        const w = attention.cls[lh * patches + p];
        assert.ok(w >= 0, `negative weight ${w}`);
        sum += w;
      }
      assert.ok(Math.abs(sum - 1) < 1e-5, `layer ${Math.floor(lh / heads)} head ${lh % heads}: row sums to ${sum}`);
    }
    const rolled = attention.rollout.reduce((s, v) => s + v, attention.rolloutSelf);
    assert.ok(Math.abs(rolled - 1) < 1e-5, `rollout row sums to ${rolled}`);
    // Upsampled maps cover the 28 x 28 image, each patch's value over its pixels.
    const head = clsAttentionImage(attention, layers - 1, 0);
    assert.deepEqual(head.shape, [28, 28, 1]);
    const p = attention.patchSize;
    assert.equal(head.data[(p + 1) * 28 + 2 * p], attention.cls[((layers - 1) * heads) * patches + attention.grid + 2]);
    assert.equal(rolloutImage(attention).data[0], attention.rollout[0]);
  });

  it('has gradients with respect to the pixels that match a finite difference', async () => {
    const x = testImages(images.data, 1, 1);
    const target = { kind: 'index' as const, indices: new Int32Array([labels.data[1]]) };
    const g = await model.gradients(x, { target });
    const grad = g.inputGradients.dataSync() as Float32Array;
    assert.deepEqual(g.inputGradients.shape, [1, 28, 28, 1]);
    // Directional derivative along the gradient itself (a central difference in float32).
    const norm = Math.sqrt(grad.reduce((s, v) => s + v * v, 0));
    assert.ok(norm > 0);
    const eps = 1e-2 / norm;
    const logit = async (sign: number) => {
      const moved = tf.tidy(() => tf.add(x, tf.mul(g.inputGradients, sign * eps)));
      const out = await model.forward(moved);
      const v = out.dataSync()[labels.data[1]];
      tf.dispose([moved, out]);
      return v;
    };
    const numeric = (await logit(1) - await logit(-1)) / (2 * eps);
    assert.ok(Math.abs(numeric - norm * norm) < 0.05 * norm * norm, `finite difference ${numeric} vs gradient ${norm * norm}`);
    tf.dispose([x, g.selected, g.inputGradients]);
  });

  it('runs the core integrated gradients on the pixels, whose attributions sum to f(x) - f(black)', async () => {
    const x = testImages(images.data, 2, 1);
    const label = labels.data[2];
    const result = await new IntegratedGradients(model).attribute(x, { target: label, steps: 32 });
    const black = tf.zeros([1, 28, 28, 1]);
    const [fx, f0] = await Promise.all([model.forward(x), model.forward(black)]);
    const gap = fx.dataSync()[label] - f0.dataSync()[label];
    const total = result.attributions.reduce((s, v) => s + v, 0);
    assert.deepEqual(result.shape, [1, 28, 28, 1]);
    assert.ok(Math.abs(total - gap) < 0.02 * Math.abs(gap) + 1e-3, `sum ${total} vs f(x) - f(0) ${gap}`);
    assert.ok(Math.abs(result.convergenceDelta![0]) < 0.02 * Math.abs(gap) + 1e-3);
    tf.dispose([x, black, fx, f0]);
  });

  it('rejects inputs of the wrong shape and a missing directory with usage errors', async () => {
    const wrong = tf.zeros([1, 28, 28]);
    await assert.rejects(model.forward(wrong), (err: unknown) => err instanceof UsageError && /\[1, 28, 28\]/.test(err.message));
    assert.throws(() => model.attention(tf.zeros([2, 28, 28, 1])), UsageError);
    wrong.dispose();
    assert.throws(() => loadVitModel('models/no-such-vit'), (err: unknown) => err instanceof UsageError && /config\.json/.test(err.message));
  });
});

describe('vision transformer pieces', () => {
  before(async () => useBackend('wasm'));

  it('cuts images into row-major patches with row-major pixels', () => {
    const values = Float32Array.from({ length: 2 * 28 * 28 }, (_, i) => i);
    const patches = patchify(tf.tensor4d(values, [2, 28, 28, 1]), 7);
    assert.deepEqual(patches.shape, [2, 16, 49]);
    const data = patches.dataSync();
    for (const [b, r, c, py, px] of [[0, 0, 0, 0, 0], [0, 1, 2, 3, 4], [1, 3, 3, 6, 6], [1, 2, 0, 5, 1]]) {
      const expected = b * 784 + (r * 7 + py) * 28 + c * 7 + px;
      assert.equal(data[(b * 16 + r * 4 + c) * 49 + py * 7 + px], expected);
    }
    patches.dispose();
  });

  it('writes and reads weights.bin without loss, and names a file that does not fit its manifest', () => {
    const file = readVitFile(DIR);
    const original = new Uint8Array(readFileSync(`${DIR}/weights.bin`));
    const { manifest, bytes } = encodeVitWeights(decodeVitWeights(file.weights, original, file.vit.transformer.layers, 'weights.bin'));
    assert.deepEqual(manifest, file.weights);
    assert.ok(Buffer.from(bytes).equals(Buffer.from(original)));
    assert.throws(() => decodeVitWeights(manifest, bytes.subarray(4), file.vit.transformer.layers, 'weights.bin'),
      (err: unknown) => err instanceof UsageError && /bytes/.test(err.message));
  });
});
