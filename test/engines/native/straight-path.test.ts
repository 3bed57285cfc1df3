import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { IntegratedGradients, type IntegratedGradientsOptions } from '../../../src/attribution/gradient/integrated-gradients.js';
import { integrationGrid } from '../../../src/attribution/integration.js';
import { type Graph, GraphBuilder, type TensorValue, attr, emptyGraph } from '../../../src/engines/native/graph.js';
import { inferShapes } from '../../../src/engines/native/shapes.js';
import { OnnxSession } from '../../../src/engines/native/runtime.js';
import { foldFlattenTranspose } from '../../../src/engines/native/straight-path/fold-flatten-transpose.js';
import { readIdx } from '../../../src/io/idx.js';
import { loadModel } from '../../../src/models/load.js';
import type { StraightPathGradients } from '../../../src/models/model.js';
import { NativeModel } from '../../../src/models/native.js';
import { Random } from '../../../src/util/random.js';
import { relativeError } from '../../helpers/compare.js';

/**
 * Integrated gradients through the native engine's straight-path shortcut (the first affine layer, and
 * a Relu and MaxPool after it, run once per row: src/engines/native/straight-path/) against the same
 * method taking one full gradient per path point (pathShortcut: false), on the digit CNN, the MNIST
 * ONNX model, MLPs and a model the shortcut cannot fold. Which shortcut ran is checked as well.
 */

const TOLERANCE = 1e-4;
const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const images = readIdx(root('data/mnist/t10k-images-idx3-ubyte.gz'));
const digits = (n: number, layout: 'nhwc' | 'nchw' = 'nhwc') => ({
  shape: layout === 'nhwc' ? [n, 28, 28, 1] : [n, 1, 28, 28],
  data: Float32Array.from(images.data.subarray(0, n * 784), (v) => v / 255),
});
const uniform = (shape: number[], seed: number, scale = 1) => {
  const random = new Random(seed);
  return { shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.uniform() * scale) };
};

/** IG with and without the shortcut: both results, and the shortcut IG's calls took (undefined: declined). */
async function compare(model: NativeModel, inputs: { shape: number[]; data: Float32Array }, options: IntegratedGradientsOptions = {}) {
  const ig = new IntegratedGradients(model);
  const progress: number[] = [];
  const taken: (StraightPathGradients['shortcut'] | undefined)[] = [];
  const original = model.straightPathGradients;
  model.straightPathGradients = async (...args) => {
    const result = await original.apply(model, args);
    taken.push(result?.shortcut);
    return result;
  };
  let fast;
  try {
    fast = await ig.attribute(inputs, { ...options, onProgress: (done, total) => progress.push(done / total) });
  } finally {
    model.straightPathGradients = original;
  }
  const slow = await ig.attribute(inputs, { ...options, pathShortcut: false });
  assert.equal(progress.at(-1), 1, 'progress reaches the end');
  assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]), 'progress never goes back');
  const err = relativeError(fast.attributions, slow.attributions);
  assert.ok(err <= TOLERANCE, `attributions differ by ${err} (relative)`);
  const deltaErr = relativeError(fast.convergenceDelta!, slow.convergenceDelta!);
  assert.ok(deltaErr <= 1e-3 || Math.max(...fast.convergenceDelta!.map((d, i) => Math.abs(d - slow.convergenceDelta![i]))) <= 1e-5,
    `convergence deltas differ: ${fast.convergenceDelta} against ${slow.convergenceDelta}`);
  assert.ok(taken.length > 0 && taken.every((t) => t === taken[0]), `shortcuts taken: ${taken}`);
  return { fast, slow, shortcut: taken[0], calls: taken.length };
}

describe('straight-path shortcut: the digit CNN (Transpose, Conv, Relu, MaxPool first)', () => {
  let model: NativeModel;
  before(async () => {
    await useBackend('cpu');
    model = (await loadModel('digits', { engine: 'native' })) as NativeModel;
  });
  after(() => model.dispose());

  it('zero baselines, 16 rows in chunks of 4 rows: the pooled shortcut, equal to point by point', async () => {
    const { shortcut, fast, calls } = await compare(model, digits(16), { internalBatchSize: 200 });
    assert.equal(shortcut, 'first-layer-relu-maxpool');
    assert.equal(calls, 4);
    // Completeness holds as well as before (the deltas are compared above): small against the logits.
    assert.ok(fast.convergenceDelta!.every((d) => Math.abs(d) < 0.05), `deltas ${fast.convergenceDelta}`);
  });

  it('a constant 0.3 baseline, one row: the pooled shortcut', async () => {
    const { shortcut } = await compare(model, digits(1), { baselines: 0.3 });
    assert.equal(shortcut, 'first-layer-relu-maxpool');
  });

  it('a per-pixel random baseline: only the first layer is folded', async () => {
    const { shortcut } = await compare(model, digits(3), { baselines: uniform([3, 28, 28, 1], 7) });
    assert.equal(shortcut, 'first-layer');
  });

  it('riemann-left (alpha 0 ties every pooling window): only the first layer is folded', async () => {
    const { shortcut } = await compare(model, digits(2), { integration: 'riemann-left', steps: 20 });
    assert.equal(shortcut, 'first-layer');
  });

  it('odd chunk sizes: steps split within a row (37 points a call), and 4 rows of 31 a call', async () => {
    // 3 rows x ceil(50 / 37) calls; ceil(5 rows / 4) calls.
    assert.equal((await compare(model, digits(3), { internalBatchSize: 37 })).calls, 6);
    assert.equal((await compare(model, digits(5), { internalBatchSize: 130, integration: 'riemann-trapezoid', steps: 31 })).calls, 2);
  });

  it('leaves no tensors behind', async () => {
    const ig = new IntegratedGradients(model);
    await ig.attribute(digits(2), { steps: 10, internalBatchSize: 7 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await ig.attribute(digits(2), { steps: 10, internalBatchSize: 7 });
    assert.equal(tf.memory().numTensors, before);
  });

  it('a function target is not folded', async () => {
    const x = tf.tensor(digits(1).data, [1, 28, 28, 1]);
    const { alphas, weights } = integrationGrid('gausslegendre', 8);
    const zeros = tf.zerosLike(x);
    const result = await model.straightPathGradients(x, zeros, { alphas, weights, target: { kind: 'function', fn: (o) => tf.sum(o, 1) } });
    assert.equal(result, undefined);
    tf.dispose([x, zeros]);
  });
});

/**
 * The MNIST model from the ONNX model zoo (opset 7, upgraded to 13): padded ("SAME_UPPER") Conv, its
 * bias as a separate Add, batch fixed at 1. With the fixed batch the shortcut is declined; with the
 * batch made dynamic (the input's batch and the Reshape's leading 1 freed), it folds.
 */
describe('straight-path shortcut: the MNIST ONNX model', () => {
  let fixed: NativeModel;
  let dynamic: NativeModel;
  before(async () => {
    await useBackend('cpu');
    fixed = NativeModel.fromOnnxFile(root('test/data/models/mnist-onnx/mnist-cntk-opset7.onnx'));
    dynamic = new NativeModel(withDynamicBatch(fixed.onnxGraph));
  });
  after(() => { fixed.dispose(); dynamic.dispose(); });

  it('fixed batch: declined, and IG is unchanged', async () => {
    const { shortcut } = await compare(fixed, digits(1, 'nchw'), { steps: 10, baselines: 0.5 });
    assert.equal(shortcut, undefined);
  });

  it('dynamic batch, zero baselines: pooled (zero padding keeps pre(b) the bias)', async () => {
    const { shortcut } = await compare(dynamic, digits(4, 'nchw'), { internalBatchSize: 100 });
    assert.equal(shortcut, 'first-layer-relu-maxpool');
  });

  it('dynamic batch, a constant 0.3 baseline: the padded border varies pre(b), so only the first layer', async () => {
    const { shortcut } = await compare(dynamic, digits(2, 'nchw'), { baselines: 0.3 });
    assert.equal(shortcut, 'first-layer');
  });
});

function withDynamicBatch(source: Readonly<Graph>): Graph {
  const initializers = new Map(source.initializers);
  for (const [name, value] of initializers) {
    if (value.dtype === 'int64' && value.shape.length === 1 && value.data[0] === 1n && name.includes('reshape')) {
      initializers.set(name, { ...value, data: BigInt64Array.from([-1n, ...Array.from(value.data as BigInt64Array).slice(1)]) });
    }
  }
  const graph: Graph = {
    ...source,
    inputs: source.inputs.map((v) => ({ ...v, shape: ['batch', ...v.shape.slice(1)] })),
    outputs: source.outputs.map((v) => ({ ...v, shape: ['batch', ...v.shape.slice(1)] })),
    initializers,
    nodes: source.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })),
    values: new Map(),
  };
  inferShapes(graph);
  return graph;
}

/** A small network on [batch, ...inputShape] with seeded weights scaled by fan-in. */
function net(inputShape: number[], body: (b: GraphBuilder, w: (shape: number[]) => string) => string): NativeModel {
  const graph = emptyGraph('net', 17);
  graph.inputs.push({ name: 'x', dtype: 'float32', shape: ['batch', ...inputShape] });
  const b = new GraphBuilder(graph);
  let seed = 40;
  const w = (shape: number[]) => {
    const random = new Random(seed++);
    const fanIn = shape.length > 1 ? shape[0] : 4;
    const value: TensorValue = { dtype: 'float32', shape, data: Float32Array.from({ length: shape.reduce((p, q) => p * q, 1) }, () => random.normal() / Math.sqrt(fanIn)) };
    return b.constant(value, 'w');
  };
  const output = body(b, w);
  graph.outputs.push({ name: output, dtype: 'float32', shape: ['batch', null] });
  inferShapes(graph);
  graph.outputs[0] = { ...graph.values.get(output)! };
  return new NativeModel(graph);
}

describe('straight-path shortcut: MLPs and a model it cannot fold', () => {
  before(() => useBackend('cpu'));

  it('Gemm first (alpha, C): the first layer folds', async () => {
    const model = net([12], (b, w) => {
      const h = b.op('Relu', [b.op('Gemm', ['x', w([12, 16]), w([16])], { alpha: attr.float(0.7), beta: attr.float(1.3) })]);
      return b.op('Gemm', [b.op('Tanh', [h]), w([16, 4]), w([4])]);
    });
    const { shortcut } = await compare(model, uniform([5, 12], 3, 2), { baselines: uniform([5, 12], 4), internalBatchSize: 64 });
    assert.equal(shortcut, 'first-layer');
    model.dispose();
  });

  it('Flatten then MatMul plus bias: the first layer folds through the prefix', async () => {
    const model = net([3, 4], (b, w) => {
      const h = b.op('Relu', [b.op('Add', [b.op('MatMul', [b.op('Flatten', ['x']), w([12, 10])]), w([10])])]);
      return b.op('Gemm', [h, w([10, 3])]);
    });
    const { shortcut } = await compare(model, uniform([4, 3, 4], 5), { steps: 24 });
    assert.equal(shortcut, 'first-layer');
    model.dispose();
  });

  it('a first op that is not affine (Sigmoid): declined, IG unchanged', async () => {
    const model = net([6], (b, w) => b.op('Gemm', [b.op('Sigmoid', ['x']), w([6, 3]), w([3])]));
    const { shortcut } = await compare(model, uniform([2, 6], 6, 3), { steps: 16 });
    assert.equal(shortcut, undefined);
    model.dispose();
  });
});

describe('Transpose -> Flatten -> MatMul folded into the weight', () => {
  for (const perm of [[0, 2, 3, 1], [0, 3, 1, 2], [0, 1, 2, 3]]) {
    it(`perm [${perm}] on [batch, 2, 3, 4]: same outputs, no Transpose`, async () => {
      const model = net([2, 3, 4], (b, w) => b.op('MatMul', [b.op('Flatten', [b.op('Transpose', ['x'], { perm: attr.ints(perm) })]), w([24, 5])]));
      const graph = model.onnxGraph as Graph;
      const folded: Graph = { ...graph, initializers: new Map(graph.initializers), values: new Map(graph.values),
        nodes: graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] })) };
      foldFlattenTranspose(folded);
      assert.deepEqual(folded.nodes.map((n) => n.op), ['Flatten', 'MatMul']);
      const x = uniform([3, 2, 3, 4], 9, 2);
      const run = async (g: Graph) => {
        const session = await OnnxSession.create(g);
        try {
          return (await session.run({ x: { dtype: 'float32', shape: x.shape, data: x.data } }))[g.outputs[0].name].data as Float32Array;
        } finally {
          await session.release();
        }
      };
      const err = relativeError(await run(folded), await run(graph));
      assert.ok(err < 1e-6, `outputs differ by ${err}`);
      model.dispose();
    });
  }
});
