import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { GlassboxError, UsageError } from '../../../src/errors.js';
import { readIdx } from '../../../src/io/idx.js';
import { loadModel } from '../../../src/models/load.js';
import type { TfjsLayersModel } from '../../../src/models/tfjs-layers.js';
import { Random } from '../../../src/util/random.js';
import { tfjsToGraph, tfjsToOnnx, UnsupportedLayerError, type TfjsToOnnxOptions } from '../../../src/engines/native/from-tfjs.js';
import type { Graph, TensorValue } from '../../../src/engines/native/graph.js';
import { OnnxSession } from '../../../src/engines/native/runtime.js';
import { relativeError } from '../../helpers/compare.js';

/**
 * The TF.js -> native converter: the converted graph, run on onnxruntime-node, computes what TF.js
 * computes, for the model output and for every layer's output (in TF.js's layout), on the built-in
 * digit model and on small seeded models covering every converted layer and option.
 */


const TOLERANCE = 1e-5;

/** Every weight of `net` set from a seeded normal: kernels scaled by fan-in, variances positive. */
function randomizeWeights(net: tf.LayersModel, seed: number): void {
  const random = new Random(seed);
  for (const layer of net.layers) {
    const values = layer.weights.map((w) => {
      const size = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      const short = w.originalName.split('/').pop()!;
      const fanIn = w.shape.length > 1 ? size / (w.shape[w.shape.length - 1] ?? 1) : 1;
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        const z = random.normal();
        data[i] = short === 'moving_variance' ? 0.2 + Math.abs(z) : short === 'gamma' ? 1 + 0.3 * z : z / Math.sqrt(fanIn);
      }
      return tf.tensor(data, w.shape as number[]);
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
}

function randomInput(shape: number[], seed: number): tf.Tensor {
  const random = new Random(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  random.fillNormal(data, 1);
  return tf.tensor(data, shape);
}

function tensorValue(t: tf.Tensor): TensorValue {
  return t.dtype === 'int32'
    ? { dtype: 'int32', shape: t.shape.slice(), data: Int32Array.from(t.dataSync() as Int32Array) }
    : { dtype: 'float32', shape: t.shape.slice(), data: Float32Array.from(t.dataSync() as Float32Array) };
}

/** Runs the graph with `fetch` (value names) made graph outputs. */
async function runGraph(graph: Graph, feeds: Record<string, TensorValue>, fetch: string[]): Promise<Record<string, TensorValue>> {
  const outputs = [...graph.outputs];
  for (const name of fetch) {
    if (!outputs.some((o) => o.name === name)) outputs.push(graph.values.get(name) ?? { name, dtype: 'float32', shape: [] });
  }
  const session = await OnnxSession.create({ ...graph, outputs });
  try {
    return await session.run(feeds, fetch);
  } finally {
    await session.release();
  }
}

interface Checked {
  layers: string[];
  graph: Graph;
}

/**
 * Converts `net`, runs it on `inputs`, and checks the model output and every layer's output (by
 * layerOutputs) against TF.js. Returns the names of the layers checked.
 */
async function checkAgainstTfjs(net: tf.LayersModel, inputs: tf.Tensor[], options: TfjsToOnnxOptions = {}): Promise<Checked> {
  const { graph, layerOutputs } = tfjsToOnnx(net, options);
  const feeds: Record<string, TensorValue> = {};
  graph.inputs.forEach((input, i) => { feeds[input.name] = tensorValue(inputs[i]); });
  const layerNames = Object.keys(layerOutputs).filter((name) => net.layers.some((l) => l.name === name && l.getClassName() !== 'InputLayer'));
  const fetch = [...graph.outputs.map((o) => o.name), ...layerNames.map((n) => layerOutputs[n])];
  const got = await runGraph(graph, feeds, [...new Set(fetch)]);

  const failures: string[] = [];
  const compare = (what: string, value: TensorValue, want: tf.Tensor) => {
    if (JSON.stringify(value.shape) !== JSON.stringify(want.shape)) {
      failures.push(`${what}: shape [${value.shape}], TF.js [${want.shape}]`);
      return;
    }
    const err = relativeError(value.data as Float32Array, want.dataSync());
    if (!(err <= TOLERANCE)) failures.push(`${what}: relative error ${err}`);
  };
  const predicted = net.predict(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor | tf.Tensor[];
  const expected = Array.isArray(predicted) ? predicted : [predicted];
  graph.outputs.forEach((o, i) => compare(`output ${o.name}`, got[o.name], expected[i]));
  tf.dispose(expected);

  for (const name of layerNames) {
    const layer = net.getLayer(name);
    // A model nested as a layer also has the node of its own construction; this model's is the last.
    const output = layer.getOutputAt(layer.inboundNodes.length - 1) as tf.SymbolicTensor;
    const probe = tf.model({ inputs: net.inputs, outputs: output });
    const want = probe.predict(inputs.length === 1 ? inputs[0] : inputs) as tf.Tensor;
    compare(`layer ${name} (${layer.getClassName()})`, got[layerOutputs[name]], want);
    want.dispose();
  }
  assert.deepEqual(failures, []);
  return { layers: layerNames, graph };
}

function ops(graph: Graph, op: string): number {
  return graph.nodes.filter((n) => n.op === op).length;
}

before(async () => useBackend('wasm'));

describe('tfjsToOnnx on the built-in digit model', () => {
  let net: tf.LayersModel;
  before(async () => {
    net = ((await loadModel('digits', { engine: 'tfjs', log: () => {} })) as TfjsLayersModel).net;
  });

  it('matches TF.js on 32 MNIST test digits, output and every layer', async () => {
    const images = readIdx('data/mnist/t10k-images-idx3-ubyte.gz');
    const x = tf.tensor(Float32Array.from(images.data.subarray(0, 32 * 784), (v) => v / 255), [32, 28, 28, 1]);
    const { layers, graph } = await checkAgainstTfjs(net, [x]);
    x.dispose();
    assert.deepEqual(layers.sort(), ['conv1', 'conv2', 'dense1', 'flatten', 'logits', 'pool1', 'pool2']);
    // Input and output in the model's own layout; one transpose in, one back before Flatten.
    assert.deepEqual(graph.inputs.map((v) => v.shape), [['batch', 28, 28, 1]]);
    assert.deepEqual(graph.outputs.map((v) => [v.name, v.shape]), [['logits', ['batch', 10]]]);
    const perms = graph.nodes.filter((n) => n.op === 'Transpose').map((n) => JSON.stringify(n.attrs.perm.value));
    assert.equal(perms.filter((p) => p === '[0,3,1,2]').length, 1);
  });

  it('gives each layer output in TF layout and the value the graph computes from', () => {
    const { layers, layerOutputs } = tfjsToOnnx(net);
    assert.deepEqual(layers.conv2, { tf: 'conv2', native: 'conv2/nchw', perm: [0, 2, 3, 1] });
    assert.deepEqual(layers.conv1_input, { tf: 'conv1_input', native: 'conv1_input', perm: null });
    assert.deepEqual(layers.dense1, { tf: 'dense1', native: 'dense1', perm: null });
    assert.equal(layerOutputs.pool2, 'pool2');
  });

  it('adds TF-layout side branches only for the layers asked for (onnxruntime does not prune them)', () => {
    const transposes = (graph: Graph) => graph.nodes.filter((n) => n.op === 'Transpose').length;
    // tfjsToGraph: in after the input, back before Flatten.
    assert.equal(transposes(tfjsToGraph(net)), 2);
    const some = tfjsToOnnx(net, { layerOutputs: ['conv2'] });
    assert.equal(transposes(some.graph), 3);
    assert.deepEqual(Object.keys(some.layerOutputs).sort(), ['conv1_input', 'conv2', 'dense1', 'flatten', 'logits', 'pool2']);
    assert.deepEqual(some.layers.conv1, { native: 'conv1/nchw', perm: [0, 2, 3, 1] });
    assert.equal(transposes(tfjsToOnnx(net).graph), 5);
    assert.throws(() => tfjsToOnnx(net, { layerOutputs: ['conv9'] }), (err: unknown) => err instanceof UsageError && /no layer "conv9"/.test(err.message));
  });

  it('takes a fixed batch size', () => {
    const graph = tfjsToGraph(net, { batch: 4, opset: 13 });
    assert.equal(graph.opset, 13);
    assert.deepEqual(graph.inputs[0].shape, [4, 28, 28, 1]);
    assert.deepEqual(graph.outputs[0].shape, [4, 10]);
  });
});

const L = tf.layers;
type ActivationIdentifier = NonNullable<Parameters<typeof L.activation>[0]['activation']>;

function indices(shape: number[], n: number, seed: number, dtype: 'int32' | 'float32' = 'int32'): tf.Tensor {
  const random = new Random(seed);
  return tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.int(n)), shape, dtype);
}

/** Builds a model, randomises its weights, checks it against TF.js; returns the layers checked. */
async function check(net: tf.LayersModel, inputs: tf.Tensor[], seed: number, options?: TfjsToOnnxOptions): Promise<Checked> {
  randomizeWeights(net, seed);
  try {
    return await checkAgainstTfjs(net, inputs, options);
  } finally {
    tf.dispose(inputs);
    net.dispose();
  }
}

describe('tfjsToOnnx on small seeded models', () => {
  it('Conv2D: same/valid padding, odd and even kernels, strides 1 and 2, dilation, no bias', async () => {
    for (const [h, w] of [[13, 11], [12, 10]]) {
      const net = tf.sequential({ layers: [
        L.conv2d({ name: 'same_k3_s1', inputShape: [h, w, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        L.conv2d({ name: 'same_k4_s2', filters: 5, kernelSize: 4, strides: 2, padding: 'same', activation: 'elu' }),
        L.conv2d({ name: 'same_k3_s2', filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'same' }),
        L.conv2d({ name: 'valid_k2_s1', filters: 4, kernelSize: 2, padding: 'valid', activation: 'tanh' }),
        L.conv2d({ name: 'dilated', filters: 3, kernelSize: 2, dilationRate: 2, padding: 'same', useBias: false }),
        // Dense on a rank-4 tensor acts on TF's last axis: the channels.
        L.dense({ name: 'dense_channels', units: 4, activation: 'relu' }),
        L.conv2d({ name: 'valid_k1_s2', filters: 3, kernelSize: 1, strides: 2, padding: 'valid', activation: 'sigmoid' }),
        L.flatten({ name: 'flat' }),
        L.dense({ name: 'out', units: 4 }),
      ] });
      const { layers } = await check(net, [randomInput([3, h, w, 3], 1)], 10 + h);
      assert.equal(layers.length, 9);
    }
  });

  it("'same' padding over spatial sizes unknown until run time (auto_pad)", async () => {
    const x = tf.input({ shape: [null, null, 2] });
    let y = L.conv2d({ name: 'conv_s2', filters: 3, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    y = L.depthwiseConv2d({ name: 'dw', kernelSize: 3, strides: 2, padding: 'same' }).apply(y) as tf.SymbolicTensor;
    y = L.maxPooling2d({ name: 'pool', poolSize: 3, strides: 2, padding: 'same' }).apply(y) as tf.SymbolicTensor;
    y = L.averagePooling2d({ name: 'avg', poolSize: 2, padding: 'same' }).apply(y) as tf.SymbolicTensor;
    y = L.globalAveragePooling2d({ name: 'gap' }).apply(y) as tf.SymbolicTensor;
    const net = tf.model({ inputs: x, outputs: L.dense({ name: 'out', units: 2 }).apply(y) as tf.SymbolicTensor });
    const { graph } = await check(net, [randomInput([2, 13, 10, 2], 14)], 14);
    assert.deepEqual(graph.inputs[0].shape, ['batch', null, null, 2]);
    assert.ok(graph.nodes.filter((n) => n.attrs.auto_pad).length === 4);
  });

  it('DepthwiseConv2D (multiplier 2), SeparableConv2D, BatchNormalization, pooling, global pooling', async () => {
    const net = tf.sequential({ layers: [
      L.depthwiseConv2d({ name: 'dw_same', inputShape: [12, 10, 3], kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu6' }),
      L.batchNormalization({ name: 'bn' }),
      L.depthwiseConv2d({ name: 'dw_s2', kernelSize: 4, depthMultiplier: 2, strides: 2, padding: 'same' }),
      L.maxPooling2d({ name: 'max_same', poolSize: 3, strides: 2, padding: 'same' }),
      L.separableConv2d({ name: 'sep', filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'swish' }),
      L.averagePooling2d({ name: 'avg_same', poolSize: 2, strides: 2, padding: 'same' }),
      L.batchNormalization({ name: 'bn_plain', center: false, scale: false, epsilon: 0.01 }),
      L.globalAveragePooling2d({ name: 'gap' }),
      L.dense({ name: 'out', units: 3, activation: 'softmax' }),
    ] });
    await check(net, [randomInput([2, 12, 10, 3], 2)], 2);

    const pools = tf.sequential({ layers: [
      L.averagePooling2d({ name: 'avg_same_s1', inputShape: [7, 6, 2], poolSize: 3, strides: 1, padding: 'same' }),
      L.averagePooling2d({ name: 'avg_valid', poolSize: 2, padding: 'valid' }),
      L.maxPooling2d({ name: 'max_valid', poolSize: [2, 1], strides: [1, 2] }),
      L.globalMaxPooling2d({ name: 'gmp' }),
    ] });
    await check(pools, [randomInput([2, 7, 6, 2], 3)], 3);
  });

  it('functional: Add, Concatenate on channels and height, other merges, two outputs', async () => {
    const x = tf.input({ shape: [8, 6, 3], name: 'image' });
    const a = L.conv2d({ name: 'a', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    const b = L.conv2d({ name: 'b', filters: 4, kernelSize: 1 }).apply(x) as tf.SymbolicTensor;
    const sum = L.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    const c = L.conv2d({ name: 'c', filters: 2, kernelSize: 3, padding: 'same' }).apply(sum) as tf.SymbolicTensor;
    const channels = L.concatenate({ name: 'cat_channels' }).apply([sum, c]) as tf.SymbolicTensor;
    const rows = L.concatenate({ name: 'cat_rows', axis: 1 }).apply([channels, channels]) as tf.SymbolicTensor;
    // A merge of a channels-first tensor with one in TF's layout (after Reshape).
    const reshaped = L.reshape({ name: 'reshaped', targetShape: [16, 6, 6] }).apply(L.flatten({ name: 'flat_rows' }).apply(rows)) as tf.SymbolicTensor;
    const mixed = L.concatenate({ name: 'cat_mixed', axis: 2 }).apply([rows, reshaped]) as tf.SymbolicTensor;
    const prod = L.multiply({ name: 'prod' }).apply([a, b]) as tf.SymbolicTensor;
    const avg = L.average({ name: 'avg' }).apply([a, b, prod]) as tf.SymbolicTensor;
    const max = L.maximum({ name: 'max' }).apply([avg, a]) as tf.SymbolicTensor;
    const min = L.minimum({ name: 'min' }).apply([max, b]) as tf.SymbolicTensor;
    const pooled = L.globalAveragePooling2d({ name: 'gap' }).apply(min) as tf.SymbolicTensor;
    const flat = L.flatten({ name: 'flat' }).apply(mixed) as tf.SymbolicTensor;
    const joined = L.concatenate({ name: 'cat_flat' }).apply([flat, pooled]) as tf.SymbolicTensor;
    const logits = L.dense({ name: 'logits', units: 3 }).apply(joined) as tf.SymbolicTensor;
    const net = tf.model({ inputs: x, outputs: [logits, pooled] });
    const { graph } = await check(net, [randomInput([2, 8, 6, 3], 4)], 4);
    assert.deepEqual(graph.outputs.map((o) => o.name), ['logits', 'gap']);
    assert.deepEqual(graph.inputs.map((i) => i.name), ['image']);
  });

  it('Embedding + Dense (int32 indices), and Embedding of float indices with Conv1D, pooling 1D, LayerNormalization', async () => {
    const net = tf.sequential({ layers: [
      L.embedding({ name: 'embed', inputShape: [5], inputDim: 20, outputDim: 8 }),
      L.flatten({ name: 'flat' }),
      L.dense({ name: 'out', units: 4 }),
    ] });
    const idsInput = tf.input({ shape: [5], dtype: 'int32', name: 'ids' });
    const functional = tf.model({ inputs: idsInput, outputs: net.apply(idsInput) as tf.SymbolicTensor });
    await check(functional, [indices([3, 5], 20, 5)], 5);

    const text = tf.sequential({ layers: [
      L.embedding({ name: 'embed', inputShape: [9], inputDim: 30, outputDim: 6 }),
      L.conv1d({ name: 'conv', filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }),
      L.layerNormalization({ name: 'ln' }),
      L.maxPooling1d({ name: 'pool', poolSize: 2 }),
      L.conv1d({ name: 'conv_s2', filters: 4, kernelSize: 2, strides: 2, padding: 'same' }),
      L.globalAveragePooling1d({ name: 'gap' }),
      L.dense({ name: 'out', units: 2 }),
    ] });
    await check(text, [indices([3, 9], 30, 6, 'float32')], 6);

    // Two inputs of two dtypes.
    const features = tf.input({ shape: [4], name: 'features' });
    const ids = tf.input({ shape: [3], dtype: 'int32', name: 'ids' });
    const embedded = L.flatten({ name: 'flat' }).apply(L.embedding({ name: 'embed', inputDim: 7, outputDim: 2 }).apply(ids)) as tf.SymbolicTensor;
    const hidden = L.dense({ name: 'hidden', units: 5, activation: 'relu' }).apply(features) as tf.SymbolicTensor;
    const joined = L.concatenate({ name: 'joined' }).apply([hidden, embedded]) as tf.SymbolicTensor;
    const twoInputs = tf.model({ inputs: [features, ids], outputs: L.dense({ name: 'out', units: 2 }).apply(joined) as tf.SymbolicTensor });
    const { graph } = await check(twoInputs, [randomInput([3, 4], 7), indices([3, 3], 7, 8)], 7);
    assert.deepEqual(graph.inputs.map((v) => [v.name, v.dtype, v.shape]), [['features', 'float32', ['batch', 4]], ['ids', 'int32', ['batch', 3]]]);
  });

  for (const opset of [13, 17, 18]) {
    it(`LayerNormalization at opset ${opset}: rank 2, 3 and 4, several axes, without center or scale`, async () => {
      const x = tf.input({ shape: [4, 5, 3] });
      const ln1 = L.layerNormalization({ name: 'ln_last' }).apply(x) as tf.SymbolicTensor;
      const ln2 = L.layerNormalization({ name: 'ln_hwc', axis: [1, 2, 3], epsilon: 1e-5 }).apply(ln1) as tf.SymbolicTensor;
      const ln3 = L.layerNormalization({ name: 'ln_hw', axis: [1, 2], center: false }).apply(ln2) as tf.SymbolicTensor;
      const conv = L.conv2d({ name: 'conv', filters: 3, kernelSize: 3, padding: 'same' }).apply(ln3) as tf.SymbolicTensor;
      const ln4 = L.layerNormalization({ name: 'ln_conv', scale: false }).apply(conv) as tf.SymbolicTensor;
      const seq = L.reshape({ name: 'seq', targetShape: [20, 3] }).apply(ln4) as tf.SymbolicTensor;
      const ln5 = L.layerNormalization({ name: 'ln_seq' }).apply(seq) as tf.SymbolicTensor;
      const flat = L.flatten({ name: 'flat' }).apply(ln5) as tf.SymbolicTensor;
      const ln6 = L.layerNormalization({ name: 'ln_flat' }).apply(L.dense({ name: 'dense', units: 6 }).apply(flat)) as tf.SymbolicTensor;
      const net = tf.model({ inputs: x, outputs: ln6 });
      const { graph } = await check(net, [randomInput([2, 4, 5, 3], 7)], 7, { opset });
      // The native op for trailing axes from opset 17; ReduceMean for non-trailing axes (and before 17).
      assert.equal(ops(graph, 'LayerNormalization'), opset >= 17 ? 5 : 0);
    });
  }

  for (const opset of [17, 20]) {
    it(`every activation, as an option and as a layer on a channels-first value, at opset ${opset}`, async () => {
      // logSoftmax is registered in tfjs-layers but missing from its ActivationIdentifier type.
      const names = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'softplus', 'softsign', 'tanh',
        'softmax', 'logSoftmax', 'swish', 'mish', 'gelu', 'gelu_new'] as ActivationIdentifier[];
      for (const [i, activation] of names.entries()) {
        const x = tf.input({ shape: [5, 4, 3] });
        const conv = L.conv2d({ name: 'conv', filters: 4, kernelSize: 3, padding: 'same', activation }).apply(x) as tf.SymbolicTensor;
        const act = L.activation({ name: 'act', activation }).apply(conv) as tf.SymbolicTensor;
        const flat = L.flatten({ name: 'flat' }).apply(act) as tf.SymbolicTensor;
        const dense = L.dense({ name: 'dense', units: 6, activation }).apply(flat) as tf.SymbolicTensor;
        const net = tf.model({ inputs: x, outputs: dense });
        const input = randomInput([3, 5, 4, 3], 8 + i).mul(3);
        const { graph } = await check(net, [input], 8 + i, { opset });
        if (activation === 'gelu') assert.equal(ops(graph, 'Gelu'), opset >= 20 ? 3 : 0);
      }
    });
  }

  it('activation layers (ReLU with maxValue, LeakyReLU, ELU, PReLU, ThresholdedReLU, Softmax), Permute, ZeroPadding2D, Reshape, Dropout', async () => {
    const net = tf.sequential({ layers: [
      L.conv2d({ name: 'conv', inputShape: [6, 5, 2], filters: 4, kernelSize: 3, padding: 'same' }),
      L.reLU({ name: 'relu_max', maxValue: 0.5 }),
      L.conv2d({ name: 'conv2', filters: 4, kernelSize: 1 }),
      L.leakyReLU({ name: 'leaky', alpha: 0.2 }),
      L.elu({ name: 'elu' }),
      L.prelu({ name: 'prelu_shared', sharedAxes: [1, 2] }),
      L.prelu({ name: 'prelu' }),
      L.thresholdedReLU({ name: 'thresholded', theta: 0.1 }),
      L.zeroPadding2d({ name: 'pad', padding: [[1, 2], [0, 1]] }),
      L.softmax({ name: 'softmax_channels', axis: -1 }),
      L.dropout({ name: 'dropout', rate: 0.5 }),
      L.gaussianNoise({ name: 'noise', stddev: 1 }),
      L.permute({ name: 'permute', dims: [3, 1, 2] }),
      L.reshape({ name: 'reshape', targetShape: [24, 9] }),
      L.softmax({ name: 'softmax', axis: -1 }),
      L.flatten({ name: 'flat' }),
      L.dense({ name: 'out', units: 3 }),
      L.alphaDropout({ name: 'alpha_dropout', rate: 0.3 }),
    ] });
    const { graph } = await check(net, [randomInput([2, 6, 5, 2], 9)], 9);
    // A trailing identity layer adds no node: the output is the value of the layer that computed it.
    assert.equal(graph.outputs[0].name, 'out');
  });

  it('channels-first layers (Conv2D, pooling, Flatten)', async () => {
    const net = tf.sequential({ layers: [
      L.conv2d({ name: 'conv', inputShape: [3, 8, 7], filters: 4, kernelSize: 3, padding: 'same', dataFormat: 'channelsFirst' }),
      L.maxPooling2d({ name: 'pool', poolSize: 2, dataFormat: 'channelsFirst' }),
      L.conv2d({ name: 'conv_last', filters: 3, kernelSize: 2 }),
      L.flatten({ name: 'flat', dataFormat: 'channelsFirst' }),
      L.dense({ name: 'out', units: 2 }),
    ] });
    await check(net, [randomInput([2, 3, 8, 7], 11)], 11);
  });

  it('nested models: a Sequential inside a functional model, a functional model inside a Sequential', async () => {
    const inner = tf.sequential({ name: 'block', layers: [
      L.conv2d({ name: 'inner_conv', inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
      L.maxPooling2d({ name: 'inner_pool', poolSize: 2 }),
    ] });
    const x = tf.input({ shape: [6, 6, 2] });
    const y = L.flatten({ name: 'flat' }).apply(inner.apply(x)) as tf.SymbolicTensor;
    const outer = tf.model({ inputs: x, outputs: L.dense({ name: 'out', units: 2 }).apply(y) as tf.SymbolicTensor });
    randomizeWeights(inner, 12);
    const conversion = tfjsToOnnx(outer);
    assert.ok('block/inner_conv' in conversion.layerOutputs, Object.keys(conversion.layerOutputs).join(', '));
    await check(outer, [randomInput([2, 6, 6, 2], 12)], 12);

    const fx = tf.input({ shape: [4] });
    const fy = L.dense({ name: 'f_dense', units: 3, activation: 'tanh' }).apply(fx) as tf.SymbolicTensor;
    const functional = tf.model({ name: 'features', inputs: fx, outputs: fy });
    const seq = tf.sequential({ layers: [functional, L.dense({ name: 'head', units: 2 })] });
    await check(seq, [randomInput([3, 4], 13)], 13);
  });
});

describe('tfjsToOnnx refuses what it cannot convert', () => {
  it('names an unsupported layer', () => {
    const net = tf.sequential({ layers: [
      L.conv2d({ name: 'conv', inputShape: [4, 4, 1], filters: 2, kernelSize: 3 }),
      L.upSampling2d({ name: 'upsample' }),
    ] });
    assert.throws(() => tfjsToOnnx(net), (err: unknown) => {
      assert.ok(err instanceof UnsupportedLayerError && err instanceof GlassboxError);
      assert.equal(err.layerName, 'upsample');
      assert.equal(err.className, 'UpSampling2D');
      assert.match(err.message, /layer "upsample" \(UpSampling2D\)/);
      return true;
    });
    net.dispose();
  });

  it('names an unsupported option', () => {
    const net = tf.sequential({ layers: [
      L.depthwiseConv2d({ name: 'dilated_dw', inputShape: [8, 8, 2], kernelSize: 3, dilationRate: 2 }),
    ] });
    assert.throws(() => tfjsToOnnx(net), /layer "dilated_dw" \(DepthwiseConv2D\): dilationRate/);
    net.dispose();
    // TF.js's own BatchNormalization over a non-last axis indexes its statistics along the last axis.
    const bn = tf.sequential({ layers: [L.batchNormalization({ name: 'bn_axis1', inputShape: [3, 4, 4], axis: 1 })] });
    assert.throws(() => tfjsToOnnx(bn), /layer "bn_axis1" \(BatchNormalization\): axis 1/);
    bn.dispose();
    const rnn = tf.sequential({ layers: [L.lstm({ name: 'memory', inputShape: [3, 2], units: 2 })] });
    assert.throws(() => tfjsToOnnx(rnn), /layer "memory" \(LSTM\)/);
    rnn.dispose();
  });

  it('rejects an opset or batch it cannot honour', () => {
    const net = tf.sequential({ layers: [L.dense({ inputShape: [2], units: 1 })] });
    assert.throws(() => tfjsToOnnx(net, { opset: 12 }), UsageError);
    assert.throws(() => tfjsToOnnx(net, { batch: 0 }), UsageError);
    net.dispose();
  });
});
