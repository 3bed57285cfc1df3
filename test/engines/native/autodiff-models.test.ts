import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { loadModel } from '../../../src/models/load.js';
import type { BackwardRule } from '../../../src/models/model.js';
import { TfjsLayersModel } from '../../../src/models/tfjs-layers.js';
import { Random } from '../../../src/util/random.js';
import { tfjsToOnnx } from '../../../src/engines/native/from-tfjs.js';
import { GraphBuilder, type TensorValue, attr, emptyGraph } from '../../../src/engines/native/graph.js';
import { inferShapes } from '../../../src/engines/native/shapes.js';
import { OnnxSession } from '../../../src/engines/native/runtime.js';
import { type BackwardRuleOption, buildGradientGraph, gradientName } from '../../../src/engines/native/autodiff/index.js';
import { relativeError } from '../../helpers/compare.js';

/**
 * Whole models: the native backward graph of a TF.js model converted by from-tfjs.ts, run on ORT,
 * against the TF.js engine's own gradients (src/models/tfjs-layers.ts on the cpu backend) for the same
 * weights: plain gradients, a layer's gradient (Grad-CAM's), guided backprop and DeepLIFT.
 */


const TOLERANCE = 1e-4;

function randomTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  const random = new Random(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.normal() * scale), shape);
}

/** Kernels from a seeded normal scaled by fan-in, biases small, so activations stay O(1). */
function randomizeWeights(net: tf.LayersModel, seed: number): void {
  const random = new Random(seed);
  for (const layer of net.layers) {
    const values = layer.getWeights().map((w) => {
      const fanIn = w.shape.length > 1 ? w.size / w.shape[w.shape.length - 1] : 10;
      return tf.tensor(Float32Array.from({ length: w.size }, () => random.normal() / Math.sqrt(fanIn)), w.shape);
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
}

const value = (t: tf.Tensor): TensorValue => ({ dtype: 'float32', shape: t.shape.slice(), data: Float32Array.from(t.dataSync()) });

function oneHot(rows: number, classes: number, targets: number[]): TensorValue {
  const data = new Float32Array(rows * classes);
  targets.forEach((t, row) => { data[row * classes + t] = 1; });
  return { dtype: 'float32', shape: [rows, classes], data };
}

interface NativeRun {
  input: Float32Array;
  layer?: { activations: Float32Array; gradients: Float32Array; shape: number[] };
}

/**
 * Converts `net`, builds its gradient graph (w.r.t. the input and optionally a layer's output) and
 * runs it. Under DeepLIFT the batch is inputs then baselines, and only the inputs' rows are returned.
 */
async function nativeGradients(net: tf.LayersModel, x: tf.Tensor, targets: number[],
  options: { layer?: string; rule?: BackwardRuleOption; baselines?: tf.Tensor } = {}): Promise<NativeRun> {
  const conversion = tfjsToOnnx(net, { batch: 'dynamic' });
  const graph = conversion.graph;
  inferShapes(graph);
  const input = graph.inputs[0].name;
  const output = graph.outputs[0].name;
  const layer = options.layer ? conversion.layers[options.layer] : undefined;
  const built = buildGradientGraph(graph, {
    output, inputs: [input], intermediates: layer ? [layer.native] : [], outputIntermediates: true, rule: options.rule,
  });
  const rows = x.shape[0];
  const classes = graph.outputs[0].shape[1] as number;
  const feedX = options.baselines ? tf.concat([x, options.baselines], 0) : x;
  const weights = oneHot(feedX.shape[0], classes, targets);
  const session = await OnnxSession.create(built.graph);
  try {
    const out = await session.run({ [input]: value(feedX), [built.outputWeights]: weights });
    const firstRows = (t: TensorValue) => {
      const per = t.data.length / t.shape[0];
      return Float32Array.from((t.data as Float32Array).subarray(0, rows * per));
    };
    const result: NativeRun = { input: firstRows(out[built.gradients[input]]) };
    if (layer) {
      // Back to TF.js's layout (NHWC) through the converter's perm.
      const toTf = (t: TensorValue) => {
        const shaped = tf.tensor(firstRows(t), [rows, ...t.shape.slice(1)]);
        const moved = layer.perm ? tf.transpose(shaped, layer.perm) : shaped;
        const data = Float32Array.from(moved.dataSync());
        const shape = moved.shape.slice();
        tf.dispose([shaped, moved]);
        return { data, shape };
      };
      const activations = toTf(out[layer.native]);
      result.layer = { activations: activations.data, gradients: toTf(out[gradientName(layer.native)]).data, shape: activations.shape };
    }
    return result;
  } finally {
    await session.release();
    if (feedX !== x) feedX.dispose();
  }
}

async function tfjsGradients(net: tf.LayersModel, x: tf.Tensor, targets: number[], options: { layer?: string; rule?: BackwardRule } = {}) {
  const model = new TfjsLayersModel(net, { name: net.name });
  const g = await model.gradients(x, { target: { kind: 'index', indices: Int32Array.from(targets) }, layer: options.layer, rule: options.rule });
  const result = {
    input: Float32Array.from(g.inputGradients.dataSync()),
    layerActivations: g.layerActivations ? Float32Array.from(g.layerActivations.dataSync()) : undefined,
    layerGradients: g.layerGradients ? Float32Array.from(g.layerGradients.dataSync()) : undefined,
  };
  tf.dispose([g.selected, g.inputGradients, g.layerActivations, g.layerGradients].filter((t): t is tf.Tensor => t !== undefined));
  return result;
}

function mlp(): tf.LayersModel {
  const net = tf.sequential({ name: 'mlp' });
  net.add(tf.layers.dense({ inputShape: [6], units: 8, activation: 'tanh', name: 'd1' }));
  net.add(tf.layers.dense({ units: 7, activation: 'relu', name: 'd2' }));
  net.add(tf.layers.dense({ units: 4, name: 'logits' }));
  randomizeWeights(net, 1);
  return net;
}

function reluMlp(): tf.LayersModel {
  const net = tf.sequential({ name: 'relu-mlp' });
  net.add(tf.layers.dense({ inputShape: [6], units: 8, activation: 'relu', name: 'd1' }));
  net.add(tf.layers.dense({ units: 7, activation: 'sigmoid', name: 'd2' }));
  net.add(tf.layers.dense({ units: 4, name: 'logits' }));
  randomizeWeights(net, 2);
  return net;
}

function cnn(): tf.LayersModel {
  const net = tf.sequential({ name: 'cnn' });
  net.add(tf.layers.conv2d({ inputShape: [10, 9, 2], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1' }));
  net.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1' }));
  net.add(tf.layers.conv2d({ filters: 5, kernelSize: 2, strides: 1, activation: 'relu', name: 'conv2' }));
  net.add(tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same', name: 'pool2' }));
  net.add(tf.layers.flatten({ name: 'flatten' }));
  net.add(tf.layers.dense({ units: 8, activation: 'relu', name: 'fc1' }));
  net.add(tf.layers.dense({ units: 3, name: 'logits' }));
  randomizeWeights(net, 3);
  return net;
}

before(async () => useBackend('cpu'));

describe('native gradients of whole models against TF.js', () => {
  it('an MLP (dense, tanh, relu): input gradients for a target per row', async () => {
    const net = mlp();
    const x = randomTensor([5, 6], 10);
    const targets = [0, 3, 1, 2, 3];
    const native = await nativeGradients(net, x, targets);
    const reference = await tfjsGradients(net, x, targets);
    assert.ok(relativeError(native.input, reference.input) < TOLERANCE, `relative error ${relativeError(native.input, reference.input)}`);
    tf.dispose([x]);
    net.dispose();
  });

  it('a CNN (conv, relu, max-pool, flatten, dense): input and layer gradients', async () => {
    const net = cnn();
    const x = randomTensor([3, 10, 9, 2], 11);
    const targets = [2, 0, 1];
    const native = await nativeGradients(net, x, targets, { layer: 'conv2' });
    const reference = await tfjsGradients(net, x, targets, { layer: 'conv2' });
    assert.ok(relativeError(native.input, reference.input) < TOLERANCE, `input: relative error ${relativeError(native.input, reference.input)}`);
    assert.ok(relativeError(native.layer!.activations, reference.layerActivations!) < TOLERANCE, 'layer activations');
    assert.ok(relativeError(native.layer!.gradients, reference.layerGradients!) < TOLERANCE, 'layer gradients');
    tf.dispose([x]);
    net.dispose();
  });

  it('the built-in digit model: saliency for eight digits', async () => {
    const net = ((await loadModel('digits', { engine: 'tfjs', log: () => {} })) as TfjsLayersModel).net;
    const x = tf.tidy(() => tf.relu(randomTensor([8, 28, 28, 1], 12)));
    const targets = [0, 1, 2, 3, 4, 5, 6, 7];
    const native = await nativeGradients(net, x, targets);
    const reference = await tfjsGradients(net, x, targets);
    assert.ok(relativeError(native.input, reference.input) < TOLERANCE, `relative error ${relativeError(native.input, reference.input)}`);
    x.dispose();
  });
});

describe('modified rules against the TF.js engine', () => {
  it('guided backprop on an MLP and a CNN', async () => {
    for (const [net, shape] of [[reluMlp(), [4, 6]], [cnn(), [2, 10, 9, 2]]] as const) {
      const x = randomTensor([...shape], 20);
      const targets = [1, 2, 0, 1].slice(0, shape[0]);
      const native = await nativeGradients(net, x, targets, { rule: 'guided-backprop' });
      const reference = await tfjsGradients(net, x, targets, { rule: { kind: 'guided-backprop' } });
      const standard = await tfjsGradients(net, x, targets);
      assert.ok(relativeError(native.input, reference.input) < TOLERANCE, `${net.name}: relative error ${relativeError(native.input, reference.input)}`);
      // The rule changed something: guided gradients differ from plain ones.
      assert.ok(relativeError(native.input, standard.input) > 1e-2, `${net.name}: guided backprop had no effect`);
      x.dispose();
      net.dispose();
    }
  });

  it('DeepLIFT (rescale) on an MLP (relu, sigmoid) and a CNN (relu, max-pool)', async () => {
    for (const [net, shape] of [[reluMlp(), [4, 6]], [cnn(), [3, 10, 9, 2]]] as const) {
      const x = randomTensor([...shape], 21);
      const baselines = randomTensor([...shape], 22, 0.3);
      const targets = [1, 2, 0, 1].slice(0, shape[0]);
      // One-hot weights on the inputs' rows, zeros on the baselines': DeepLIFT explains only the inputs.
      const native = await nativeGradients(net, x, targets, { rule: { deeplift: true }, baselines });
      const reference = await tfjsGradients(net, x, targets, { rule: { kind: 'deeplift-rescale', baselines } });
      const standard = await tfjsGradients(net, x, targets);
      assert.ok(relativeError(native.input, reference.input) < TOLERANCE, `${net.name}: relative error ${relativeError(native.input, reference.input)}`);
      assert.ok(relativeError(native.input, standard.input) > 1e-2, `${net.name}: DeepLIFT had no effect`);
      tf.dispose([x, baselines]);
      net.dispose();
    }
  });
});

describe('max-pool ties', () => {
  it('route each window\'s gradient to its first maximum, as TF.js does', async () => {
    // Integers after relu tie often, within windows and across overlapping ones.
    const random = new Random(5);
    const shape = [2, 7, 8, 3];
    const nhwc = tf.tensor(Float32Array.from({ length: 2 * 7 * 8 * 3 }, () => Math.max(0, Math.round(random.normal()))), shape);
    for (const [k, s, pad] of [[2, 2, 'valid'], [3, 1, 'same'], [3, 2, 'valid']] as const) {
      const pooled = tf.maxPool(nhwc as tf.Tensor4D, k, s, pad);
      const dy = randomTensor(pooled.shape, 6);
      const expected = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, k, s, pad), dy)))(nhwc);

      const graph = emptyGraph('pool', 17);
      graph.inputs.push({ name: 'x', dtype: 'float32', shape: [2, 3, 7, 8] });
      const b = new GraphBuilder(graph);
      const attrs = { kernel_shape: attr.ints([k, k]), strides: attr.ints([s, s]), auto_pad: attr.string(pad === 'same' ? 'SAME_UPPER' : 'VALID') };
      const y = b.op('MaxPool', ['x'], attrs);
      graph.outputs.push({ name: y, dtype: 'float32', shape: [] });
      inferShapes(graph);
      const built = buildGradientGraph(graph, { output: y });
      const nchw = tf.transpose(nhwc, [0, 3, 1, 2]);
      const dyNchw = tf.transpose(dy, [0, 3, 1, 2]);
      const session = await OnnxSession.create(built.graph);
      const out = await session.run({ x: value(nchw), [built.outputWeights]: value(dyNchw) });
      await session.release();
      const grad = out[built.gradients.x];
      const back = tf.transpose(tf.tensor(grad.data as Float32Array, grad.shape), [0, 2, 3, 1]);
      // Equal up to float32 summation order where overlapping windows add up; a misrouted gradient is O(1).
      const error = relativeError(back.dataSync(), expected.dataSync());
      assert.ok(error < 1e-6, `pool ${k} stride ${s} ${pad}: relative error ${error}`);
      tf.dispose([pooled, dy, expected, nchw, dyNchw, back]);
    }
    nhwc.dispose();
  });
});
