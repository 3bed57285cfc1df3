/**
 * Per-op shape and dtype rules, after the ONNX operator spec, with the opset differences that exports
 * meet (axes and sizes moving from attributes to inputs).
 */
import type { DType, Dim, TensorValue } from '../graph.js';
import { floatAttr, intAttr, intsAttr, stringAttr } from '../graph.js';
import { dtypeFromOnnx } from '../onnx-schema.js';
import { broadcastShapes, dimAdd, dimMul, dimProd, isKnownShape, type NodeContext, type OutInfo, showShape } from './context.js';

export type Rule = (c: NodeContext) => OutInfo[];

const same = (c: NodeContext): OutInfo[] => [{ dtype: c.dtype(0), shape: [...c.shape(0)] }];
const toBool = (c: NodeContext): OutInfo[] => [{ dtype: 'bool', shape: broadcastShapes(c, c.inputs.filter((k) => k).map((k) => k!.shape)) }];
const broadcast = (c: NodeContext): OutInfo[] => [{ dtype: c.dtype(0), shape: broadcastShapes(c, c.inputs.filter((k) => k).map((k) => k!.shape)) }];

/** Elementwise ops whose output has the input's shape and dtype. */
const UNARY = [
  'Neg', 'Sqrt', 'Exp', 'Log', 'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Sigmoid', 'HardSigmoid', 'Tanh', 'Erf', 'Gelu', 'Softmax',
  'LogSoftmax', 'Abs', 'Sign', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Softplus', 'Sin', 'Cos', 'Identity', 'Clip', 'Not',
  'Softsign', 'ThresholdedRelu', 'HardSwish',
];
const BINARY = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'PRelu', 'Mod', 'Max', 'Min', 'Sum', 'Mean'];
const COMPARE = ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor'];

/** The output dtype of Cast's `to` (and similar attributes). */
export function castTarget(c: NodeContext, code: number): DType {
  const dtype = dtypeFromOnnx(code);
  if (!dtype) throw c.error(`casts to ONNX data type ${code}, which the native engine does not handle`);
  return dtype;
}

/** Spatial attributes of Conv and pooling, with their defaults. */
function windowAttrs(c: NodeContext, spatial: number, kernel: number[]) {
  const strides = intsAttr(c.node, 'strides', Array(spatial).fill(1));
  const dilations = intsAttr(c.node, 'dilations', Array(spatial).fill(1));
  const pads = intsAttr(c.node, 'pads', Array(2 * spatial).fill(0));
  const autoPad = stringAttr(c.node, 'auto_pad', 'NOTSET');
  if (kernel.length !== spatial || strides.length !== spatial || dilations.length !== spatial || pads.length !== 2 * spatial) {
    throw c.error(`kernel_shape/strides/dilations/pads do not match the ${spatial} spatial dimensions of the input`);
  }
  return { strides, dilations, pads, autoPad };
}

/** The output size of a sliding window along one dimension. */
function windowOut(c: NodeContext, size: Dim, k: number, stride: number, dilation: number, padBegin: number, padEnd: number, autoPad: string, ceil: boolean): Dim {
  const effective = (k - 1) * dilation + 1;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    if (typeof size !== 'number') return stride === 1 ? size : null;
    return Math.ceil(size / stride);
  }
  if (autoPad === 'VALID') {
    if (typeof size !== 'number') return effective === 1 && stride === 1 ? size : null;
    return Math.max(0, Math.ceil((size - effective + 1) / stride));
  }
  if (autoPad !== 'NOTSET') throw c.error(`auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  if (typeof size !== 'number') return effective === 1 && stride === 1 && padBegin + padEnd === 0 ? size : null;
  const span = size + padBegin + padEnd - effective;
  if (span < 0) throw c.error(`the window (${effective}) is larger than the padded input (${size + padBegin + padEnd})`);
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // As onnxruntime: with ceil_mode, a last window that would start inside the end padding is dropped.
  if (ceil && (out - 1) * stride >= size + padBegin) out--;
  return out;
}

function conv(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const w = c.shape(1);
  if (x.length < 3) throw c.error(`input rank ${x.length} < 3: Conv needs [N, C, spatial...]`);
  if (w.length !== x.length) throw c.error(`weight rank ${w.length} differs from input rank ${x.length}`);
  const spatial = x.length - 2;
  const kernel = intsAttr(c.node, 'kernel_shape', w.slice(2).map((d) => (typeof d === 'number' ? d : NaN)));
  if (kernel.some(Number.isNaN)) throw c.error('the kernel size is unknown (no kernel_shape and a weight of unknown shape)');
  const { strides, dilations, pads, autoPad } = windowAttrs(c, spatial, kernel);
  const group = intAttr(c.node, 'group', 1);
  if (typeof x[1] === 'number' && typeof w[1] === 'number' && x[1] !== w[1] * group) {
    throw c.error(`input has ${x[1]} channels but the weight expects ${w[1]} x group ${group}`);
  }
  const out = x.slice(2).map((d, i) => windowOut(c, d, kernel[i], strides[i], dilations[i], pads[i], pads[i + spatial], autoPad, false));
  return [{ dtype: c.dtype(0), shape: [x[0], w[0], ...out] }];
}

function convTranspose(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const w = c.shape(1);
  if (x.length < 3 || w.length !== x.length) throw c.error(`expects input and weight of the same rank >= 3, got ${showShape(x)} and ${showShape(w)}`);
  const spatial = x.length - 2;
  const kernel = intsAttr(c.node, 'kernel_shape', w.slice(2).map((d) => (typeof d === 'number' ? d : NaN)));
  if (kernel.some(Number.isNaN)) throw c.error('the kernel size is unknown (no kernel_shape and a weight of unknown shape)');
  const { strides, dilations, pads, autoPad } = windowAttrs(c, spatial, kernel);
  const group = intAttr(c.node, 'group', 1);
  const outputPadding = intsAttr(c.node, 'output_padding', Array(spatial).fill(0));
  const outputShape = intsAttr(c.node, 'output_shape', []);
  let out: Dim[];
  if (outputShape.length > 0) {
    out = outputShape.slice(-spatial);
  } else {
    out = x.slice(2).map((d, i) => {
      if (typeof d !== 'number') return null;
      const full = strides[i] * (d - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1;
      // SAME aims at d * stride, but (as in onnxruntime) padding is never negative, so a small kernel falls short.
      if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.min(full, d * strides[i]);
      const [b, e] = autoPad === 'VALID' ? [0, 0] : [pads[i], pads[i + spatial]];
      return full - b - e;
    });
  }
  return [{ dtype: c.dtype(0), shape: [x[0], dimMul(w[1], group), ...out] }];
}

function pool(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  if (x.length < 3) throw c.error(`input rank ${x.length} < 3: pooling needs [N, C, spatial...]`);
  const spatial = x.length - 2;
  const kernel = intsAttr(c.node, 'kernel_shape', []);
  if (kernel.length === 0) throw c.error('kernel_shape is required');
  const { strides, dilations, pads, autoPad } = windowAttrs(c, spatial, kernel);
  const ceil = intAttr(c.node, 'ceil_mode', 0) === 1;
  const out = x.slice(2).map((d, i) => windowOut(c, d, kernel[i], strides[i], dilations[i], pads[i], pads[i + spatial], autoPad, ceil));
  const shape = [x[0], x[1], ...out];
  const outs: OutInfo[] = [{ dtype: c.dtype(0), shape }];
  if (c.op === 'MaxPool') outs.push({ dtype: 'int64', shape: [...shape] });
  return outs;
}

function globalPool(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  if (x.length < 3) throw c.error(`input rank ${x.length} < 3: pooling needs [N, C, spatial...]`);
  return [{ dtype: c.dtype(0), shape: [x[0], x[1], ...x.slice(2).map(() => 1)] }];
}

function gemm(c: NodeContext): OutInfo[] {
  const a = c.shape(0);
  const b = c.shape(1);
  if (a.length !== 2 || b.length !== 2) throw c.error(`Gemm takes 2-D inputs, got ${showShape(a)} and ${showShape(b)}`);
  const [m, ka] = intAttr(c.node, 'transA', 0) ? [a[1], a[0]] : [a[0], a[1]];
  const [kb, n] = intAttr(c.node, 'transB', 0) ? [b[1], b[0]] : [b[0], b[1]];
  if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) throw c.error(`inner dimensions differ: ${showShape(a)} x ${showShape(b)} (transA/transB applied)`);
  if (c.has(2)) broadcastShapes(c, [c.shape(2), [m, n]]);
  return [{ dtype: c.dtype(0), shape: [m, n] }];
}

function matmul(c: NodeContext): OutInfo[] {
  const a = c.shape(0);
  const b = c.shape(1);
  if (a.length === 0 || b.length === 0) throw c.error('MatMul does not take scalars');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const ka = a2[a2.length - 1];
  const kb = b2[b2.length - 2];
  if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb) throw c.error(`inner dimensions differ: ${showShape(a)} x ${showShape(b)}`);
  const batch = broadcastShapes(c, [a2.slice(0, -2), b2.slice(0, -2)]);
  const shape = [...batch];
  if (a.length > 1) shape.push(a2[a2.length - 2]);
  if (b.length > 1) shape.push(b2[b2.length - 1]);
  return [{ dtype: c.dtype(0), shape }];
}

function batchNorm(c: NodeContext): OutInfo[] {
  const outs: OutInfo[] = [{ dtype: c.dtype(0), shape: [...c.shape(0)] }];
  const channels = c.has(1) ? c.shape(1) : [c.shape(0)[1] ?? null];
  for (let i = 1; i < c.node.outputs.length; i++) outs.push({ dtype: c.has(3) ? c.dtype(3) : c.dtype(0), shape: [...channels] });
  return outs;
}

function layerNorm(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const axis = c.axis(intAttr(c.node, 'axis', -1), x.length);
  const stash = intAttr(c.node, 'stash_type', 1);
  const statShape = [...x.slice(0, axis), ...x.slice(axis).map(() => 1)];
  const statType = castTarget(c, stash);
  return [{ dtype: c.dtype(0), shape: [...x] }, { dtype: statType, shape: statShape }, { dtype: statType, shape: [...statShape] }];
}

/** Reshape's output from its target, with 0 (copy) and -1 (infer) resolved, symbols cancelled. */
export function reshapeTarget(c: NodeContext, input: Dim[], target: Dim[], allowZero: boolean): Dim[] {
  const out = target.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= input.length) throw c.error(`target ${showShape(target)} copies dimension ${i} (0) that the input ${showShape(input)} lacks`);
      return input[i];
    }
    return d;
  });
  const inferred = out.findIndex((d) => d === -1);
  if (out.filter((d) => d === -1).length > 1) throw c.error(`target ${showShape(target)} has more than one -1`);
  if (out.some((d) => typeof d === 'number' && d < -1)) throw c.error(`target ${showShape(target)} has a negative size`);
  const rest = out.filter((_, i) => i !== inferred);
  if (inferred >= 0) out[inferred] = divideShapes(input, rest);
  const indivisible = inferred >= 0 && isKnownShape(input) && isKnownShape(rest) && dimProd(rest) !== 0 && (dimProd(input) as number) % (dimProd(rest) as number) !== 0;
  if (indivisible || (isKnownShape(input) && isKnownShape(out) && dimProd(input) !== dimProd(out))) {
    throw c.error(`cannot reshape ${showShape(input)} (${dimProd(input)} values) to ${showShape(target)}`);
  }
  return out;
}

/** prod(total) / prod(part), cancelling symbols that appear in both; null when not determined. */
function divideShapes(total: readonly Dim[], part: readonly Dim[]): Dim {
  const symbols = total.filter((d) => typeof d === 'string') as string[];
  let numer = 1;
  let denom = 1;
  for (const d of total) if (typeof d === 'number') numer *= d;
  const leftover: string[] = [];
  for (const d of part) {
    if (typeof d === 'number') denom *= d;
    else if (typeof d === 'string' && symbols.includes(d)) symbols.splice(symbols.indexOf(d), 1);
    else if (typeof d === 'string') leftover.push(d);
    else return null;
  }
  if (total.some((d) => d === null) || leftover.length > 0) return null;
  if (denom === 0 || numer % denom !== 0) return null;
  if (symbols.length === 0) return numer / denom;
  if (symbols.length === 1 && numer === denom) return symbols[0];
  return null;
}

function reshape(c: NodeContext): OutInfo[] {
  const target = c.opset < 5 ? intsAttr(c.node, 'shape', []) : c.dims(1, 'target shape');
  return [{ dtype: c.dtype(0), shape: reshapeTarget(c, c.shape(0), target, intAttr(c.node, 'allowzero', 0) === 1) }];
}

function flatten(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  let axis = intAttr(c.node, 'axis', 1);
  if (axis < 0) axis += x.length;
  if (axis < 0 || axis > x.length) throw c.error(`axis ${intAttr(c.node, 'axis', 1)} is out of range for rank ${x.length}`);
  return [{ dtype: c.dtype(0), shape: [dimProd(x.slice(0, axis)), dimProd(x.slice(axis))] }];
}

function transpose(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const perm = intsAttr(c.node, 'perm', x.map((_, i) => x.length - 1 - i));
  if (perm.length !== x.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw c.error(`perm [${perm}] is not a permutation of the ${x.length} axes`);
  }
  return [{ dtype: c.dtype(0), shape: perm.map((p) => x[p]) }];
}

/** Axes from an attribute (old opsets) or an input (new ones). */
function axesOf(c: NodeContext, inputSince: number, input = 1): number[] | undefined {
  if (c.opset >= inputSince) return c.optInts(input, 'axes');
  const a = c.node.attrs.axes;
  return a && a.type === 'ints' ? a.value : undefined;
}

function squeeze(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const axes = axesOf(c, 13);
  if (!axes || axes.length === 0) return [{ dtype: c.dtype(0), shape: x.filter((d) => d !== 1) }];
  const norm = axes.map((a) => c.axis(a, x.length));
  for (const a of norm) if (typeof x[a] === 'number' && x[a] !== 1) throw c.error(`cannot squeeze axis ${a} of size ${x[a]} (input ${showShape(x)})`);
  return [{ dtype: c.dtype(0), shape: x.filter((_, i) => !norm.includes(i)) }];
}

export function unsqueezeShape(c: NodeContext, x: Dim[], axes: number[]): Dim[] {
  const rank = x.length + axes.length;
  const norm = axes.map((a) => c.axis(a, rank));
  if (new Set(norm).size !== norm.length) throw c.error(`axes [${axes}] repeat an axis`);
  const out: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : x[k++]);
  return out;
}

function unsqueeze(c: NodeContext): OutInfo[] {
  const axes = axesOf(c, 13);
  if (!axes) throw c.error('axes are required');
  return [{ dtype: c.dtype(0), shape: unsqueezeShape(c, c.shape(0), axes) }];
}

function concat(c: NodeContext): OutInfo[] {
  const shapes = c.inputs.filter((k) => k).map((k) => k!.shape);
  if (shapes.length === 0) throw c.error('Concat needs at least one input');
  const rank = shapes[0].length;
  if (shapes.some((s) => s.length !== rank)) throw c.error(`inputs have different ranks: ${shapes.map(showShape).join(', ')}`);
  const axis = c.axis(intAttr(c.node, 'axis', 0), rank);
  const out = [...shapes[0]];
  for (let i = 0; i < rank; i++) {
    if (i === axis) {
      out[i] = shapes.map((s) => s[i]).reduce((a, b) => dimAdd(a, b));
      continue;
    }
    for (const s of shapes) {
      if (typeof out[i] === 'number' && typeof s[i] === 'number' && out[i] !== s[i]) throw c.error(`inputs ${shapes.map(showShape).join(', ')} differ off the concat axis ${axis}`);
      if (typeof out[i] !== 'number' && s[i] !== null) out[i] = s[i];
    }
  }
  return [{ dtype: c.dtype(0), shape: out }];
}

/** The sizes Split cuts along its axis into. */
export function splitSizes(c: NodeContext, dim: Dim): Dim[] {
  const outputs = c.node.outputs.length;
  const sizes = c.opset >= 13 ? c.optInts(1, 'split sizes') : c.node.attrs.split?.type === 'ints' ? (c.node.attrs.split.value as number[]) : undefined;
  if (sizes && sizes.length > 0) {
    if (sizes.length !== outputs) throw c.error(`split [${sizes}] has ${sizes.length} parts for ${outputs} outputs`);
    if (typeof dim === 'number' && sizes.reduce((a, b) => a + b, 0) !== dim) throw c.error(`split [${sizes}] does not add up to the axis size ${dim}`);
    return sizes;
  }
  const parts = c.opset >= 18 && c.node.attrs.num_outputs ? intAttr(c.node, 'num_outputs', outputs) : outputs;
  if (typeof dim !== 'number') return Array(parts).fill(null);
  if (dim % parts !== 0) {
    if (c.opset < 18) throw c.error(`axis size ${dim} does not split evenly into ${parts} outputs`);
    const chunk = Math.ceil(dim / parts);
    return Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  }
  return Array(parts).fill(dim / parts);
}

function split(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const axis = c.axis(intAttr(c.node, 'axis', 0), x.length);
  return splitSizes(c, x[axis]).map((s) => ({ dtype: c.dtype(0), shape: x.map((d, i) => (i === axis ? s : d)) }));
}

export interface SliceSpec {
  axes: number[];
  starts: number[];
  ends: number[];
  steps: number[];
}

export function sliceSpec(c: NodeContext, rank: number): SliceSpec {
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (c.opset < 10) {
    starts = intsAttr(c.node, 'starts', []);
    ends = intsAttr(c.node, 'ends', []);
    axes = c.node.attrs.axes ? intsAttr(c.node, 'axes', []) : undefined;
  } else {
    starts = c.ints(1, 'starts');
    ends = c.ints(2, 'ends');
    axes = c.optInts(3, 'axes');
    steps = c.optInts(4, 'steps');
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  if (starts.length !== ends.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw c.error(`starts [${starts}], ends [${ends}], axes [${axes}] and steps [${steps}] differ in length`);
  }
  if (steps.some((s) => s === 0)) throw c.error('a step is 0');
  return { axes: axes.map((a) => c.axis(a, rank)), starts, ends, steps };
}

/** The clamped start and the length of a slice of one dimension of size `d`, as the ONNX spec says. */
export function sliceRange(d: number, start: number, end: number, step: number): { start: number; length: number } {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  let s = start < 0 ? start + d : start;
  let e = end < 0 ? end + d : end;
  if (step > 0) {
    s = clamp(s, 0, d);
    e = clamp(e, 0, d);
    return { start: s, length: Math.max(0, Math.ceil((e - s) / step)) };
  }
  s = clamp(s, 0, d - 1);
  e = clamp(e, -1, d - 1);
  return { start: s, length: Math.max(0, Math.ceil((s - e) / -step)) };
}

function slice(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const spec = sliceSpec(c, x.length);
  const out = [...x];
  spec.axes.forEach((a, i) => {
    const d = x[a];
    if (typeof d === 'number') out[a] = sliceRange(d, spec.starts[i], spec.ends[i], spec.steps[i]).length;
    else out[a] = spec.starts[i] === 0 && spec.steps[i] === 1 && spec.ends[i] >= 2 ** 31 - 1 ? d : null;
  });
  return [{ dtype: c.dtype(0), shape: out }];
}

function gather(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const axis = c.axis(intAttr(c.node, 'axis', 0), x.length);
  return [{ dtype: c.dtype(0), shape: [...x.slice(0, axis), ...c.shape(1), ...x.slice(axis + 1)] }];
}

function gatherElements(c: NodeContext): OutInfo[] {
  return [{ dtype: c.dtype(0), shape: [...c.shape(1)] }];
}

/** Which axes a Reduce* node reduces (undefined: none, the identity). */
export function reduceAxes(c: NodeContext, rank: number): number[] | undefined {
  const axes = axesOf(c, reduceAxesInputSince(c.op));
  if (!axes || axes.length === 0) {
    return intAttr(c.node, 'noop_with_empty_axes', 0) === 1 ? undefined : Array.from({ length: rank }, (_, i) => i);
  }
  return axes.map((a) => c.axis(a, rank));
}

/** The opset from which a Reduce* op takes its axes as input 1 rather than as an attribute. */
function reduceAxesInputSince(op: string): number {
  return op === 'ReduceSum' ? 13 : 18;
}

function reduce(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const keep = intAttr(c.node, 'keepdims', 1) === 1;
  // Axes computed at run time (autodiff's unbroadcast of a shape it cannot decide writes NonZero ->
  // ReduceSum): with keepdims the rank stays, and only sizes of 1 are sure to; without, not even the rank.
  if (keep && c.opset >= reduceAxesInputSince(c.op) && c.has(1) && !c.value(1)) {
    return [{ dtype: c.dtype(0), shape: x.map((d) => (d === 1 ? 1 : null)) }];
  }
  const axes = reduceAxes(c, x.length);
  if (!axes) return same(c);
  const shape = keep ? x.map((d, i) => (axes.includes(i) ? 1 : d)) : x.filter((_, i) => !axes.includes(i));
  return [{ dtype: c.dtype(0), shape }];
}

function argReduce(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const axis = c.axis(intAttr(c.node, 'axis', 0), x.length);
  const keep = intAttr(c.node, 'keepdims', 1) === 1;
  return [{ dtype: 'int64', shape: keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis) }];
}

function clip(c: NodeContext): OutInfo[] {
  return same(c);
}

function dropout(c: NodeContext): OutInfo[] {
  const outs = same(c);
  if (c.node.outputs.length > 1) outs.push({ dtype: c.opset >= 10 ? 'bool' : c.dtype(0), shape: [...c.shape(0)] });
  return outs;
}

function cast(c: NodeContext): OutInfo[] {
  return [{ dtype: castTarget(c, intAttr(c.node, 'to', 0)), shape: [...c.shape(0)] }];
}

/** The tensor a Constant node holds. */
export function constantValue(c: NodeContext): TensorValue {
  const a = c.node.attrs;
  if (a.value?.type === 'tensor') return a.value.value;
  if (a.value_float) return { dtype: 'float32', shape: [], data: Float32Array.of(floatAttr(c.node, 'value_float', 0)) };
  if (a.value_floats?.type === 'floats') return { dtype: 'float32', shape: [a.value_floats.value.length], data: Float32Array.from(a.value_floats.value) };
  if (a.value_int) return { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(intAttr(c.node, 'value_int', 0))) };
  if (a.value_ints?.type === 'ints') return { dtype: 'int64', shape: [a.value_ints.value.length], data: BigInt64Array.from(a.value_ints.value, (v) => BigInt(v)) };
  throw c.error(`holds a ${Object.keys(a).join(', ') || 'missing'} value, which the native engine does not handle`, 'use a tensor, float(s) or int(s) constant');
}

function constant(c: NodeContext): OutInfo[] {
  const v = constantValue(c);
  return [{ dtype: v.dtype, shape: [...v.shape] }];
}

/** Shape's start/end (opset 15), clamped like Slice. */
export function shapeRange(c: NodeContext, rank: number): [number, number] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(intAttr(c.node, 'start', 0));
  const end = c.node.attrs.end ? clamp(intAttr(c.node, 'end', rank)) : rank;
  return [start, Math.max(start, end)];
}

function shape(c: NodeContext): OutInfo[] {
  const [start, end] = shapeRange(c, c.rank(0));
  return [{ dtype: 'int64', shape: [end - start] }];
}

function constantOfShape(c: NodeContext): OutInfo[] {
  const target = c.dims(0, 'shape');
  const v = c.node.attrs.value;
  return [{ dtype: v?.type === 'tensor' ? v.value.dtype : 'float32', shape: target }];
}

function expand(c: NodeContext): OutInfo[] {
  return [{ dtype: c.dtype(0), shape: broadcastShapes(c, [c.shape(0), c.dims(1, 'target shape')]) }];
}

function tile(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const repeats = c.dims(1, 'repeats');
  if (repeats.length !== x.length) throw c.error(`repeats has ${repeats.length} entries for an input of rank ${x.length}`);
  return [{ dtype: c.dtype(0), shape: x.map((d, i) => dimMul(d, repeats[i])) }];
}

function pad(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const pads = c.opset < 11 ? intsAttr(c.node, 'pads', []) : c.ints(1, 'pads');
  const axes = c.opset >= 18 ? (c.optInts(3, 'axes') ?? x.map((_, i) => i)).map((a) => c.axis(a, x.length)) : x.map((_, i) => i);
  if (pads.length !== 2 * axes.length) throw c.error(`pads [${pads}] should have ${2 * axes.length} entries`);
  const out = [...x];
  axes.forEach((a, i) => {
    out[a] = dimAdd(x[a], pads[i] + pads[i + axes.length]);
  });
  return [{ dtype: c.dtype(0), shape: out }];
}

function oneHot(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const depth = c.ints(1, 'depth');
  if (depth.length !== 1) throw c.error('depth must hold one value');
  const rank = x.length + 1;
  const axis = c.axis(intAttr(c.node, 'axis', -1), rank);
  return [{ dtype: c.dtype(2), shape: [...x.slice(0, axis), depth[0], ...x.slice(axis)] }];
}

function where(c: NodeContext): OutInfo[] {
  return [{ dtype: c.dtype(1), shape: broadcastShapes(c, [c.shape(0), c.shape(1), c.shape(2)]) }];
}

function range(c: NodeContext): OutInfo[] {
  const [s, l, d] = [c.value(0), c.value(1), c.value(2)];
  let length: Dim = null;
  if (s && l && d) {
    const [start, limit, delta] = [s, l, d].map((t) => Number(t.data[0]));
    length = Math.max(0, Math.ceil((limit - start) / delta));
  }
  return [{ dtype: c.dtype(0), shape: [length] }];
}

function topK(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const k = c.opset >= 10 ? c.ints(1, 'k') : [intAttr(c.node, 'k', 0)];
  const axis = c.axis(intAttr(c.node, 'axis', -1), x.length);
  const shape = x.map((d, i) => (i === axis ? k[0] : d));
  return [{ dtype: c.dtype(0), shape }, { dtype: 'int64', shape: [...shape] }];
}

/**
 * NonZero: the indices of the non-zero elements, [rank, count] int64. The count is data: known when
 * the input is a constant or empty, unknown otherwise. onnxruntime gives a scalar one coordinate row.
 */
function nonZero(c: NodeContext): OutInfo[] {
  const x = c.shape(0);
  const v = c.value(0);
  let count: Dim = null;
  if (v) {
    // float16 values are bit patterns: -0 (0x8000) is zero too.
    const isZero = v.dtype === 'float16' ? (e: number | bigint) => (Number(e) & 0x7fff) === 0 : (e: number | bigint) => Number(e) === 0;
    count = 0;
    const data = v.data as ArrayLike<number | bigint>;
    for (let i = 0; i < data.length; i++) if (!isZero(data[i])) count++;
  } else if (x.includes(0)) {
    count = 0;
  }
  return [{ dtype: 'int64', shape: [Math.max(x.length, 1), count] }];
}

function size(): OutInfo[] {
  return [{ dtype: 'int64', shape: [] }];
}

export const RULES: Record<string, Rule> = {
  Conv: conv, ConvTranspose: convTranspose, Gemm: gemm, MatMul: matmul,
  MaxPool: pool, AveragePool: pool, GlobalAveragePool: globalPool, GlobalMaxPool: globalPool,
  BatchNormalization: batchNorm, LayerNormalization: layerNorm,
  Reshape: reshape, Flatten: flatten, Transpose: transpose, Squeeze: squeeze, Unsqueeze: unsqueeze, Concat: concat,
  Split: split, Slice: slice, Gather: gather, GatherElements: gatherElements,
  ReduceMean: reduce, ReduceSum: reduce, ReduceMax: reduce, ReduceMin: reduce, ReduceProd: reduce,
  ReduceSumSquare: reduce, ReduceL1: reduce, ReduceL2: reduce, ReduceLogSum: reduce, ReduceLogSumExp: reduce,
  ArgMax: argReduce, ArgMin: argReduce,
  Where: where, Clip: clip, Dropout: dropout, Cast: cast, Constant: constant, Shape: shape, Size: size,
  ConstantOfShape: constantOfShape, Expand: expand, Tile: tile, Pad: pad, OneHot: oneHot, Range: range, TopK: topK,
  // Ops whose output is shaped like their first input (gradient graphs use the scatters).
  ScatterElements: same, ScatterND: same, CumSum: same, InstanceNormalization: same, LRN: same,
  NonZero: nonZero,
};
for (const op of UNARY) RULES[op] ??= same;
for (const op of BINARY) RULES[op] = broadcast;
for (const op of COMPARE) RULES[op] = toBool;
RULES.Not = same;
