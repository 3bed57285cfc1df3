import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../src/backend.js';
import { UsageError } from '../../src/errors.js';
import { readIdx } from '../../src/io/idx.js';
import { FunctionModel } from '../../src/models/function.js';
import { loadModel } from '../../src/models/load.js';
import type { Model } from '../../src/models/model.js';
import { NativeModel } from '../../src/models/native.js';
import { parameterLayers, randomisedModelCopy } from '../../src/models/randomise.js';
import { TfjsLayersModel } from '../../src/models/tfjs-layers.js';

const ONNX_MNIST = 'test/data/models/mnist-onnx/mnist-cntk-opset7.onnx';

/** Every weight tensor of a model by name, as plain numbers. */
function weightsOf(model: Model): Map<string, Float32Array> {
  if (model instanceof NativeModel) {
    return new Map([...model.onnxGraph.initializers].filter(([, v]) => v.dtype === 'float32')
      .map(([k, v]) => [k, Float32Array.from(v.data as Float32Array)]));
  }
  const net = (model as TfjsLayersModel).net;
  return new Map(net.layers.flatMap((l) => l.weights.map((w) => [`${l.name}/${w.originalName.split('/').pop()}`, Float32Array.from(w.read().dataSync())] as const)));
}

function std(values: Float32Array): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

async function logits(model: Model, x: tf.Tensor): Promise<Float32Array> {
  const out = await model.forward(x);
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return Float32Array.from(data);
}

const sameArray = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

describe('randomised model copies', () => {
  let x: tf.Tensor;
  const engines: Record<string, Model> = {};
  before(async () => {
    await useBackend('wasm');
    const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
    x = tf.tensor(Float32Array.from(images.data.subarray(0, 8 * 784), (v) => v / 255), [8, 28, 28, 1]);
    engines.native = await loadModel('digits');
    engines.tfjs = await loadModel('digits', { engine: 'tfjs' });
  });
  after(() => {
    x.dispose();
    for (const m of Object.values(engines)) m.dispose();
  });

  it('lists the layers that hold weights, input to output, on both engines and for a plain ONNX file', () => {
    assert.ok(engines.native instanceof NativeModel && engines.tfjs instanceof TfjsLayersModel);
    assert.deepEqual(parameterLayers(engines.native), ['conv1', 'conv2', 'dense1', 'logits']);
    assert.deepEqual(parameterLayers(engines.tfjs), ['conv1', 'conv2', 'dense1', 'logits']);
    const onnx = NativeModel.fromOnnxFile(ONNX_MNIST);
    // The CNTK export: Conv, bias Add, ..., MatMul, bias Add.
    assert.deepEqual(parameterLayers(onnx), ['Convolution28', 'Convolution110', 'Times212']);
    onnx.dispose();
  });

  for (const engine of ['native', 'tfjs']) {
    it(`${engine}: re-draws exactly the named layers (kernel and bias), at the original spread, and leaves the original alone`, async () => {
      const model = engines[engine];
      const before = weightsOf(model);
      const outBefore = await logits(model, x);
      const copy = await randomisedModelCopy(model, ['conv2', 'logits'], 7);
      const after = weightsOf(copy);
      assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
      for (const [name, original] of before) {
        const changed = name.startsWith('conv2/') || name.startsWith('logits/');
        const drawn = after.get(name)!;
        if (!changed) {
          assert.ok(sameArray(drawn, original), `${name} must be unchanged`);
          continue;
        }
        const differing = drawn.filter((v, i) => v !== original[i]).length;
        assert.ok(differing >= drawn.length - 1, `${name}: only ${differing} of ${drawn.length} values re-drawn`);
        if (original.length >= 500) {
          // Truncated at 2 s: std of the draws is 0.88 s (the truncated normal's), and no value beyond 2 s.
          const s = std(original);
          assert.ok(Math.abs(std(drawn) / s - 0.88) < 0.05, `${name}: std ${std(drawn)} vs original ${s}`);
          assert.ok(drawn.every((v) => Math.abs(v) <= 2 * s * 1.0001), `${name}: a value beyond 2 s`);
        }
      }
      // The original's weights and outputs are untouched; the copy computes something else.
      assert.ok([...weightsOf(model)].every(([k, v]) => sameArray(v, before.get(k)!)));
      assert.ok(sameArray(await logits(model, x), outBefore));
      const outCopy = await logits(copy, x);
      assert.ok(!sameArray(outCopy, outBefore));
      copy.dispose();
      assert.ok(sameArray(await logits(model, x), outBefore), 'disposing the copy leaves the original working');
    });

    it(`${engine}: the same seed gives the same copy, another seed another; a layer draws the same whatever is randomised with it`, async () => {
      const model = engines[engine];
      const a = await randomisedModelCopy(model, ['logits'], 3);
      const b = await randomisedModelCopy(model, ['logits'], 3);
      const c = await randomisedModelCopy(model, ['logits'], 4);
      const cascade = await randomisedModelCopy(model, ['logits', 'dense1'], 3);
      const empty = await randomisedModelCopy(model, [], 3);
      assert.ok(sameArray(await logits(a, x), await logits(b, x)));
      assert.ok(!sameArray(await logits(a, x), await logits(c, x)));
      const wa = weightsOf(a);
      const wc = weightsOf(cascade);
      assert.ok(sameArray(wa.get('logits/kernel')!, wc.get('logits/kernel')!));
      assert.ok(!sameArray(wa.get('dense1/kernel')!, wc.get('dense1/kernel')!));
      assert.ok(sameArray(await logits(empty, x), await logits(model, x)));
      for (const m of [a, b, c, cascade, empty]) m.dispose();
    });
  }

  it('a plain ONNX file: the node\'s weight and the bias of the Add after it are re-drawn, nothing else', async () => {
    const onnx = NativeModel.fromOnnxFile(ONNX_MNIST);
    const copy = await randomisedModelCopy(onnx, ['Convolution28'], 1) as NativeModel;
    const changed = [...onnx.onnxGraph.initializers.keys()]
      .filter((k) => onnx.onnxGraph.initializers.get(k)!.data !== copy.onnxGraph.initializers.get(k)!.data);
    assert.deepEqual(changed.sort(), ['Parameter5', 'Parameter6']);
    const input = tf.zeros([1, 1, 28, 28]).add(0.5);
    assert.ok(!sameArray(await logits(copy, input), await logits(onnx, input)));
    input.dispose();
    copy.dispose();
    onnx.dispose();
  });

  it('keeps tensor memory flat over repeated copies on the TF.js engine', async () => {
    const model = engines.tfjs;
    (await randomisedModelCopy(model, ['conv1'], 0)).dispose();
    const start = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const copy = await randomisedModelCopy(model, ['conv1', 'dense1'], i);
      await logits(copy, x);
      copy.dispose();
    }
    assert.equal(tf.memory().numTensors, start);
  });

  it('refuses models without accessible weights and unknown layer names, saying what to do', async () => {
    const fn = new FunctionModel((t) => tf.mul(t, 2), { inputShape: [3], numOutputs: 3 });
    assert.throws(() => parameterLayers(fn), (e: Error) => e instanceof UsageError && /cannot randomise the weights/.test(e.message));
    await assert.rejects(randomisedModelCopy(fn, [], 0), UsageError);
    await assert.rejects(randomisedModelCopy(engines.native, ['pool1'], 0),
      (e: Error) => e instanceof UsageError && /no layer with weights named "pool1"/.test(e.message) && /conv1, conv2, dense1, logits/.test(e.message));
    await assert.rejects(randomisedModelCopy(engines.native, ['conv1'], -1), UsageError);
  });
});
