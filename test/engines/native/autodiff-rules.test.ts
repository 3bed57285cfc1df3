import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type AttrValue, type DType, type Graph, GraphBuilder, type TensorValue, attr, emptyGraph } from '../../../src/engines/native/graph.js';
import { inferShapes } from '../../../src/engines/native/shapes.js';
import { OnnxSession } from '../../../src/engines/native/runtime.js';
import { type BackwardRuleOption, buildGradientGraph } from '../../../src/engines/native/autodiff/index.js';
import { Random } from '../../../src/util/random.js';

/**
 * The modified chain rules on their own (autodiff-models.test.ts compares them with the TF.js engine):
 * guided backprop on one Relu by hand, and DeepLIFT's summation-to-delta, which the rescale rule
 * satisfies exactly: sum((x - x0) * multipliers) = f(x) - f(x0) for every output.
 */

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function tensor(dtype: DType, shape: number[], values: number[]): TensorValue {
  return { dtype, shape, data: dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values) };
}

function normals(n: number, seed: number, scale = 1): number[] {
  const random = new Random(seed);
  return Array.from({ length: n }, () => random.normal() * scale);
}

function build(dtype: DType, inputShape: (number | string)[], body: (b: GraphBuilder, w: (shape: number[]) => string) => string, opset = 17): { graph: Graph; output: string } {
  const graph = emptyGraph('net', opset);
  graph.inputs.push({ name: 'x', dtype, shape: inputShape });
  const b = new GraphBuilder(graph);
  let seed = 100;
  const w = (shape: number[]) => b.constant(tensor(dtype, shape, normals(size(shape), seed++, 1 / Math.sqrt(shape[shape.length - 1]))), 'w');
  const output = body(b, w);
  graph.outputs.push({ name: output, dtype, shape: [] });
  inferShapes(graph);
  return { graph, output };
}

async function gradients(graph: Graph, output: string, x: TensorValue, weights: TensorValue, rule: BackwardRuleOption): Promise<{ y: number[]; grad: number[] }> {
  const built = buildGradientGraph(graph, { output, rule });
  const session = await OnnxSession.create(built.graph);
  try {
    const out = await session.run({ x, [built.outputWeights]: weights });
    return { y: Array.from(out[output].data as Float64Array), grad: Array.from(out[built.gradients.x].data as Float64Array) };
  } finally {
    await session.release();
  }
}

/**
 * For each output class: DeepLIFT multipliers of the inputs' rows (baselines' rows weighted 0), and
 * the check sum((x - x0) m) = y(x) - y(x0) per row, to `tolerance` relative to the largest |delta y|.
 */
async function checkSummationToDelta(net: { graph: Graph; output: string }, dtype: DType, rowShape: number[], rows: number, tolerance: number): Promise<void> {
  const { graph, output } = net;
  const per = size(rowShape);
  const x = normals(rows * per, 1);
  const x0 = normals(rows * per, 2, 0.3);
  const feed = tensor(dtype, [2 * rows, ...rowShape], [...x, ...x0]);
  const classes = graph.values.get(output)!.shape[1] as number;
  let worst = 0;
  let scale = 0;
  for (let c = 0; c < classes; c++) {
    const w = new Array<number>(2 * rows * classes).fill(0);
    for (let r = 0; r < rows; r++) w[r * classes + c] = 1;
    const { y, grad } = await gradients(graph, output, feed, tensor(dtype, [2 * rows, classes], w), { deeplift: true });
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let i = 0; i < per; i++) sum += (x[r * per + i] - x0[r * per + i]) * grad[r * per + i];
      const delta = y[r * classes + c] - y[(rows + r) * classes + c];
      worst = Math.max(worst, Math.abs(sum - delta));
      scale = Math.max(scale, Math.abs(delta));
    }
  }
  assert.ok(worst <= tolerance * scale, `sum of contributions misses delta y by ${worst} (largest |delta y| ${scale})`);
}

describe('DeepLIFT (rescale) summation-to-delta', () => {
  for (const opset of [11, 13, 18]) {
    it(`an MLP with Relu, Tanh, Sigmoid (float64, opset ${opset})`, async () => {
      const net = build('float64', ['batch', 5], (b, w) => {
        const h1 = b.op('Relu', [b.op('Gemm', ['x', w([5, 7]), w([7])])]);
        const h2 = b.op('Tanh', [b.op('Add', [b.op('MatMul', [h1, w([7, 6])]), w([6])])]);
        const h3 = b.op('Sigmoid', [b.op('Gemm', [h2, w([4, 6]), w([1])], { transB: attr.int(1), alpha: attr.float(2) })]);
        return b.op('Gemm', [h3, w([4, 3]), w([3])]);
      }, opset);
      await checkSummationToDelta(net, 'float64', [5], 4, 1e-9);
    });
  }

  it('a CNN with Conv, Relu, MaxPool, Elu, LeakyRelu, AveragePool (float32)', async () => {
    const attrs = (a: Record<string, AttrValue>) => a;
    const net = build('float32', ['batch', 2, 8, 8], (b, w) => {
      const c1 = b.op('Relu', [b.op('Conv', ['x', w([4, 2, 3, 3]), w([4])], attrs({ pads: attr.ints([1, 1, 1, 1]) }))]);
      const p1 = b.op('MaxPool', [c1], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) });
      const c2 = b.op('Elu', [b.op('Conv', [p1, w([3, 4, 2, 2]), w([3])])]);
      const p2 = b.op('MaxPool', [c2], { kernel_shape: attr.ints([2, 2]), strides: attr.ints([1, 1]), pads: attr.ints([0, 0, 1, 1]) });
      const p3 = b.op('AveragePool', [p2], { kernel_shape: attr.ints([2, 2]) });
      const f = b.op('Flatten', [p3]);
      const h = b.op('LeakyRelu', [b.op('Gemm', [f, w([12, 6]), w([6])])], { alpha: attr.float(0.1) });
      return b.op('Gemm', [h, w([6, 3]), w([3])]);
    });
    await checkSummationToDelta(net, 'float32', [2, 8, 8], 3, 1e-4);
  });

  it('falls back on the gradient where input and baseline agree (eps)', async () => {
    // With an eps larger than every difference, each multiplier is f'(x): the ordinary gradient.
    const net = build('float64', ['batch', 4], (b, w) => b.op('Gemm', [b.op('Tanh', [b.op('Gemm', ['x', w([4, 5])])]), w([5, 2])]));
    const feed = tensor('float64', [4, 4], [...normals(8, 3), ...normals(8, 4)]);
    const weights = tensor('float64', [4, 2], [1, 0, 0, 1, 0, 0, 0, 0]);
    const plain = await gradients(net.graph, net.output, feed, weights, 'standard');
    const huge = await gradients(net.graph, net.output, feed, weights, { deeplift: true, eps: 1e9 });
    const rescaled = await gradients(net.graph, net.output, feed, weights, { deeplift: true });
    assert.deepEqual(huge.grad.slice(0, 8), plain.grad.slice(0, 8));
    assert.ok(rescaled.grad.slice(0, 8).some((g, i) => Math.abs(g - plain.grad[i]) > 1e-3), 'the rescale rule changed nothing');
  });
});

describe('guided backprop', () => {
  it('lets through only positive gradients where the Relu input was positive', async () => {
    const net = build('float64', ['batch', 4], (b) => b.op('Relu', ['x']));
    const x = tensor('float64', [2, 4], [1, -1, 2, 0.5, -2, 3, 0.1, 4]);
    const weights = tensor('float64', [2, 4], [2, 5, -1, 3, 1, -3, 0.5, 1]);
    const guided = await gradients(net.graph, net.output, x, weights, 'guided-backprop');
    const plain = await gradients(net.graph, net.output, x, weights, 'standard');
    assert.deepEqual(guided.grad, [2, 0, 0, 3, 0, 0, 0.5, 1]);
    assert.deepEqual(plain.grad, [2, 0, -1, 3, 0, -3, 0.5, 1]);
  });

  it('leaves every other op alone', async () => {
    const net = build('float64', ['batch', 3], (b, w) => b.op('Tanh', [b.op('MatMul', ['x', w([3, 2])])]));
    const x = tensor('float64', [2, 3], normals(6, 9));
    const weights = tensor('float64', [2, 2], [1, -1, -2, 0.5]);
    const guided = await gradients(net.graph, net.output, x, weights, 'guided-backprop');
    const plain = await gradients(net.graph, net.output, x, weights, 'standard');
    assert.deepEqual(guided.grad, plain.grad);
  });
});
