import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { useBackend } from '../../src/backend.js';
import { loadModel } from '../../src/models/load.js';
import { TfjsLayersModel } from '../../src/models/tfjs-layers.js';
import { FunctionModel } from '../../src/models/function.js';
import type { Model } from '../../src/models/model.js';
import { collectActivations } from '../../src/embedding/activations/collect-activations.js';
import { loadInputSet } from '../../src/embedding/activations/input-set.js';
import { encodeNpy } from '../../src/io/npy.js';
import { writeGraphMlp } from '../helpers/graph-fixture.js';
import { mlpFixture } from '../helpers/mlp.js';

const CONCEPT_MODEL = 'models/concept-digits/model.json';
const MNIST_TEST = 'data/mnist/t10k-images-idx3-ubyte.gz';

/** hidden2 = relu(relu(x W1 + b1) W2 + b2), in float64 loops from the model's own weights. */
function handHidden2(weights: Float32Array[], x: Float32Array, rows: number): Float64Array {
  const [w1, b1, w2, b2] = weights;
  const h1 = new Float64Array(128);
  const out = new Float64Array(rows * 64);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < 128; j++) {
      let s = b1[j];
      for (let i = 0; i < 784; i++) s += x[r * 784 + i] * w1[i * 128 + j];
      h1[j] = Math.max(0, s);
    }
    for (let j = 0; j < 64; j++) {
      let s = b2[j];
      for (let i = 0; i < 128; i++) s += h1[i] * w2[i * 64 + j];
      out[r * 64 + j] = Math.max(0, s);
    }
  }
  return out;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  a.forEach((v, i) => { worst = Math.max(worst, Math.abs(v - b[i])); });
  return worst;
}

describe('collectActivations', () => {
  let tfjsModel: TfjsLayersModel;
  let nativeModel: Model;
  before(async () => {
    await useBackend('wasm');
    tfjsModel = await loadModel(CONCEPT_MODEL, { engine: 'tfjs' }) as TfjsLayersModel;
    nativeModel = await loadModel(CONCEPT_MODEL, { engine: 'native' });
  });

  it('matches a hand-computed forward pass on both engines, with labels and predictions', async () => {
    const set = await loadInputSet(MNIST_TEST, tfjsModel.info, { limit: 50 });
    assert.equal(set.count, 50);
    assert.deepEqual(set.labels!.slice(0, 5), [7, 2, 1, 0, 4]);
    const weights = tfjsModel.net.getWeights().map((w) => w.dataSync() as Float32Array);
    const expected = handHidden2(weights, set.inputs.data, 50);
    for (const model of [tfjsModel, nativeModel]) {
      const progress: number[] = [];
      const e = await collectActivations(model, set.inputs, { layer: 'hidden2', batchSize: 16, labels: set.labels, onProgress: (d) => progress.push(d) });
      assert.equal(e.count, 50);
      assert.equal(e.dim, 64);
      assert.deepEqual(progress, [0, 16, 32, 48, 50]);
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(e.vectors[i] - expected[i]));
      assert.ok(worst < 1e-4, `${model.info.engine}: largest difference ${worst}`);
      assert.deepEqual(e.metadata.label, set.labels);
      assert.deepEqual(e.metadata.index, Array.from({ length: 50 }, (_, i) => i));
      const logits = await model.forward(tf.tensor(set.inputs.data, set.inputs.shape));
      assert.deepEqual(e.metadata.prediction, Array.from(logits.argMax(1).dataSync()));
      logits.dispose();
      // The digits carry no square, so the model misses most 3s (see models/concept-digits/README.md).
      const correct = e.metadata.prediction.filter((p, i) => p === set.labels![i]).length;
      assert.ok(correct >= 35, `${correct} of 50 right`);
      assert.deepEqual(e.source, { model: 'concept-digits', layer: 'hidden2' });
    }
  });

  it('gives the same vectors through the gradient fallback, and pools conv maps', async () => {
    const digits = await loadModel('digits', { engine: 'tfjs' });
    const set = await loadInputSet(MNIST_TEST, digits.info, { limit: 9 });
    const direct = await collectActivations(digits, set.inputs, { layer: 'conv2', batchSize: 4, predictions: false });
    assert.equal(direct.dim, 11 * 11 * 64);
    assert.deepEqual(Object.keys(direct.metadata), ['index']);
    const fallback = { info: digits.info, forward: digits.forward.bind(digits), gradients: digits.gradients.bind(digits),
      supportsRule: () => true, dispose: () => {} } as Model;
    const viaGradients = await collectActivations(fallback, set.inputs, { layer: 'conv2', batchSize: 9, predictions: false });
    // The gradient path runs conv unfused, so the two agree to float32 rounding, not bit for bit.
    assert.ok(maxDifference(viaGradients.vectors, direct.vectors) < 1e-5);
    const native = await loadModel('digits', { engine: 'native' });
    const nativeVectors = await collectActivations(native, set.inputs, { layer: 'conv2', predictions: false });
    const worst = maxDifference(direct.vectors, nativeVectors.vectors);
    assert.ok(worst < 1e-4, `native vs tfjs: ${worst}`);
    const mean = await collectActivations(digits, set.inputs, { layer: 'conv2', pooling: 'mean', predictions: false });
    const max = await collectActivations(digits, set.inputs, { layer: 'conv2', pooling: 'max', predictions: false });
    assert.equal(mean.dim, 64);
    for (const [row, channel] of [[0, 0], [3, 17], [8, 63]]) {
      let sum = 0;
      let top = -Infinity;
      for (let p = 0; p < 121; p++) {
        const v = direct.vectors[row * direct.dim + p * 64 + channel];
        sum += v;
        top = Math.max(top, v);
      }
      assert.ok(Math.abs(mean.vectors[row * 64 + channel] - sum / 121) < 1e-4);
      assert.equal(max.vectors[row * 64 + channel], Math.fround(top));
    }
    digits.dispose();
    native.dispose();
  });

  it('holds no tensors after it returns', async () => {
    const set = await loadInputSet(MNIST_TEST, tfjsModel.info, { limit: 20 });
    await collectActivations(tfjsModel, set.inputs, { layer: 'hidden1', batchSize: 8 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      await collectActivations(tfjsModel, set.inputs, { layer: 'hidden1', batchSize: 8, pooling: 'mean' });
      await collectActivations(nativeModel, set.inputs, { layer: 'hidden2', batchSize: 7 });
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('names the model\'s layers for an unknown layer, and checks shapes and labels', async () => {
    const x = { shape: [2, 28, 28, 1], data: new Float32Array(2 * 784) };
    await assert.rejects(collectActivations(tfjsModel, x, { layer: 'hidden3' }),
      /no layer named "hidden3"\n  fix: choose one of: flatten, hidden1, hidden2, logits/);
    await assert.rejects(collectActivations(tfjsModel, { shape: [2, 784], data: new Float32Array(2 * 784) }, { layer: 'hidden1' }),
      /input shape \[2, 784\] does not fit model concept-digits, which takes \[\?, 28, 28, 1\]/);
    const nan = new Float32Array(2 * 784);
    nan[784 + 5] = NaN;
    await assert.rejects(collectActivations(tfjsModel, { shape: [2, 28, 28, 1], data: nan }, { layer: 'hidden1' }), /input row 1 holds a NaN value/);
    await assert.rejects(collectActivations(tfjsModel, x, { layer: 'hidden1', labels: [1, 2, 3] }), /labels has 3 values, but there are 2 inputs/);
    const fn = new FunctionModel((t) => tf.reshape(t, [-1, 784]).slice([0, 0], [-1, 3]), { inputShape: [28, 28, 1], numOutputs: 3 });
    await assert.rejects(collectActivations(fn, x, { layer: 'dense' }), /no layer named "dense"\n  fix: .*exposes no layers/);
  });
});

describe('activations of other engines', () => {
  it('a TF.js graph model: the tanh node of the reference MLP, computed by hand', async () => {
    const graph = await loadModel(writeGraphMlp());
    const x = mlpFixture.inputs;
    const w1 = mlpFixture.params['l1.weight'] as number[][];
    const b1 = mlpFixture.params['l1.bias'] as number[];
    const e = await collectActivations(graph, { shape: [x.length, 4], data: Float32Array.from(x.flat()) }, { layer: 'hidden', batchSize: 2 });
    assert.equal(e.dim, 8);
    x.forEach((row, i) => w1.forEach((w, j) => {
      const expected = Math.tanh(b1[j] + w.reduce((s, wk, k) => s + wk * row[k], 0));
      assert.ok(Math.abs(e.vectors[i * 8 + j] - expected) < 1e-5);
    }));
    await assert.rejects(collectActivations(graph, { shape: [1, 4], data: new Float32Array(4) }, { layer: 'tanh' }), /no layer named "tanh"/);
    graph.dispose();
  });

  it('an ONNX file with a fixed batch of 1: intermediate values, the same as the gradient path\'s', async () => {
    const onnx = await loadModel('test/data/models/mnist-onnx/mnist-cntk-opset7.onnx');
    const set = await loadInputSet(MNIST_TEST, onnx.info, { limit: 4 });
    const fallback = { info: onnx.info, forward: onnx.forward.bind(onnx), gradients: onnx.gradients.bind(onnx), supportsRule: () => true, dispose: () => {} } as Model;
    for (const layer of ['ReLU114_Output_0', 'Times212_Output_0']) {
      const direct = await collectActivations(onnx, set.inputs, { layer, predictions: false });
      const viaGradients = await collectActivations(fallback, set.inputs, { layer, predictions: false });
      assert.ok(maxDifference(direct.vectors, viaGradients.vectors) < 1e-5, layer);
    }
    // The last MatMul plus a constant bias is the output: logits - MatMul must be the same for every input.
    const matmul = await collectActivations(onnx, set.inputs, { layer: 'Times212_Output_0', predictions: false });
    const input = tf.tensor(set.inputs.data, set.inputs.shape);
    const output = await onnx.forward(input);
    const logits = output.dataSync();
    tf.dispose([input, output]);
    for (let i = 1; i < 4; i++) {
      for (let k = 0; k < 10; k++) assert.ok(Math.abs((logits[i * 10 + k] - matmul.vectors[i * 10 + k]) - (logits[k] - matmul.vectors[k])) < 1e-4);
    }
    onnx.dispose();
  });
});

describe('loadInputSet', () => {
  it('reads class folders of PNGs, and .npy batches', async () => {
    const model = await loadModel(CONCEPT_MODEL, { engine: 'tfjs' });
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-set-'));
    for (const [label, value] of [['3', 255], ['7', 128]] as const) {
      mkdirSync(join(dir, label));
      for (const k of [0, 1]) {
        const png = new PNG({ width: 28, height: 28 });
        png.data.fill(255);
        for (let p = 0; p < 784; p++) png.data[p * 4] = png.data[p * 4 + 1] = png.data[p * 4 + 2] = p === k ? value : 0;
        writeFileSync(join(dir, label, `img-${k}.png`), PNG.sync.write(png));
      }
    }
    const set = await loadInputSet(dir, model.info);
    assert.equal(set.count, 4);
    assert.deepEqual(set.labels, [3, 3, 7, 7]);
    assert.deepEqual(set.names, ['3/img-0.png', '3/img-1.png', '7/img-0.png', '7/img-1.png']);
    assert.equal(set.inputs.data[0], 1);
    assert.equal(set.inputs.data[784 + 1], 1);
    assert.ok(Math.abs(set.inputs.data[2 * 784] - 128 / 255) < 1e-6);
    const npy = join(dir, 'batch.npy');
    const data = Float32Array.from({ length: 3 * 784 }, (_, i) => (i % 784) / 784);
    writeFileSync(npy, encodeNpy({ shape: [3, 28, 28], data }));
    const fromNpy = await loadInputSet(npy, model.info, { limit: 2 });
    assert.deepEqual(fromNpy.inputs.shape, [2, 28, 28, 1]);
    assert.deepEqual(fromNpy.names, ['batch.npy#0', 'batch.npy#1']);
    assert.equal(fromNpy.labels, undefined);
    await assert.rejects(loadInputSet(join(dir, 'missing'), model.info), /input set .*missing does not exist/);
    model.dispose();
  });
});
