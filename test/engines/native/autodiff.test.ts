import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GlassboxError } from '../../../src/errors.js';
import { type AttrValue, type Dim, type DType, type Graph, GraphBuilder, type TensorValue, attr, emptyGraph } from '../../../src/engines/native/graph.js';
import { inferShapes } from '../../../src/engines/native/shapes.js';
import { OnnxSession } from '../../../src/engines/native/runtime.js';
import { OUTPUT_WEIGHTS, buildGradientGraph, gradientName, registeredGradientOps } from '../../../src/engines/native/autodiff/index.js';
import { gradCheck } from '../../../src/engines/native/autodiff/gradcheck.js';
import { Random } from '../../../src/util/random.js';
import { distinctValues } from '../../helpers/graphs.js';

/**
 * Every backward rule against central finite differences of the forward graph, both run on ORT: in
 * float64 where ORT's CPU provider has double kernels for every op forward and backward (probed by
 * creating the session), else in float32 with a looser tolerance.
 */

/** How an input's values are drawn: away from kinks (0 for Relu, ties for max) so differences are smooth. */
type Draw = 'normal' | 'positive' | 'away' | 'distinct' | 'unit';

interface InputSpec {
  /** Declared shape (strings are symbolic dims). */
  shape: Dim[];
  /** The shape fed; defaults to `shape` when all numbers. */
  feed?: number[];
  draw?: Draw;
}

interface Case {
  name: string;
  opset?: number;
  inputs: Record<string, InputSpec>;
  /** Builds the op(s) on the inputs (named as in `inputs`); returns the output. */
  build: (b: GraphBuilder, dtype: DType) => string;
  /** Inputs to differentiate; default all. */
  wrt?: string[];
  /** Run in this dtype only (instead of float64 where ORT supports it). */
  dtype?: DType;
  /** For ops shape inference lacks: the output has this input's shape... */
  sameShapeAs?: string;
  /** ...or this one. */
  outputShape?: Dim[];
}

function draw(rng: Random, n: number, kind: Draw): number[] {
  switch (kind) {
    case 'normal': return Array.from({ length: n }, () => rng.normal());
    case 'unit': return Array.from({ length: n }, () => rng.uniform() * 1.6 - 0.8);
    case 'positive': return Array.from({ length: n }, () => 0.5 + rng.uniform() * 1.5);
    case 'away': return Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1) * (0.2 + rng.uniform()));
    case 'distinct':
      return distinctValues(rng, n);
  }
}

function tensor(dtype: DType, shape: number[], values: number[]): TensorValue {
  return { dtype, shape, data: dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values) };
}

function buildCase(c: Case, dtype: DType): { graph: Graph; output: string } {
  const graph = emptyGraph(c.name, c.opset ?? 17);
  for (const [name, spec] of Object.entries(c.inputs)) graph.inputs.push({ name, dtype, shape: spec.shape });
  const b = new GraphBuilder(graph);
  const output = c.build(b, dtype);
  graph.outputs.push({ name: output, dtype, shape: [] });
  if (c.sameShapeAs || c.outputShape) {
    for (const v of graph.inputs) graph.values.set(v.name, v);
    graph.values.set(output, { name: output, dtype, shape: c.outputShape ?? graph.values.get(c.sameShapeAs!)!.shape });
    graph.outputs[0].shape = graph.values.get(output)!.shape;
  } else {
    inferShapes(graph);
  }
  return { graph, output };
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Float64 when ORT runs every op of the forward and backward graph in double. */
async function supportsFloat64(c: Case): Promise<boolean> {
  if (c.dtype) return c.dtype === 'float64';
  const { graph, output } = buildCase(c, 'float64');
  try {
    const built = buildGradientGraph(graph, { output, inputs: c.wrt ?? Object.keys(c.inputs) });
    const session = await OnnxSession.create(built.graph);
    await session.release();
    return true;
  } catch (e) {
    if (e instanceof GlassboxError && /Could not find an implementation/.test(e.message)) return false;
    throw e;
  }
}

async function check(c: Case, seed = 1): Promise<{ dtype: DType; error: number }> {
  const dtype: DType = (await supportsFloat64(c)) ? 'float64' : 'float32';
  const { graph, output } = buildCase(c, dtype);
  const rng = new Random(seed);
  const feeds: Record<string, TensorValue> = {};
  const feedShapes: Record<string, number[]> = {};
  for (const [name, spec] of Object.entries(c.inputs)) {
    const shape = spec.feed ?? spec.shape.map((d) => (typeof d === 'number' ? d : 3));
    feedShapes[name] = shape;
    feeds[name] = tensor(dtype, shape, draw(rng, size(shape), spec.draw ?? 'normal'));
  }
  // The output's shape from a forward run (it may depend on a symbolic batch).
  const session = await OnnxSession.create(graph);
  const y = (await session.run(feeds, [output]))[output];
  await session.release();
  const weights = tensor(dtype, y.shape, draw(rng, size(y.shape), 'normal'));
  const result = await gradCheck(graph, { output, feeds, weights, wrt: c.wrt });
  return { dtype, error: result.error };
}

/** Tolerances: float64 differences are good to ~1e-7 relative; float32 ones to ~1e-3. */
const TOLERANCE: Record<string, number> = { float64: 1e-6, float32: 2e-3 };

function runCases(title: string, cases: Case[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.name, async (t) => {
        const { dtype, error } = await check(c);
        t.diagnostic(`${dtype}, relative error ${error.toExponential(1)}`);
        assert.ok(error <= TOLERANCE[dtype], `${c.name} (${dtype}): relative error ${error.toExponential(2)}`);
      });
    }
  });
}

const B = 'batch';
const op = (b: GraphBuilder, name: string, inputs: string[], attrs: Record<string, AttrValue> = {}) => b.op(name, inputs, attrs);
const scalar = (b: GraphBuilder, dtype: DType, v: number) => b.scalar(v, dtype === 'float64' ? 'float64' : 'float32');
const unaryCase = (name: string, draw: Draw = 'normal', attrs: Record<string, AttrValue> = {}, opset?: number): Case => ({
  name, opset, inputs: { x: { shape: [B, 2, 3], draw } }, build: (b) => op(b, name, ['x'], attrs),
});

runCases('elementwise rules', [
  { name: 'Add (broadcast [B,3,4] + [4])', inputs: { a: { shape: [B, 3, 4] }, b: { shape: [4] } }, build: (b) => op(b, 'Add', ['a', 'b']) },
  { name: 'Add (broadcast [3,1] + [1,4])', inputs: { a: { shape: [3, 1] }, b: { shape: [1, 4] } }, build: (b) => op(b, 'Add', ['a', 'b']) },
  { name: 'Sub (broadcast [2,1,4] - [3,1])', inputs: { a: { shape: [2, 1, 4] }, b: { shape: [3, 1] } }, build: (b) => op(b, 'Sub', ['a', 'b']) },
  { name: 'Mul (broadcast [B,3] * [B,1])', inputs: { a: { shape: [B, 3] }, b: { shape: [B, 1] } }, build: (b) => op(b, 'Mul', ['a', 'b']) },
  { name: 'Add (symbolic dim broadcast at run time: n = 1)', inputs: { a: { shape: ['n', 3], feed: [1, 3] }, b: { shape: [4, 3] } }, build: (b) => op(b, 'Add', ['a', 'b']) },
  { name: 'Mul (symbolic dim broadcast at run time: n = 4)', inputs: { a: { shape: ['n', 3], feed: [4, 3] }, b: { shape: [4, 1] } }, build: (b) => op(b, 'Mul', ['a', 'b']) },
  { name: 'Mul (same value twice)', inputs: { a: { shape: [2, 3] } }, build: (b) => op(b, 'Mul', ['a', 'a']) },
  { name: 'Div (broadcast)', inputs: { a: { shape: [2, 3] }, b: { shape: [3], draw: 'positive' } }, build: (b) => op(b, 'Div', ['a', 'b']) },
  { name: 'Neg', inputs: { x: { shape: [B, 4] } }, build: (b) => op(b, 'Neg', ['x']) },
  { name: 'Pow (both inputs, broadcast)', inputs: { a: { shape: [2, 3], draw: 'positive' }, b: { shape: [3] } }, build: (b) => op(b, 'Pow', ['a', 'b']) },
  { name: 'Pow (constant exponent 3, negative base)', inputs: { a: { shape: [2, 3] } }, build: (b, dt) => op(b, 'Pow', ['a', scalar(b, dt, 3)]) },
  unaryCase('Sqrt', 'positive'),
  unaryCase('Exp'),
  unaryCase('Log', 'positive'),
  unaryCase('Relu', 'away'),
  unaryCase('LeakyRelu', 'away', { alpha: attr.float(0.2) }),
  unaryCase('Elu', 'away', { alpha: attr.float(0.7) }),
  { ...unaryCase('ThresholdedRelu', 'away', { alpha: attr.float(0.5) }), sameShapeAs: 'x' },
  unaryCase('Selu', 'away'),
  unaryCase('Sigmoid'),
  unaryCase('Tanh'),
  unaryCase('Erf'),
  unaryCase('Gelu', 'normal', {}, 20),
  unaryCase('Gelu', 'normal', { approximate: attr.string('tanh') }, 20),
  { name: 'Gelu (com.microsoft domain)', inputs: { x: { shape: [B, 2, 3] } }, sameShapeAs: 'x',
    build: (b) => {
      const y = b.fresh('gelu');
      b.graph.nodes.push({ op: 'Gelu', domain: 'com.microsoft', name: 'ms_gelu', inputs: ['x'], outputs: [y], attrs: {} });
      return y;
    } },
  unaryCase('Softplus'),
  { ...unaryCase('Softsign'), sameShapeAs: 'x' },
  unaryCase('HardSigmoid', 'unit'),
  { ...unaryCase('HardSwish', 'unit', {}, 14), sameShapeAs: 'x' },
  unaryCase('Abs', 'away'),
  unaryCase('Reciprocal', 'positive'),
  unaryCase('Sin'),
  unaryCase('Cos'),
  unaryCase('Identity'),
  { name: 'Clip (opset 13, min and max inputs)', opset: 13, inputs: { x: { shape: [B, 5], draw: 'away' } },
    build: (b, dt) => op(b, 'Clip', ['x', scalar(b, dt, -0.5), scalar(b, dt, 0.6)]) },
  { name: 'Clip (opset 13, max only)', opset: 13, inputs: { x: { shape: [B, 5], draw: 'away' } },
    build: (b, dt) => op(b, 'Clip', ['x', '', scalar(b, dt, 0.6)]) },
  { name: 'Clip (opset 13, bounds as differentiable inputs)', opset: 13,
    inputs: { x: { shape: [4, 5], draw: 'away' }, lo: { shape: [], feed: [] }, hi: { shape: [], feed: [] } },
    build: (b) => op(b, 'Clip', ['x', 'lo', 'hi']) },
  { name: 'Clip (opset 9 attributes)', opset: 9, inputs: { x: { shape: [B, 5], draw: 'away' } },
    build: (b) => op(b, 'Clip', ['x'], { min: attr.float(-0.5), max: attr.float(0.6) }) },
  { name: 'Where (broadcast branches)', inputs: { a: { shape: [2, 3] }, b: { shape: [3] } },
    build: (b) => op(b, 'Where', [op(b, 'Greater', ['a', 'b']), 'a', 'b']) },
  { name: 'Dropout (inference)', opset: 13, inputs: { x: { shape: [B, 4] } }, build: (b) => op(b, 'Dropout', ['x']) },
  { name: 'Cast (float32 graph computing in float64)', dtype: 'float32', inputs: { x: { shape: [2, 3] } },
    build: (b) => {
      const wide = op(b, 'Cast', ['x'], { to: attr.int(11) });
      return op(b, 'Cast', [op(b, 'Mul', [wide, wide])], { to: attr.int(1) });
    } },
  { name: 'PRelu (slope per channel)', inputs: { x: { shape: [B, 3, 2], draw: 'away' }, s: { shape: [3, 1] } }, build: (b) => op(b, 'PRelu', ['x', 's']) },
  { name: 'Max (three inputs, broadcast)', inputs: { a: { shape: [2, 3], draw: 'distinct' }, b: { shape: [3], draw: 'distinct' }, c: { shape: [2, 1], draw: 'distinct' } },
    build: (b) => op(b, 'Max', ['a', 'b', 'c']) },
  { name: 'Min', inputs: { a: { shape: [2, 3], draw: 'distinct' }, b: { shape: [2, 3], draw: 'distinct' } }, build: (b) => op(b, 'Min', ['a', 'b']) },
  { name: 'Sum and Mean (variadic, broadcast)', inputs: { a: { shape: [2, 3] }, b: { shape: [3] } },
    build: (b) => op(b, 'Mul', [op(b, 'Sum', ['a', 'b', 'a']), op(b, 'Mean', ['a', 'b'])]) },
]);

const ints = (b: GraphBuilder, values: number[]) => b.int64s(values);
const constant = (b: GraphBuilder, dtype: DType, shape: number[], seed: number) =>
  b.constant(tensor(dtype, shape, draw(new Random(seed), size(shape), 'normal')), 'w');

runCases('matmul rules', [
  { name: 'MatMul 2-D', inputs: { a: { shape: [B, 4] }, b: { shape: [4, 3] } }, build: (b) => op(b, 'MatMul', ['a', 'b']) },
  { name: 'MatMul batched with broadcast [2,1,3,4] @ [3,4,2]', inputs: { a: { shape: [2, 1, 3, 4] }, b: { shape: [3, 4, 2] } },
    build: (b) => op(b, 'MatMul', ['a', 'b']) },
  { name: 'MatMul [B,3,4] @ [4,5] (weights shared over the batch)', inputs: { a: { shape: [B, 3, 4] }, b: { shape: [4, 5] } },
    build: (b) => op(b, 'MatMul', ['a', 'b']) },
  { name: 'MatMul vector @ batched matrix', inputs: { a: { shape: [4] }, b: { shape: [2, 4, 3] } }, build: (b) => op(b, 'MatMul', ['a', 'b']) },
  { name: 'MatMul batched matrix @ vector', inputs: { a: { shape: [2, 3, 4] }, b: { shape: [4] } }, build: (b) => op(b, 'MatMul', ['a', 'b']) },
  { name: 'MatMul vector @ vector', inputs: { a: { shape: [4] }, b: { shape: [4] } }, build: (b) => op(b, 'MatMul', ['a', 'b']) },
  ...[[0, 0], [1, 0], [0, 1], [1, 1]].map(([ta, tb]): Case => ({
    name: `Gemm transA=${ta} transB=${tb} alpha beta, C [N]`,
    inputs: { a: { shape: ta ? [4, 3] : [3, 4] }, b: { shape: tb ? [5, 4] : [4, 5] }, c: { shape: [5] } },
    build: (b) => op(b, 'Gemm', ['a', 'b', 'c'], { transA: attr.int(ta), transB: attr.int(tb), alpha: attr.float(0.7), beta: attr.float(1.3) }),
  })),
  { name: 'Gemm with batch and C [M,1], opset 9', opset: 9, inputs: { a: { shape: [B, 4] }, c: { shape: [3, 1] } }, wrt: ['a'],
    feed: undefined, build: (b, dt) => op(b, 'Gemm', ['a', constant(b, dt, [2, 4], 5), op(b, 'Mul', ['c', scalar(b, dt, 1)])], { transB: attr.int(1) }) } as Case,
]);

const conv = (b: GraphBuilder, dt: DType, x: string, w: number[], attrs: Record<string, AttrValue>, bias = true) =>
  op(b, 'Conv', bias ? [x, constant(b, dt, w, 7), constant(b, dt, [w[0]], 8)] : [x, constant(b, dt, w, 7)], attrs);

runCases('conv rules', [
  { name: 'Conv 2-D 3x3, pads 1', inputs: { x: { shape: [B, 2, 5, 5] } }, build: (b, dt) => conv(b, dt, 'x', [3, 2, 3, 3], { pads: attr.ints([1, 1, 1, 1]) }) },
  { name: 'Conv stride 2, asymmetric pads, uneven size', inputs: { x: { shape: [2, 2, 6, 7] } },
    build: (b, dt) => conv(b, dt, 'x', [3, 2, 3, 2], { strides: attr.ints([2, 2]), pads: attr.ints([0, 1, 1, 0]) }) },
  { name: 'Conv dilations 2, stride 3', inputs: { x: { shape: [1, 1, 9, 8] } },
    build: (b, dt) => conv(b, dt, 'x', [2, 1, 2, 3], { dilations: attr.ints([2, 2]), strides: attr.ints([3, 1]) }) },
  { name: 'Conv groups 2 (channels 4 -> 6)', inputs: { x: { shape: [B, 4, 4, 4] } },
    build: (b, dt) => conv(b, dt, 'x', [6, 2, 3, 3], { group: attr.int(2), pads: attr.ints([1, 0, 1, 0]) }) },
  { name: 'Conv depthwise (groups = channels)', inputs: { x: { shape: [1, 3, 5, 4] } },
    build: (b, dt) => conv(b, dt, 'x', [3, 1, 2, 2], { group: attr.int(3) }) },
  { name: 'Conv auto_pad SAME_UPPER stride 2', inputs: { x: { shape: [1, 2, 6, 5] } },
    build: (b, dt) => conv(b, dt, 'x', [2, 2, 4, 3], { auto_pad: attr.string('SAME_UPPER'), strides: attr.ints([2, 2]) }) },
  { name: 'Conv auto_pad SAME_LOWER', inputs: { x: { shape: [1, 2, 5, 5] } },
    build: (b, dt) => conv(b, dt, 'x', [2, 2, 2, 2], { auto_pad: attr.string('SAME_LOWER') }) },
  { name: 'Conv 1-D', inputs: { x: { shape: [2, 2, 9] } }, build: (b, dt) => conv(b, dt, 'x', [3, 2, 3], { strides: attr.ints([2]), pads: attr.ints([1, 2]) }) },
  { name: 'Conv 3-D', inputs: { x: { shape: [1, 2, 3, 4, 4] } }, build: (b, dt) => conv(b, dt, 'x', [2, 2, 2, 2, 3], { pads: attr.ints([0, 1, 1, 1, 0, 1]) }) },
  { name: 'Conv weights and bias as differentiated inputs, groups 2', inputs: { x: { shape: [2, 4, 5, 5] }, w: { shape: [4, 2, 3, 2] }, bias: { shape: [4] } },
    build: (b) => op(b, 'Conv', ['x', 'w', 'bias'], { group: attr.int(2), strides: attr.ints([2, 1]), dilations: attr.ints([1, 2]), pads: attr.ints([1, 1, 0, 2]) }) },
  { name: 'ConvTranspose stride 2, pads, output_padding', inputs: { x: { shape: [B, 3, 3, 4] } },
    build: (b, dt) => op(b, 'ConvTranspose', ['x', constant(b, dt, [3, 2, 3, 3], 9), constant(b, dt, [2], 3)],
      { strides: attr.ints([2, 2]), pads: attr.ints([1, 0, 0, 1]), output_padding: attr.ints([1, 0]) }) },
  { name: 'ConvTranspose groups 2, dilation', inputs: { x: { shape: [1, 4, 3, 3] } },
    build: (b, dt) => op(b, 'ConvTranspose', ['x', constant(b, dt, [4, 1, 2, 2], 9)], { group: attr.int(2), dilations: attr.ints([2, 1]) }) },
]);

const pool = (opName: string, attrs: Record<string, AttrValue>) => (b: GraphBuilder) => op(b, opName, ['x'], attrs);

runCases('pool rules', [
  { name: 'MaxPool 2x2 stride 2', inputs: { x: { shape: [B, 2, 4, 6], draw: 'distinct' } },
    build: pool('MaxPool', { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }) },
  { name: 'MaxPool 3x3 stride 1 (overlapping), pads 1', inputs: { x: { shape: [1, 2, 5, 5], draw: 'distinct' } },
    build: pool('MaxPool', { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) }) },
  { name: 'MaxPool 2x3 stride (2,1), uneven size, negative values, pads', inputs: { x: { shape: [1, 1, 7, 5], draw: 'distinct' } },
    build: (b, dt) => op(b, 'Sub', [pool('MaxPool', { kernel_shape: attr.ints([2, 3]), strides: attr.ints([2, 1]), pads: attr.ints([1, 0, 0, 1]) })(b), scalar(b, dt, 0)]) },
  { name: 'MaxPool ceil_mode', inputs: { x: { shape: [1, 2, 5, 5], draw: 'distinct' } },
    build: pool('MaxPool', { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]), ceil_mode: attr.int(1) }) },
  { name: 'MaxPool dilations 2', inputs: { x: { shape: [1, 1, 6, 6], draw: 'distinct' } },
    build: pool('MaxPool', { kernel_shape: attr.ints([2, 2]), dilations: attr.ints([2, 2]) }) },
  { name: 'MaxPool auto_pad SAME_UPPER, 1-D', inputs: { x: { shape: [2, 2, 7], draw: 'distinct' } },
    build: pool('MaxPool', { kernel_shape: attr.ints([3]), strides: attr.ints([2]), auto_pad: attr.string('SAME_UPPER') }) },
  { name: 'AveragePool 2x2 stride 2', inputs: { x: { shape: [B, 2, 4, 4] } },
    build: pool('AveragePool', { kernel_shape: attr.ints([2, 2]), strides: attr.ints([2, 2]) }) },
  { name: 'AveragePool 3x3 pads 1, count_include_pad 0', inputs: { x: { shape: [1, 2, 5, 4] } },
    build: pool('AveragePool', { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) }) },
  { name: 'AveragePool 3x3 pads 1, count_include_pad 1', inputs: { x: { shape: [1, 2, 5, 4] } },
    build: pool('AveragePool', { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]), count_include_pad: attr.int(1) }) },
  { name: 'AveragePool ceil_mode, stride 2, asymmetric pads', inputs: { x: { shape: [1, 1, 6, 7] } },
    build: pool('AveragePool', { kernel_shape: attr.ints([3, 2]), strides: attr.ints([2, 2]), pads: attr.ints([1, 0, 0, 1]), ceil_mode: attr.int(1) }) },
  { name: 'AveragePool ceil_mode, count_include_pad 1', inputs: { x: { shape: [1, 1, 6, 7] } },
    build: pool('AveragePool', { kernel_shape: attr.ints([3, 3]), strides: attr.ints([2, 2]), pads: attr.ints([1, 1, 1, 1]), ceil_mode: attr.int(1), count_include_pad: attr.int(1) }) },
  { name: 'AveragePool dilations 2 (opset 19)', opset: 19, inputs: { x: { shape: [1, 1, 7, 6] } },
    build: pool('AveragePool', { kernel_shape: attr.ints([2, 2]), dilations: attr.ints([2, 2]), pads: attr.ints([1, 0, 1, 1]) }) },
  { name: 'GlobalAveragePool', inputs: { x: { shape: [B, 3, 2, 4] } }, build: pool('GlobalAveragePool', {}) },
  { name: 'GlobalMaxPool', inputs: { x: { shape: [B, 3, 2, 4], draw: 'distinct' } }, build: pool('GlobalMaxPool', {}) },
]);

runCases('normalization rules', [
  { name: 'BatchNormalization (inference, NCHW)', inputs: { x: { shape: [B, 3, 2, 2] } },
    build: (b, dt) => op(b, 'BatchNormalization', ['x', constant(b, dt, [3], 1), constant(b, dt, [3], 2), constant(b, dt, [3], 3),
      b.constant(tensor(dt, [3], [0.5, 1.5, 2]), 'var')], { epsilon: attr.float(1e-3) }) },
  { name: 'BatchNormalization (inference, [N, C])', inputs: { x: { shape: [B, 3] } },
    build: (b, dt) => op(b, 'BatchNormalization', ['x', constant(b, dt, [3], 1), constant(b, dt, [3], 2), constant(b, dt, [3], 3),
      b.constant(tensor(dt, [3], [0.5, 1.5, 2]), 'var')]) },
  { name: 'LayerNormalization (last axis, scale and bias differentiated)', inputs: { x: { shape: [B, 2, 5] }, s: { shape: [5] }, o: { shape: [5] } },
    build: (b) => op(b, 'LayerNormalization', ['x', 's', 'o']) },
  { name: 'LayerNormalization (axis 1, no bias)', inputs: { x: { shape: [2, 3, 4] } },
    build: (b, dt) => op(b, 'LayerNormalization', ['x', constant(b, dt, [3, 4], 4)], { axis: attr.int(1), epsilon: attr.float(1e-3) }) },
  { name: 'InstanceNormalization (scale and bias differentiated)', inputs: { x: { shape: [B, 3, 2, 3] }, s: { shape: [3] }, o: { shape: [3] } },
    build: (b) => op(b, 'InstanceNormalization', ['x', 's', 'o'], { epsilon: attr.float(1e-3) }) },
  { name: 'Softmax (opset 13, axis 1 of 3)', opset: 13, inputs: { x: { shape: [B, 4, 3] } }, build: (b) => op(b, 'Softmax', ['x'], { axis: attr.int(1) }) },
  { name: 'Softmax (opset 13, default last axis)', opset: 13, inputs: { x: { shape: [2, 3, 4] } }, build: (b) => op(b, 'Softmax', ['x']) },
  { name: 'Softmax (opset 11, coerced to 2-D from axis 1)', opset: 11, inputs: { x: { shape: [2, 3, 4] } }, build: (b) => op(b, 'Softmax', ['x']) },
  { name: 'LogSoftmax (opset 13, axis -2)', opset: 13, inputs: { x: { shape: [B, 4, 3] } }, build: (b) => op(b, 'LogSoftmax', ['x'], { axis: attr.int(-2) }) },
  { name: 'LogSoftmax (opset 11, axis 2 of 4)', opset: 11, inputs: { x: { shape: [2, 2, 3, 2] } }, build: (b) => op(b, 'LogSoftmax', ['x'], { axis: attr.int(2) }) },
]);

runCases('shape rules', [
  { name: 'Reshape (with -1 and 0)', inputs: { x: { shape: [B, 2, 6] } }, build: (b) => op(b, 'Reshape', ['x', ints(b, [0, 3, -1])]) },
  { name: 'Flatten (axis 2)', inputs: { x: { shape: [2, 3, 2, 2] } }, build: (b) => op(b, 'Flatten', ['x'], { axis: attr.int(2) }) },
  { name: 'Transpose (perm)', inputs: { x: { shape: [2, 3, 4] } }, build: (b) => op(b, 'Transpose', ['x'], { perm: attr.ints([1, 2, 0]) }) },
  { name: 'Transpose (default: reversed)', inputs: { x: { shape: [2, 3, 4] } }, build: (b) => op(b, 'Transpose', ['x']) },
  { name: 'Squeeze and Unsqueeze (opset 13, axes inputs)', opset: 13, inputs: { x: { shape: [B, 1, 4] } },
    build: (b) => op(b, 'Unsqueeze', [op(b, 'Squeeze', ['x', ints(b, [1])]), ints(b, [0, 3])]) },
  { name: 'Squeeze and Unsqueeze (opset 11, axes attributes)', opset: 11, inputs: { x: { shape: [2, 1, 4] } },
    build: (b) => op(b, 'Unsqueeze', [op(b, 'Squeeze', ['x'], { axes: attr.ints([1]) })], { axes: attr.ints([-1]) }) },
  { name: 'Concat (axis 1, an input twice)', inputs: { a: { shape: [B, 2, 3] }, b: { shape: [B, 1, 3] } },
    build: (b) => op(b, 'Concat', ['a', 'b', 'a'], { axis: attr.int(1) }) },
  { name: 'Concat along the symbolic batch axis', inputs: { a: { shape: [B, 2] }, b: { shape: [2, 2] } },
    build: (b) => op(b, 'Concat', ['a', 'b'], { axis: attr.int(0) }) },
  { name: 'Split (opset 13, sizes input; one output unused)', opset: 13, inputs: { x: { shape: [2, 7] } },
    build: (b) => { const [p, , r] = b.add('Split', ['x', ints(b, [2, 3, 2])], { axis: attr.int(1) }, 3); return op(b, 'Mul', [p, r]); } },
  { name: 'Split (opset 18, num_outputs)', opset: 18, inputs: { x: { shape: [6, 2] } },
    build: (b) => { const [p, q] = b.add('Split', ['x'], { num_outputs: attr.int(2) }, 2); return op(b, 'Sub', [p, op(b, 'Mul', [q, q])]); } },
  { name: 'Slice (steps 1, negative bounds)', inputs: { x: { shape: [B, 5, 6] } },
    build: (b) => op(b, 'Slice', ['x', ints(b, [1, -5]), ints(b, [4, -1]), ints(b, [1, 2])]) },
  { name: 'Slice (step 2 and step -1, clamped ends)', inputs: { x: { shape: [4, 7, 3] } },
    build: (b) => op(b, 'Slice', ['x', ints(b, [1, -1]), ints(b, [100, -100]), ints(b, [1, 0]), ints(b, [2, -1])]) },
  { name: 'Slice (step -3)', inputs: { x: { shape: [2, 10] } },
    build: (b) => op(b, 'Slice', ['x', ints(b, [8]), ints(b, [0]), ints(b, [1]), ints(b, [-3])]) },
  { name: 'Slice (opset 9 attributes)', opset: 9, inputs: { x: { shape: [3, 5] } },
    build: (b) => op(b, 'Slice', ['x'], { starts: attr.ints([1]), ends: attr.ints([4]), axes: attr.ints([1]) }) },
  { name: 'Gather (axis 1, repeated and negative indices)', inputs: { x: { shape: [B, 4, 3] } },
    build: (b) => op(b, 'Gather', ['x', ints(b, [2, -1, 2, 0])], { axis: attr.int(1) }) },
  { name: 'Gather (scalar index, axis 0, 2-D indices on axis 2)', inputs: { x: { shape: [3, 2, 5] } },
    build: (b, dt) => {
      const scalarIndex = b.constant({ dtype: 'int64', shape: [], data: BigInt64Array.of(1n) }, 'i');
      const matrix = b.constant({ dtype: 'int64', shape: [2, 2], data: BigInt64Array.of(4n, 0n, 4n, 1n) }, 'm');
      return op(b, 'Mul', [op(b, 'Gather', [op(b, 'Gather', ['x', scalarIndex]), matrix], { axis: attr.int(1) }), scalar(b, dt, 2)]);
    } },
  { name: 'Gather (computed indices)', inputs: { x: { shape: [2, 5] }, s: { shape: [3] } },
    build: (b) => op(b, 'Gather', ['x', op(b, 'ArgMax', [op(b, 'Reshape', ['s', ints(b, [3, 1])])], { axis: attr.int(1) })], { axis: attr.int(1) }), wrt: ['x'] },
  { name: 'Tile (symbolic batch repeated once, other axes 2 and 3 times)', inputs: { x: { shape: [B, 2, 3] } },
    build: (b) => op(b, 'Tile', ['x', ints(b, [1, 2, 3])]) },
  { name: 'Tile (batch repeated)', inputs: { x: { shape: [2, 3] } }, build: (b) => op(b, 'Tile', ['x', ints(b, [3, 1])]) },
  { name: 'Expand ([3,1] to [2,3,4])', inputs: { x: { shape: [3, 1] } }, build: (b) => op(b, 'Expand', ['x', ints(b, [2, 3, 4])]) },
  { name: 'Pad (constant, with negative pads)', opset: 13, inputs: { x: { shape: [B, 4, 5] } },
    build: (b, dt) => op(b, 'Pad', ['x', ints(b, [0, 1, -1, 0, -2, 2]), scalar(b, dt, 0.5)]) },
]);

runCases('reduction rules', [
  { name: 'ReduceSum (opset 13, axes input, keepdims 0)', opset: 13, inputs: { x: { shape: [B, 3, 4] } },
    build: (b) => op(b, 'ReduceSum', ['x', ints(b, [-1, 1])], { keepdims: attr.int(0) }) },
  { name: 'ReduceSum (opset 11, axes attribute)', opset: 11, inputs: { x: { shape: [2, 3, 4] } },
    build: (b) => op(b, 'ReduceSum', ['x'], { axes: attr.ints([1]) }) },
  { name: 'ReduceSum (all axes)', opset: 13, inputs: { x: { shape: [2, 3] } }, build: (b) => op(b, 'ReduceSum', ['x'], { keepdims: attr.int(0) }) },
  { name: 'ReduceMean (opset 17, axes attribute, keepdims 0)', opset: 17, inputs: { x: { shape: [B, 3, 4] } },
    build: (b) => op(b, 'ReduceMean', ['x'], { axes: attr.ints([2]), keepdims: attr.int(0) }) },
  { name: 'ReduceMax (opset 13, keepdims 0)', opset: 13, inputs: { x: { shape: [B, 3, 4], draw: 'distinct' } },
    build: (b) => op(b, 'ReduceMax', ['x'], { axes: attr.ints([2]), keepdims: attr.int(0) }) },
  { name: 'ReduceMin (opset 18, axes input)', opset: 18, inputs: { x: { shape: [B, 3, 4], draw: 'distinct' } },
    build: (b) => op(b, 'ReduceMin', ['x', ints(b, [1])]) },
  ...['ReduceSumSquare', 'ReduceL2', 'ReduceLogSumExp'].map((name): Case => ({
    name: `${name} (opset 13)`, opset: 13, inputs: { x: { shape: [B, 3, 4] } }, outputShape: [B, 1, 4],
    build: (b) => op(b, name, ['x'], { axes: attr.ints([1]) }),
  })),
  { name: 'ReduceMean (opset 18, axes input, over the batch)', opset: 18, inputs: { x: { shape: [B, 3, 2] } },
    build: (b) => op(b, 'ReduceMean', ['x', ints(b, [0, 2])]) },
]);

/** Builds and shape-infers a float32 graph for the graph-level tests. */
function graphOf(inputs: Record<string, Dim[]>, build: (b: GraphBuilder) => string, opset = 17): { graph: Graph; output: string } {
  const graph = emptyGraph('g', opset);
  for (const [name, shape] of Object.entries(inputs)) graph.inputs.push({ name, dtype: 'float32', shape });
  const b = new GraphBuilder(graph);
  const output = build(b);
  graph.outputs.push({ name: output, dtype: 'float32', shape: [] });
  inferShapes(graph);
  return { graph, output };
}

const f32 = (shape: number[], values: number[]): TensorValue => ({ dtype: 'float32', shape, data: Float32Array.from(values) });

async function run(graph: Graph, feeds: Record<string, TensorValue>): Promise<Record<string, TensorValue>> {
  const session = await OnnxSession.create(graph);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

runCases('fan-out and chains', [
  { name: 'a value feeding four nodes (gradients summed)', inputs: { x: { shape: [B, 3] } },
    build: (b) => op(b, 'Add', [op(b, 'Mul', [op(b, 'Tanh', ['x']), op(b, 'Sigmoid', ['x'])]), op(b, 'Mul', ['x', op(b, 'Exp', ['x'])])]) },
  { name: 'a two-layer perceptron with softmax', inputs: { x: { shape: [B, 4] } },
    build: (b, dt) => {
      const h = op(b, 'Tanh', [op(b, 'Add', [op(b, 'MatMul', ['x', constant(b, dt, [4, 5], 1)]), constant(b, dt, [5], 2)])]);
      return op(b, 'Softmax', [op(b, 'Gemm', [h, constant(b, dt, [3, 5], 3), constant(b, dt, [3], 4)], { transB: attr.int(1) })]);
    } },
]);

describe('gradient graph', () => {
  it('lists its rules', () => {
    for (const opName of ['Add', 'Conv', 'MaxPool', 'Softmax', 'Gather', 'ReduceMean', 'com.microsoft:Gelu']) assert.ok(registeredGradientOps().includes(opName), opName);
  });

  it('names its extra inputs and outputs, and leaves the original graph alone', () => {
    const { graph, output } = graphOf({ x: [B, 3] }, (b) => op(b, 'Tanh', ['x']));
    const before = JSON.stringify({ n: graph.nodes, i: graph.inputs, o: graph.outputs, v: [...graph.values.keys()] });
    const built = buildGradientGraph(graph, { output });
    assert.equal(JSON.stringify({ n: graph.nodes, i: graph.inputs, o: graph.outputs, v: [...graph.values.keys()] }), before);
    assert.equal(built.outputWeights, OUTPUT_WEIGHTS);
    assert.equal(built.output, output);
    assert.deepEqual(built.gradients, { x: gradientName('x') });
    assert.deepEqual(built.intermediates, {});
    assert.deepEqual(built.graph.inputs.map((v) => [v.name, v.shape]), [['x', [B, 3]], [OUTPUT_WEIGHTS, [B, 3]]]);
    assert.deepEqual(built.graph.outputs.map((v) => [v.name, v.shape]), [[output, [B, 3]], ['glassbox_grad:x', [B, 3]]]);
  });

  it('differentiates with respect to an intermediate value, and outputs it', async () => {
    // y = relu(x W1) W2: dy/dh = weights W2^T, whatever x is.
    const w1 = f32([2, 3], [1, -1, 0.5, 2, 1, -0.5]);
    const w2 = f32([3, 2], [1, 2, 3, 4, 5, 6]);
    let hidden = '';
    const { graph, output } = graphOf({ x: [B, 2] }, (b) => {
      hidden = op(b, 'Relu', [op(b, 'MatMul', ['x', b.constant(w1)])]);
      return op(b, 'MatMul', [hidden, b.constant(w2)]);
    });
    const built = buildGradientGraph(graph, { output, intermediates: [hidden], outputIntermediates: true });
    assert.deepEqual(Object.keys(built.gradients), ['x', hidden]);
    assert.deepEqual(built.intermediates, { [hidden]: hidden });
    const x = f32([2, 2], [1, 2, -1, 0.5]);
    const weights = f32([2, 2], [1, 0, 0.5, -1]);
    const out = await run(built.graph, { x, [built.outputWeights]: weights });
    // Rows of weights @ W2^T: [1, 3, 5] and [0.5*1 - 2, 0.5*3 - 4, 0.5*5 - 6].
    assert.deepEqual([...out[gradientName(hidden)].data], [1, 3, 5, -1.5, -2.5, -3.5]);
    // h = relu(x W1): row 1 [5, 1, -0.5] -> [5, 1, 0]; row 2 [0, 1.5, -0.75] -> [0, 1.5, 0].
    assert.deepEqual([...out[hidden].data], [5, 1, 0, 0, 1.5, 0]);
    // dx = (dh * relu'(.)) W1^T: row 1 dh*[1,1,0] = [1,3,0] -> [1 - 3, 2 + 3]; row 2 [0,-2.5,0] -> [2.5, -2.5].
    assert.deepEqual([...out[gradientName('x')].data], [-2, 5, 2.5, -2.5]);
  });

  it('gives zeros for a requested value the output does not depend on', async () => {
    const { graph, output } = graphOf({ x: [B, 2], unused: [B, 3] }, (b) => op(b, 'Tanh', ['x']));
    const built = buildGradientGraph(graph, { output });
    const out = await run(built.graph, { x: f32([1, 2], [0, 0]), unused: f32([1, 3], [1, 2, 3]), [built.outputWeights]: f32([1, 2], [1, 1]) });
    assert.deepEqual([...out[gradientName('unused')].data], [0, 0, 0]);
    assert.deepEqual(out[gradientName('unused')].shape, [1, 3]);
    assert.deepEqual([...out[gradientName('x')].data], [1, 1]);
  });

  it('differentiates only what leads from the requested values to the output', () => {
    // Floor has no gradient rule: fine while only x is asked for, an error naming it once z is.
    const { graph, output } = graphOf({ x: [B, 2], z: [B, 2] }, (b) => op(b, 'Add', [op(b, 'Tanh', ['x']), op(b, 'Floor', ['z'], {})]));
    const built = buildGradientGraph(graph, { output, inputs: ['x'] });
    assert.ok(!built.graph.nodes.some((n) => n.inputs.includes('z') && n.name.startsWith('glassbox_bw/')));
    assert.throws(() => buildGradientGraph(graph, { output }),
      (e: unknown) => e instanceof GlassboxError && /no gradient rule for Floor \(node "floor_node"\)/.test(e.message) && /perturbation/.test(e.message));
  });

  it('cuts integer paths (shapes, indices) without asking for rules', async () => {
    // The Reshape target comes from Shape(x): an int64 path that carries no gradient.
    const { graph, output } = graphOf({ x: [B, 2, 3] }, (b) => op(b, 'Reshape', [op(b, 'Sigmoid', ['x']), op(b, 'Shape', ['x'])]));
    const built = buildGradientGraph(graph, { output });
    const out = await run(built.graph, { x: f32([1, 2, 3], [0, 0, 0, 0, 0, 0]), [built.outputWeights]: f32([1, 2, 3], [1, 2, 3, 4, 5, 6]) });
    assert.deepEqual([...out[gradientName('x')].data], [0.25, 0.5, 0.75, 1, 1.25, 1.5]);
  });

  it('rejects what it cannot differentiate', () => {
    const { graph, output } = graphOf({ x: [B, 2] }, (b) => op(b, 'Tanh', ['x']));
    assert.throws(() => buildGradientGraph(graph, { output: 'nope' }), /no value "nope" to explain/);
    assert.throws(() => buildGradientGraph(graph, { output, inputs: ['nope'] }), /no value "nope"/);
    const ints = graphOf({ x: [B, 2] }, (b) => op(b, 'Cast', [op(b, 'Cast', ['x'], { to: attr.int(7) })], { to: attr.int(1) }));
    const castToInt = ints.graph.nodes[0].outputs[0];
    assert.throws(() => buildGradientGraph(ints.graph, { output: ints.output, intermediates: [castToInt] }), /int64 values, which have no gradient/);
    assert.throws(() => buildGradientGraph(graph, { output, rule: 'sideways' as 'standard' }), /unknown backward rule/);
    const bare = emptyGraph('bare', 17);
    bare.inputs.push({ name: 'x', dtype: 'float32', shape: [2] });
    bare.nodes.push({ op: 'Tanh', domain: '', name: 't', inputs: ['x'], outputs: ['y'], attrs: {} });
    bare.outputs.push({ name: 'y', dtype: 'float32', shape: [2] });
    assert.throws(() => buildGradientGraph(bare, { output: 'y' }), /run inferShapes/);
  });

  it('stops DeepLIFT at ops it has no rule for, naming them', () => {
    const { graph, output } = graphOf({ x: [B, 3] }, (b) => op(b, 'Softmax', [op(b, 'Relu', ['x'])]));
    assert.throws(() => buildGradientGraph(graph, { output, rule: { deeplift: true } }), /DeepLIFT has no rule for Softmax \(node "softmax_node"\)/);
    const product = graphOf({ x: [B, 3] }, (b) => op(b, 'Mul', ['x', op(b, 'Tanh', ['x'])]));
    assert.throws(() => buildGradientGraph(product.graph, { output: product.output, rule: { deeplift: true } }), /DeepLIFT has no rule for Mul/);
    // The standard rule differentiates both.
    buildGradientGraph(graph, { output });
    buildGradientGraph(product.graph, { output: product.output });
  });
});
