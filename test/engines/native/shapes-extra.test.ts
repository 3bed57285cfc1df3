import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { buildGradientGraph } from '../../../src/engines/native/autodiff/index.js';
import { tfjsToOnnx } from '../../../src/engines/native/from-tfjs.js';
import { GraphBuilder, attr, emptyGraph, sizeOfShape, type AttrValue, type DType, type Dim, type Graph, type TensorValue } from '../../../src/engines/native/graph.js';
import { OnnxSession } from '../../../src/engines/native/runtime.js';
import { inferShapes } from '../../../src/engines/native/shapes.js';
import { Random } from '../../../src/util/random.js';
import { relativeError } from '../../helpers/compare.js';
import { graph, i64, node, tensor } from '../../helpers/graphs.js';

/**
 * Shape rules for the ops the TF.js converter and the backward rules emit beyond the common set
 * (Softsign, ThresholdedRelu, HardSwish, ReduceSumSquare/L1/L2/LogSum/LogSumExp, NonZero, ReduceSum
 * over axes computed at run time), checked against the shapes and dtypes onnxruntime really gives,
 * with symbolic dimensions kept; and a TF.js model using two of them, converted, shape-inferred and
 * differentiated, against tf.grad.
 */





/**
 * Infers shapes with every node output a graph output (so nothing folds away) and the inputs' symbolic
 * dimensions left symbolic; then runs the graph on onnxruntime with each symbol set to `sizes[symbol]`
 * and checks every output's dtype and rank, every known dimension, and every symbolic one against
 * what it was set to (an unknown dimension, null, may be anything). Returns the inferred shapes by
 * output, in node order.
 */
async function checkAgainstOrt(g: Graph, sizes: Record<string, number> = {}): Promise<Dim[][]> {
  const names = g.nodes.flatMap((n) => n.outputs).filter((o) => o);
  g.outputs = names.map((name) => ({ name, dtype: 'float32', shape: [] }));
  inferShapes(g);
  g.outputs = names.map((name) => g.values.get(name)!);
  const concrete = (s: Dim[]) => s.map((d) => {
    if (typeof d === 'number') return d;
    assert.ok(typeof d === 'string' && sizes[d] !== undefined, `no size given for input dimension ${d}`);
    return sizes[d];
  });
  const feeds = Object.fromEntries(g.inputs.map((v) => [v.name, tensor(v.dtype, concrete(v.shape))]));
  const session = await OnnxSession.create(g, { threads: 1 });
  try {
    const out = await session.run(feeds);
    return names.map((name) => {
      const v = g.values.get(name)!;
      const real = out[name];
      const what = `${g.nodes.find((n) => n.outputs.includes(name))!.op} output ${name}: inferred ${v.dtype}${JSON.stringify(v.shape)}, onnxruntime ${real.dtype}${JSON.stringify(real.shape)}`;
      assert.equal(v.dtype, real.dtype, what);
      assert.equal(v.shape.length, real.shape.length, what);
      v.shape.forEach((d, i) => {
        if (typeof d === 'number') assert.equal(d, real.shape[i], what);
        else if (typeof d === 'string') assert.equal(sizes[d], real.shape[i], what);
      });
      return v.shape;
    });
  } finally {
    await session.release();
  }
}

const REDUCTIONS = ['ReduceSumSquare', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp'];

describe('shape rules for the converter\'s and the autodiff\'s extra ops', () => {
  it('Softsign, ThresholdedRelu and HardSwish keep the shape and dtype, symbolic batch included', async () => {
    // HardSwish is new in opset 14; the others are older. Their signatures did not change since.
    for (const opset of [14, 18]) {
      const shapes = await checkAgainstOrt(graph(opset, { x: ['N', 3, 4], s: [] }, (b) => {
        node(b, 'Softsign', ['x']);
        node(b, 'ThresholdedRelu', ['x'], { alpha: attr.float(0.5) });
        node(b, 'ThresholdedRelu', ['s']);
        node(b, 'HardSwish', ['x']);
        node(b, 'Softsign', [tensor('float32', [2, 1])]);
      }), { N: 5 });
      assert.deepEqual(shapes, [['N', 3, 4], ['N', 3, 4], [], ['N', 3, 4], [2, 1]], `opset ${opset}`);
    }
  });

  it('the L1/L2/sum-of-squares/log-sum(-exp) reductions: axes as attribute (opset 13) and as input (18)', async () => {
    const x = { x: ['N', 3, 1, 4] as Dim[] };
    for (const op of REDUCTIONS) {
      const old = await checkAgainstOrt(graph(13, x, (b) => {
        node(b, op, ['x'], { axes: attr.ints([1, -1]), keepdims: attr.int(0) });
        node(b, op, ['x'], { axes: attr.ints([0, 2]) });
        node(b, op, ['x'], { axes: attr.ints([-4]), keepdims: attr.int(0) });
        node(b, op, ['x']);
        node(b, op, ['x'], { keepdims: attr.int(0) });
        node(b, op, [tensor('float32', [2, 3], [1, 2, 3, 4, 5, 6])], { axes: attr.ints([1]) });
      }), { N: 2 });
      assert.deepEqual(old, [['N', 1], [1, 3, 1, 4], [3, 1, 4], [1, 1, 1, 1], [], [2, 1]], `${op} opset 13`);

      const now = await checkAgainstOrt(graph(18, x, (b) => {
        node(b, op, ['x', i64(1, -1)], { keepdims: attr.int(0) });
        node(b, op, ['x', i64(0, 2)]);
        node(b, op, ['x', i64(-4)], { keepdims: attr.int(0) });
        node(b, op, ['x']);
        node(b, op, ['x'], { keepdims: attr.int(0) });
        node(b, op, ['x', tensor('int64', [0])]);
        node(b, op, ['x', tensor('int64', [0])], { noop_with_empty_axes: attr.int(1) });
        node(b, op, ['x'], { noop_with_empty_axes: attr.int(1), keepdims: attr.int(0) });
        node(b, op, [tensor('float32', [2, 3], [1, 2, 3, 4, 5, 6]), i64(0)], { keepdims: attr.int(0) });
      }), { N: 2 });
      assert.deepEqual(now, [['N', 1], [1, 3, 1, 4], [3, 1, 4], [1, 1, 1, 1], [], [1, 1, 1, 1], ['N', 3, 1, 4], ['N', 3, 1, 4], [3]], `${op} opset 18`);
    }
  });

  it('NonZero gives [rank, count] int64: count unknown for data, known for constants and empty inputs', async () => {
    // NonZero's signature is the same at opsets 9 and 13 (13 only widened its types).
    for (const opset of [9, 13]) {
      const shapes = await checkAgainstOrt(graph(opset, { x: ['N', 3], m: { dtype: 'bool', shape: [2, 'K', 2] }, e: [0, 3], s: [] }, (b) => {
        node(b, 'NonZero', ['x']);
        node(b, 'NonZero', ['m']);
        node(b, 'NonZero', ['e']);
        node(b, 'NonZero', ['s']);
        node(b, 'NonZero', [tensor('int64', [2, 3], [0, 4, 0, -1, 0, 2])]);
        node(b, 'NonZero', [tensor('float32', [4], [0, -0, 0.5, 0])]);
      }), { N: 4, K: 3 });
      assert.deepEqual(shapes, [[2, null], [3, null], [2, 0], [1, null], [2, 3], [1, 1]], `opset ${opset}`);
    }
  });

  it('ReduceSum over axes computed at run time (what the autodiff writes to unbroadcast) keeps the rank', async () => {
    // The chain Emitter.unbroadcastAtRunTime writes: sum grad over the axes where target has size 1
    // and grad has not, keeping dims, then reshape to target's shape.
    const chain = () => graph(13, { grad: ['N', 3], target: ['M', 3] }, (b) => {
      const [targetShape] = node(b, 'Shape', ['target']);
      const one = i64(1);
      const [isOne] = node(b, 'Equal', [targetShape, one]);
      const [notOne] = node(b, 'Not', [node(b, 'Equal', [node(b, 'Shape', ['grad'])[0], one])[0]]);
      const [broadcast] = node(b, 'And', [isOne, notOne]);
      const [axes] = node(b, 'Reshape', [node(b, 'NonZero', [broadcast])[0], i64(-1)]);
      const [sum] = node(b, 'ReduceSum', ['grad', axes], { keepdims: attr.int(1), noop_with_empty_axes: attr.int(1) });
      node(b, 'Reshape', [sum, targetShape]);
    });
    for (const sizes of [{ N: 4, M: 1 }, { N: 4, M: 4 }]) {
      const shapes = await checkAgainstOrt(chain(), sizes);
      // NonZero [1, ?] -> Reshape [?] -> ReduceSum: either axis may be summed, so neither size is
      // sure; the Reshape to Shape(target) gets it back.
      assert.deepEqual(shapes.slice(-4), [[1, null], [null], [null, null], ['M', 3]]);
    }
    // Without keepdims the rank depends on the data: that is an error, naming the node.
    const noKeep = graph(13, { x: [2, 3], a: { dtype: 'int64', shape: [1] } }, (b, g) => {
      const [y] = node(b, 'ReduceSum', ['x', 'a'], { keepdims: attr.int(0) });
      g.outputs.push({ name: y, dtype: 'float32', shape: [] });
    });
    assert.throws(() => inferShapes(noKeep), /\(ReduceSum\): its axes \(input 'a'\) is computed from data at run time/);
  });

  it('shape inference runs on a gradient graph whose broadcast is only decided at run time', async () => {
    // y = x + b with b [M, 3] against x [N, 3]: whether b is broadcast is unknown until run time, so
    // the gradient of b is summed over run-time axes (NonZero -> ReduceSum).
    const g = graph(13, { x: ['N', 3], b: ['M', 3] }, (bd, gr) => {
      const [y] = node(bd, 'Add', ['x', 'b']);
      gr.outputs.push({ name: y, dtype: 'float32', shape: ['N', 3] });
    });
    inferShapes(g);
    const built = buildGradientGraph(g, { output: g.outputs[0].name, inputs: ['x', 'b'] });
    const ops = built.graph.nodes.map((n) => n.op);
    assert.ok(ops.includes('NonZero') && ops.includes('ReduceSum'), ops.join(' '));
    const grads = [built.gradients.x, built.gradients.b];
    const copy = structuredClone(built.graph);
    inferShapes(copy);
    assert.deepEqual(grads.map((name) => copy.values.get(name)!.shape), [['N', 3], ['M', 3]]);
    for (const sizes of [{ N: 4, M: 1 }, { N: 4, M: 4 }]) await checkAgainstOrt(structuredClone(built.graph), sizes);
  });
});

// ---- end to end: a TF.js model with softsign and thresholdedReLU -------------------------------------


function randomData(shape: number[], seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: sizeOfShape(shape) }, () => random.normal());
}

function softsignModel(): tf.LayersModel {
  const net = tf.sequential({ name: 'softsign-thresholded' });
  net.add(tf.layers.dense({ inputShape: [6], units: 8, activation: 'softsign', name: 'd1' }));
  net.add(tf.layers.thresholdedReLU({ theta: 0.2, name: 'thr' }));
  net.add(tf.layers.dense({ units: 7, name: 'd2' }));
  net.add(tf.layers.activation({ activation: 'softsign', name: 'act' }));
  net.add(tf.layers.dense({ units: 4, name: 'logits' }));
  let seed = 10;
  for (const layer of net.layers) {
    const values = layer.getWeights().map((w) => {
      const fanIn = w.shape.length > 1 ? w.shape[0] : 4;
      return tf.tensor(randomData(w.shape, seed++).map((v) => v * 2 / Math.sqrt(fanIn)), w.shape);
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
  return net;
}

/**
 * tf.grad of sum(net(x) * w) with respect to x, through net's own layers. TF.js's ThresholdedReLU
 * computes x * cast(x > theta), and TF.js has no gradient for Greater, so tf.grad cannot go through
 * the layer as it is ("gradient function not found for Greater"): here its mask is computed from the
 * forward pass and held constant, which is its gradient everywhere but at theta itself (where it has none).
 */
function tfjsInputGradient(net: tf.LayersModel, x: tf.Tensor, w: tf.Tensor): { grad: Float32Array; masks: Float32Array[]; output: Float32Array } {
  return tf.tidy(() => {
    const masks = new Map<string, tf.Tensor>();
    let h: tf.Tensor = x;
    for (const layer of net.layers) {
      if (layer.getClassName() === 'ThresholdedReLU') {
        masks.set(layer.name, tf.cast(tf.greater(h, layer.getConfig().theta as number), 'float32'));
      }
      h = layer.apply(h) as tf.Tensor;
    }
    const forward = (t: tf.Tensor) => net.layers.reduce((v, layer) => {
      const mask = masks.get(layer.name);
      return mask ? tf.mul(v, mask) : (layer.apply(v) as tf.Tensor);
    }, t);
    // The layer-by-layer forward with constant masks is the model's forward.
    assert.ok(relativeError(forward(x).dataSync(), h.dataSync()) < 1e-6);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(forward(t), w)))(x);
    return {
      grad: Float32Array.from(grad.dataSync()),
      masks: [...masks.values()].map((m) => Float32Array.from(m.dataSync())),
      output: Float32Array.from(h.dataSync()),
    };
  });
}

describe('a TF.js model with softsign and thresholdedReLU, end to end', () => {
  before(async () => useBackend('cpu'));
  after(async () => useBackend('wasm'));

  it('converts, infers shapes, and its native input gradients match tf.grad', async () => {
    const net = softsignModel();
    const rows = 5;
    const xData = randomData([rows, 6], 1);
    const wData = randomData([rows, 4], 2);
    const x = tf.tensor2d(xData, [rows, 6]);
    const w = tf.tensor2d(wData, [rows, 4]);
    const expected = tfjsInputGradient(net, x, w);
    // The threshold is crossed, so the test sees ThresholdedRelu's mask at work.
    assert.ok(expected.masks[0].includes(0) && expected.masks[0].includes(1));

    for (const opset of [13, 18]) {
      const { graph: g } = tfjsToOnnx(net, { batch: 'dynamic', opset, layerOutputs: 'none' });
      const ops = g.nodes.map((n) => n.op);
      assert.ok(ops.includes('Softsign') && ops.includes('ThresholdedRelu'), ops.join(' '));
      inferShapes(g);
      const input = g.inputs[0].name;
      const output = g.outputs[0].name;
      const batch = g.inputs[0].shape[0];
      assert.equal(typeof batch, 'string', 'the batch stays symbolic');
      const inferred = g.nodes.filter((n) => n.op === 'Softsign' || n.op === 'ThresholdedRelu').map((n) => [n.op, g.values.get(n.outputs[0])!.shape]);
      assert.deepEqual(inferred, [['Softsign', [batch, 8]], ['ThresholdedRelu', [batch, 8]], ['Softsign', [batch, 7]]]);
      assert.deepEqual(g.outputs[0].shape, [batch, 4]);

      const built = buildGradientGraph(g, { output, inputs: [input] });
      // The gradient graph's own shapes infer too, down to the input gradient's.
      const copy = structuredClone(built.graph);
      inferShapes(copy);
      assert.deepEqual(copy.values.get(built.gradients[input])!.shape, [batch, 6]);

      const session = await OnnxSession.create(built.graph);
      try {
        const out = await session.run({
          [input]: { dtype: 'float32', shape: [rows, 6], data: xData },
          [built.outputWeights]: { dtype: 'float32', shape: [rows, 4], data: wData },
        });
        const grad = out[built.gradients[input]];
        assert.deepEqual(grad.shape, [rows, 6]);
        assert.ok(relativeError(out[built.output].data as Float32Array, expected.output) < 1e-5, `opset ${opset}: outputs differ`);
        const err = relativeError(grad.data as Float32Array, expected.grad);
        assert.ok(err < 1e-4, `opset ${opset}: relative error ${err}`);
      } finally {
        await session.release();
      }
    }
    tf.dispose([x, w]);
    net.dispose();
  });
});
