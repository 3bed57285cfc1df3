import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type AttrValue, type DType, type Graph, GraphBuilder, type TensorValue, attr, emptyGraph } from '../../../src/engines/native/graph.js';
import { inferShapes } from '../../../src/engines/native/shapes.js';
import { OnnxSession } from '../../../src/engines/native/runtime.js';
import { buildGradientGraph } from '../../../src/engines/native/autodiff/index.js';
import { gradCheck } from '../../../src/engines/native/autodiff/gradcheck.js';
import { Random } from '../../../src/util/random.js';
import { distinctValues } from '../../helpers/graphs.js';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../../src/backend.js';
import { loadModel } from '../../../src/models/load.js';
import type { TfjsLayersModel } from '../../../src/models/tfjs-layers.js';
import { tfjsToOnnx } from '../../../src/engines/native/from-tfjs.js';

/**
 * The fast paths of the backward rules (max-pooling through MaxPool's Indices and MaxUnpool or
 * ScatterElements, Relu's mask from its output, a stride-1 Conv's input gradient as a Conv with the
 * flipped kernel): each against finite differences, max-pooling's ties against a brute-force
 * "first maximum in row-major window order" router, and the built-in digits CNN against TF.js.
 */

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function tensor(dtype: DType, shape: number[], values: number[]): TensorValue {
  return { dtype, shape, data: dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values) };
}

/** Each window's gradient at its first maximum in row-major order (2-D, no padding). */
function maxPoolReference(values: number[], shape: number[], k: number, s: number, dy: number[]): Float64Array {
  const [, , h, w] = shape;
  const out = Math.floor((h - k) / s) + 1;
  const outW = Math.floor((w - k) / s) + 1;
  const grad = new Float64Array(size(shape));
  for (let plane = 0; plane < shape[0] * shape[1]; plane++) {
    for (let i = 0; i < out; i++) {
      for (let j = 0; j < outW; j++) {
        let best = -1;
        for (let a = 0; a < k; a++) {
          for (let c = 0; c < k; c++) {
            const at = plane * h * w + (i * s + a) * w + j * s + c;
            if (best < 0 || values[at] > values[best]) best = at;
          }
        }
        grad[best] += dy[(plane * out + i) * outW + j];
      }
    }
  }
  return grad;
}

function graphOf(dtype: DType, shape: number[], build: (b: GraphBuilder) => string, opset = 17): { graph: Graph; output: string } {
  const graph = emptyGraph('speed', opset);
  graph.inputs.push({ name: 'x', dtype, shape });
  const b = new GraphBuilder(graph);
  const output = build(b);
  graph.outputs.push({ name: output, dtype, shape: [] });
  inferShapes(graph);
  return { graph, output };
}

async function forward(graph: Graph, feeds: Record<string, TensorValue>, output: string): Promise<TensorValue> {
  const session = await OnnxSession.create(graph);
  try {
    return (await session.run(feeds, [output]))[output];
  } finally {
    await session.release();
  }
}

/** The backward ops the gradient graph uses (beyond the forward's). */
function backwardOps(graph: Graph, output: string, dtype: DType): string[] {
  const built = buildGradientGraph(graph, { output });
  return built.graph.nodes.slice(graph.nodes.length).map((n) => n.op);
}

async function check(dtype: DType, shape: number[], build: (b: GraphBuilder) => string, opset = 17): Promise<{ error: number; ops: string[] }> {
  const { graph, output } = graphOf(dtype, shape, build, opset);
  const rng = new Random(3);
  const feeds = { x: tensor(dtype, shape, distinctValues(rng, size(shape))) };
  const y = await forward(graph, feeds, output);
  const weights = tensor(dtype, y.shape, Array.from({ length: size(y.shape) }, () => rng.normal()));
  const { error } = await gradCheck(graph, { output, feeds, weights });
  return { error, ops: backwardOps(graph, output, dtype) };
}

const TOLERANCE: Record<string, number> = { float64: 1e-6, float32: 2e-3 };
const pool = (attrs: Record<string, AttrValue>) => (b: GraphBuilder) => b.op('MaxPool', ['x'], attrs);

describe('max-pool through its indices', () => {
  const cases: { name: string; shape: number[]; attrs: Record<string, AttrValue>; dtype: DType; opset?: number; uses: string }[] = [
    { name: '2x2 stride 2, uneven size (MaxUnpool)', shape: [2, 3, 7, 6], attrs: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }, dtype: 'float32', uses: 'MaxUnpool' },
    { name: '2x2 stride 2, float64 (ScatterElements)', shape: [2, 2, 6, 5], attrs: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }, dtype: 'float64', uses: 'ScatterElements' },
    { name: 'ceil_mode and pads (MaxUnpool)', shape: [1, 2, 7, 7], attrs: { kernel_shape: attr.ints([3, 2]), strides: attr.ints([3, 2]), pads: attr.ints([1, 0, 0, 0]), ceil_mode: attr.int(1) }, dtype: 'float32', uses: 'MaxUnpool' },
    { name: 'dilations 2, stride 3 (disjoint, MaxUnpool)', shape: [1, 2, 8, 8], attrs: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([3, 3]), dilations: attr.ints([2, 2]) }, dtype: 'float32', uses: 'MaxUnpool' },
    { name: '3x3 stride 1, pads 1 (overlapping, ScatterElements add)', shape: [2, 2, 5, 5], attrs: { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) }, dtype: 'float32', uses: 'ScatterElements' },
    { name: 'overlapping, float64', shape: [1, 2, 6, 5], attrs: { kernel_shape: attr.ints([3, 2]), strides: attr.ints([2, 1]) }, dtype: 'float64', uses: 'ScatterElements' },
    { name: '1-D SAME_UPPER (MaxUnpool)', shape: [2, 3, 9], attrs: { kernel_shape: attr.ints([3]), strides: attr.ints([3]), auto_pad: attr.string('SAME_UPPER') }, dtype: 'float32', uses: 'MaxUnpool' },
    { name: '3-D 2x2x2', shape: [1, 2, 4, 4, 5], attrs: { kernel_shape: attr.ints([2, 2, 2]), strides: attr.ints([2, 2, 2]) }, dtype: 'float32', uses: 'MaxUnpool' },
    { name: 'overlapping at opset 13: the general route', shape: [1, 2, 5, 5], attrs: { kernel_shape: attr.ints([3, 3]) }, dtype: 'float32', opset: 13, uses: 'ArgMax' },
    { name: 'storage_order 1: the general route', shape: [1, 2, 4, 4], attrs: { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), storage_order: attr.int(1) }, dtype: 'float32', uses: 'ArgMax' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { error, ops } = await check(c.dtype, c.shape, pool(c.attrs), c.opset);
      assert.ok(ops.includes(c.uses), `${c.name}: expected ${c.uses} among ${ops.join(' ')}`);
      assert.ok(error <= TOLERANCE[c.dtype], `${c.name}: relative error ${error.toExponential(2)}`);
    });
  }

  it('give each window\'s gradient to its first maximum in row-major order, ties included', async () => {
    const random = new Random(11);
    const shape = [2, 3, 7, 8];
    // Small integers: ties in most windows.
    const values = Array.from({ length: size(shape) }, () => Math.max(0, Math.round(random.normal())));
    for (const [dtype, k, s, opset] of [['float32', 2, 2, 17], ['float64', 2, 2, 17], ['float32', 3, 1, 17], ['float64', 3, 2, 17], ['float32', 3, 2, 13]] as const) {
      const attrs = { kernel_shape: attr.ints([k, k]), strides: attr.ints([s, s]) };
      const { graph, output } = graphOf(dtype, shape, pool(attrs), opset);
      const built = buildGradientGraph(graph, { output });
      const x = tensor(dtype, shape, values);
      const out = Math.floor((shape[2] - k) / s) + 1;
      const outW = Math.floor((shape[3] - k) / s) + 1;
      const dy = Array.from({ length: shape[0] * shape[1] * out * outW }, () => random.normal());
      const session = await OnnxSession.create(built.graph);
      const result = await session.run({ x, [built.outputWeights]: tensor(dtype, [shape[0], shape[1], out, outW], dy) });
      await session.release();
      const grad = result[built.gradients.x].data as Float32Array | Float64Array;
      const expected = maxPoolReference(values, shape, k, s, dy);
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(grad[i] - expected[i]));
      assert.ok(worst < 1e-5, `${dtype} pool ${k} stride ${s} opset ${opset}: max difference ${worst}`);
    }
  });
});

describe('Relu and Conv fast paths', () => {
  const w = (b: GraphBuilder, dtype: DType, shape: number[], seed: number) => {
    const rng = new Random(seed);
    return b.constant(tensor(dtype, shape, Array.from({ length: size(shape) }, () => rng.normal() / 3)), 'w');
  };
  const convCases: { name: string; shape: number[]; w: number[]; attrs: Record<string, AttrValue>; uses: string }[] = [
    { name: 'Conv 3x3, 8 input channels (flipped-kernel Conv)', shape: [2, 8, 5, 5], w: [3, 8, 3, 3], attrs: {}, uses: 'Conv' },
    { name: 'Conv dilations 2, asymmetric pads, 16 channels', shape: [1, 16, 6, 7], w: [2, 16, 3, 2], attrs: { dilations: attr.ints([2, 2]), pads: attr.ints([1, 0, 2, 1]) }, uses: 'Conv' },
    { name: 'Conv SAME_LOWER, 8 channels', shape: [1, 8, 5, 4], w: [4, 8, 2, 3], attrs: { auto_pad: attr.string('SAME_LOWER') }, uses: 'Conv' },
    { name: 'Conv 1-D, 8 channels', shape: [2, 8, 9], w: [3, 8, 4], attrs: { pads: attr.ints([2, 1]) }, uses: 'Conv' },
    { name: 'Conv stride 2: ConvTranspose', shape: [1, 8, 6, 6], w: [3, 8, 3, 3], attrs: { strides: attr.ints([2, 2]) }, uses: 'ConvTranspose' },
    { name: 'Conv pads beyond the kernel: ConvTranspose', shape: [1, 8, 4, 4], w: [2, 8, 2, 2], attrs: { pads: attr.ints([2, 2, 2, 2]) }, uses: 'ConvTranspose' },
  ];
  for (const c of convCases) {
    it(c.name, async () => {
      const { error, ops } = await check('float32', c.shape, (b) => b.op('Conv', ['x', w(b, 'float32', c.w, 4)], c.attrs));
      assert.ok(ops.includes(c.uses), `${c.name}: expected ${c.uses} among ${ops.join(' ')}`);
      assert.ok(error <= TOLERANCE.float32, `${c.name}: relative error ${error.toExponential(2)}`);
    });
  }

  it('the digits CNN (conv 32, relu, max-pool, conv 64, relu, max-pool, dense) against TF.js', async () => {
    await useBackend('cpu');
    const model = await loadModel('digits', { engine: 'tfjs' }) as TfjsLayersModel;
    const { graph } = tfjsToOnnx(model.net, { layerOutputs: 'none', batch: 'dynamic' });
    inferShapes(graph);
    const input = graph.inputs[0].name;
    const built = buildGradientGraph(graph, { output: graph.outputs[0].name, inputs: [input] });
    assert.ok(built.graph.nodes.some((n) => n.op === 'MaxUnpool'), 'the pools use MaxUnpool');
    assert.ok(built.graph.nodes.some((n) => n.op === 'Conv' && n.name.startsWith('glassbox_bw/')), 'conv2\'s input gradient is a Conv');
    // Strokes on a blank background: windows over the background tie (the conv's bias everywhere).
    const rows = 4;
    const random = new Random(8);
    const pixels = Float32Array.from({ length: rows * 28 * 28 }, () => (random.uniform() < 0.2 ? random.uniform() : 0));
    const targets = [3, 7, 0, 9];
    const x = tf.tensor(pixels, [rows, 28, 28, 1]);
    const weights = new Float32Array(rows * 10);
    targets.forEach((t, r) => { weights[r * 10 + t] = 1; });
    const session = await OnnxSession.create(built.graph);
    const out = await session.run({ [input]: { dtype: 'float32', shape: [rows, 28, 28, 1], data: pixels }, [built.outputWeights]: { dtype: 'float32', shape: [rows, 10], data: weights } });
    await session.release();
    const reference = await model.gradients(x, { target: { kind: 'index', indices: Int32Array.from(targets) } });
    const expected = reference.inputGradients.dataSync();
    const actual = out[built.gradients[input]].data as Float32Array;
    let diff = 0;
    let scale = 1e-6;
    for (let i = 0; i < expected.length; i++) {
      diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    tf.dispose([x, reference.selected, reference.inputGradients]);
    assert.ok(diff / scale < 1e-4, `relative error ${diff / scale}`);
  });

  it('Relu masks by its output, 0 at 0 (float64)', async () => {
    const { graph, output } = graphOf('float64', [2, 5], (b) => b.op('Relu', ['x']));
    const built = buildGradientGraph(graph, { output });
    const session = await OnnxSession.create(built.graph);
    const x = tensor('float64', [2, 5], [-2, -0, 0, 1e-300, 3, 0.5, -1e-300, 7, -4, 0]);
    const dy = tensor('float64', [2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const result = await session.run({ x, [built.outputWeights]: dy });
    await session.release();
    assert.deepEqual(Array.from(result[built.gradients.x].data as Float64Array), [0, 0, 0, 4, 5, 6, 0, 8, 0, 0]);
  });
});

describe('a Relu folded into the MaxPool after it (the standard rule)', () => {
  const relu = (b: GraphBuilder) => b.op('Relu', ['x']);
  const reluPool = (attrs: Record<string, AttrValue>) => (b: GraphBuilder) => b.op('MaxPool', [relu(b)], attrs);
  const k2s2 = { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) };

  /** Whether the backward masks the pooled gradient (a Greater of the pool's output) rather than at the Relu's size. */
  function folded(graph: Graph, output: string, request: Partial<Parameters<typeof buildGradientGraph>[1]> = {}): boolean {
    const built = buildGradientGraph(graph, { output, ...request });
    const pools = graph.nodes.filter((n) => n.op === 'MaxPool').map((n) => n.outputs[0]);
    const relus = graph.nodes.filter((n) => n.op === 'Relu').map((n) => n.outputs[0]);
    const greater = built.graph.nodes.slice(graph.nodes.length).filter((n) => n.op === 'Greater').map((n) => n.inputs[0]);
    if (greater.some((x) => relus.includes(x))) return false;
    return greater.some((x) => pools.includes(x));
  }

  const cases: { name: string; shape: number[]; attrs: Record<string, AttrValue>; dtype: DType; opset?: number; uses: string }[] = [
    { name: '2x2 stride 2, uneven size (MaxUnpool)', shape: [2, 3, 7, 6], attrs: k2s2, dtype: 'float32', uses: 'MaxUnpool' },
    { name: '2x2 stride 2, float64 (ScatterElements)', shape: [2, 2, 6, 5], attrs: k2s2, dtype: 'float64', uses: 'ScatterElements' },
    { name: '3x3 stride 1, pads 1 (overlapping)', shape: [1, 2, 5, 5], attrs: { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) }, dtype: 'float64', uses: 'ScatterElements' },
    { name: 'overlapping at opset 13 (the general route)', shape: [1, 2, 5, 5], attrs: { kernel_shape: attr.ints([3, 3]) }, dtype: 'float32', opset: 13, uses: 'ArgMax' },
  ];
  for (const c of cases) {
    it(`against finite differences: ${c.name}`, async () => {
      const { graph, output } = graphOf(c.dtype, c.shape, reluPool(c.attrs), c.opset);
      assert.ok(folded(graph, output), 'the Relu mask is applied to the pooled gradient');
      const { error, ops } = await check(c.dtype, c.shape, reluPool(c.attrs), c.opset);
      assert.ok(ops.includes(c.uses), `${c.name}: expected ${c.uses} among ${ops.join(' ')}`);
      assert.ok(error <= TOLERANCE[c.dtype], `${c.name}: relative error ${error.toExponential(2)}`);
    });
  }

  it('a Relu read by its MaxPool and another op is not folded (and still exact)', async () => {
    const shape = [2, 3, 6, 6];
    const build = (b: GraphBuilder) => {
      const y = relu(b);
      const p = b.op('MaxPool', [y], k2s2);
      return b.op('Add', [p, b.op('GlobalAveragePool', [y])]);
    };
    // float32: onnxruntime has no double GlobalAveragePool.
    const { graph, output } = graphOf('float32', shape, build);
    assert.ok(!folded(graph, output), 'the Relu keeps its own mask');
    const { error } = await check('float32', shape, build);
    assert.ok(error <= TOLERANCE.float32, `relative error ${error.toExponential(2)}`);
    // The same Relu read twice by one op is not folded either.
    const twice = graphOf('float64', shape, (b) => { const y = relu(b); return b.op('MaxPool', [b.op('Add', [y, y])], k2s2); });
    assert.ok(!folded(twice.graph, twice.output));
  });


  it('ties, zero and all-negative windows, a requested Relu output, guided backprop', async () => {
    const random = new Random(5);
    const shape = [2, 3, 8, 7];
    // Small integers, half of them negative: all-negative windows, windows of zeros, positive ties.
    const x = Array.from({ length: size(shape) }, () => Math.round(random.normal() * 1.5));
    for (let i = 0; i < 8; i++) x[i] = -1 - (i % 3); // the first windows all negative
    const y = x.map((v) => Math.max(0, v));
    for (const [dtype, k, s, opset] of [['float32', 2, 2, 17], ['float64', 2, 2, 17], ['float32', 3, 1, 17], ['float64', 3, 2, 17], ['float32', 3, 2, 13]] as const) {
      const attrs = { kernel_shape: attr.ints([k, k]), strides: attr.ints([s, s]) };
      const { graph, output } = graphOf(dtype, shape, reluPool(attrs), opset);
      const reluOut = graph.nodes[0].outputs[0];
      const out = Math.floor((shape[2] - k) / s) + 1;
      const outW = Math.floor((shape[3] - k) / s) + 1;
      const dy = Array.from({ length: shape[0] * shape[1] * out * outW }, () => random.normal());
      const feeds = { x: tensor(dtype, shape, x), glassbox_output_weights: tensor(dtype, [shape[0], shape[1], out, outW], dy) };
      const routed = maxPoolReference(y, shape, k, s, dy);
      const label = `${dtype} pool ${k} stride ${s} opset ${opset}`;
      const close = (actual: TensorValue, expected: ArrayLike<number>, what: string) => {
        const data = actual.data as Float32Array | Float64Array;
        let worst = 0;
        for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(data[i] - expected[i]));
        assert.ok(worst < 1e-5, `${label}, ${what}: max difference ${worst}`);
      };
      const run = async (request: Partial<Parameters<typeof buildGradientGraph>[1]>) => {
        const built = buildGradientGraph(graph, { output, ...request });
        const session = await OnnxSession.create(built.graph);
        try {
          return { built, result: await session.run(feeds) };
        } finally {
          await session.release();
        }
      };
      // Standard: folded, the mask of each routed gradient is where the Relu's output is positive.
      assert.ok(folded(graph, output), label);
      const standard = await run({});
      close(standard.result[standard.built.gradients.x], routed.map((g, i) => (y[i] > 0 ? g : 0)), 'standard');
      // The Relu's output requested too (Grad-CAM): not folded, its own gradient unmasked.
      assert.ok(!folded(graph, output, { intermediates: [reluOut] }), label);
      const layer = await run({ intermediates: [reluOut] });
      close(layer.result[layer.built.gradients[reluOut]], routed, 'the Relu output');
      close(layer.result[layer.built.gradients.x], routed.map((g, i) => (y[i] > 0 ? g : 0)), 'x with the Relu output requested');
      // Guided backprop: only positive routed gradients, where the input was positive.
      assert.ok(!folded(graph, output, { rule: 'guided-backprop' }), label);
      const guided = await run({ rule: 'guided-backprop' });
      close(guided.result[guided.built.gradients.x], routed.map((g, i) => (y[i] > 0 ? Math.max(0, g) : 0)), 'guided backprop');
    }
  });
});
