/**
 * Constant folding: evaluates a node in JS when all its inputs are constants. Covers what exports
 * compute from shapes (Shape, Gather, Concat, Slice, Reshape, Cast, integer arithmetic...) and simple
 * elementwise float maths; anything else returns undefined and the node stays for onnxruntime.
 * Also evaluates the same shape ops on partly symbolic vectors (`Known.sym`).
 */
import type { DType, Dim, TensorData, TensorValue } from '../graph.js';
import { floatAttr, intAttr, intsAttr, sizeOfShape } from '../graph.js';
import { type Known, type NodeContext, type OutInfo, dimAdd, dimMul, dimProd, isKnownShape } from './context.js';
import { constantValue, reduceAxes, shapeRange, sliceRange, sliceSpec, splitSizes } from './rules.js';

/** Folding stops at this many output values: beyond, the constant would bloat the model for nothing. */
export const MAX_FOLD_SIZE = 1 << 20;

type Scalar = number | bigint;

export function alloc(dtype: DType, size: number): TensorData {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'float64': return new Float64Array(size);
    case 'int64': return new BigInt64Array(size);
    case 'int32': return new Int32Array(size);
    case 'int8': return new Int8Array(size);
    case 'uint8': case 'bool': return new Uint8Array(size);
    case 'float16': return new Uint16Array(size);
  }
}

/** Writes a number or bigint into any typed array, converting as ONNX Cast would (truncation to int). */
function put(data: TensorData, dtype: DType, i: number, v: Scalar | boolean): void {
  if (dtype === 'int64') {
    (data as BigInt64Array)[i] = typeof v === 'bigint' ? BigInt.asIntN(64, v) : BigInt(Math.trunc(Number(v)));
  } else if (dtype === 'bool') {
    (data as Uint8Array)[i] = v ? 1 : 0;
  } else if (dtype === 'float32' || dtype === 'float64') {
    (data as Float32Array)[i] = Number(v);
  } else {
    (data as Int32Array)[i] = Math.trunc(Number(v));
  }
}

const isInt = (d: DType) => d === 'int64' || d === 'int32' || d === 'int8' || d === 'uint8';

/** Maps each flat index of `outShape` to the flat index of a tensor of `inShape` broadcast to it. */
function broadcastIndex(outShape: number[], inShape: number[]): Int32Array {
  const size = sizeOfShape(outShape);
  const map = new Int32Array(size);
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    const o = rank - inShape.length + i;
    strides[o] = inShape[i] === 1 ? 0 : s;
    s *= inShape[i];
  }
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < size; k++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += idx[d] * strides[d];
    map[k] = off;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return map;
}

/** Gathers elements by flat index into a new tensor of the same dtype. */
function take(t: TensorValue, shape: number[], index: ArrayLike<number>): TensorValue {
  const data = alloc(t.dtype, index.length);
  const src = t.data as ArrayLike<Scalar>;
  const dst = data as unknown as Scalar[];
  for (let i = 0; i < index.length; i++) dst[i] = src[index[i]];
  return { dtype: t.dtype, shape, data };
}

function reshaped(t: TensorValue, shape: number[]): TensorValue {
  return { dtype: t.dtype, shape, data: t.data.slice() };
}

function elementwise(inputs: TensorValue[], outShape: number[], outDtype: DType, f: (xs: Scalar[]) => Scalar | boolean): TensorValue {
  const maps = inputs.map((t) => broadcastIndex(outShape, t.shape));
  const size = sizeOfShape(outShape);
  const data = alloc(outDtype, size);
  const xs: Scalar[] = new Array(inputs.length);
  for (let k = 0; k < size; k++) {
    for (let j = 0; j < inputs.length; j++) xs[j] = (inputs[j].data as ArrayLike<Scalar>)[maps[j][k]];
    put(data, outDtype, k, f(xs));
  }
  return { dtype: outDtype, shape: outShape, data };
}

type Num2 = (a: number, b: number) => number;
type Big2 = (a: bigint, b: bigint) => bigint;

/** A binary arithmetic op on numbers, or on bigints for int64 (exact beyond 2^53). */
function arith(num: Num2, big: Big2, intNum: Num2 = num): (dtype: DType) => (xs: Scalar[]) => Scalar {
  return (dtype) => {
    if (dtype === 'int64') return (xs) => xs.slice(1).reduce((a, b) => big(a as bigint, b as bigint), xs[0]);
    const f = isInt(dtype) ? intNum : num;
    return (xs) => xs.slice(1).reduce((a, b) => f(a as number, b as number), xs[0]);
  };
}

const ARITH: Record<string, (dtype: DType) => (xs: Scalar[]) => Scalar> = {
  Add: arith((a, b) => a + b, (a, b) => a + b),
  Sum: arith((a, b) => a + b, (a, b) => a + b),
  Sub: arith((a, b) => a - b, (a, b) => a - b),
  Mul: arith((a, b) => a * b, (a, b) => a * b),
  // Integer division truncates, as onnxruntime's does (and BigInt's).
  Div: arith((a, b) => a / b, (a, b) => a / b, (a, b) => Math.trunc(a / b)),
  Max: arith(Math.max, (a, b) => (a > b ? a : b)),
  Min: arith(Math.min, (a, b) => (a < b ? a : b)),
  Pow: arith(Math.pow, (a, b) => a ** b, (a, b) => Math.trunc(a ** b)),
};

const COMPARE: Record<string, (a: Scalar, b: Scalar) => boolean> = {
  Equal: (a, b) => a === b, Less: (a, b) => a < b, Greater: (a, b) => a > b,
  LessOrEqual: (a, b) => a <= b, GreaterOrEqual: (a, b) => a >= b,
  And: (a, b) => !!a && !!b, Or: (a, b) => !!a || !!b, Xor: (a, b) => !!a !== !!b,
};

function unaryFn(c: NodeContext, dtype: DType): ((x: number) => number) | undefined {
  const alpha = floatAttr(c.node, 'alpha', c.op === 'LeakyRelu' ? 0.01 : 1);
  const fns: Record<string, (x: number) => number> = {
    Neg: (x) => -x, Abs: Math.abs, Sign: Math.sign, Sqrt: Math.sqrt, Exp: Math.exp, Log: Math.log,
    Relu: (x) => Math.max(x, 0), Sigmoid: (x) => 1 / (1 + Math.exp(-x)), Tanh: Math.tanh, Reciprocal: (x) => 1 / x,
    Floor: Math.floor, Ceil: Math.ceil, LeakyRelu: (x) => (x < 0 ? alpha * x : x), Sin: Math.sin, Cos: Math.cos,
    // Round: half to even, as ONNX says.
    Round: (x) => { const r = Math.round(x); return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r; },
  };
  const f = fns[c.op];
  if (!f) return undefined;
  if (isInt(dtype)) return ['Neg', 'Abs', 'Sign', 'Relu'].includes(c.op) ? f : undefined;
  return f;
}

/**
 * Evaluates a node whose inputs are all constants. `outs` are the rule's inferred outputs (for their
 * shapes). Returns undefined when the op (or this dtype of it) is not evaluated in JS.
 */
export function evaluate(c: NodeContext, outs: OutInfo[]): TensorValue[] | undefined {
  if (outs.some((o) => !isKnownShape(o.shape) || sizeOfShape(o.shape as number[]) > MAX_FOLD_SIZE)) return undefined;
  const v = (i: number): TensorValue => c.value(i)!;
  const out0 = outs[0].shape as number[];
  const dtype0 = c.inputs[0]?.dtype;
  // float16 values are bit patterns: only ops that move elements around handle them.
  const arithmeticOk = c.inputs.every((k) => !k || k.dtype !== 'float16');
  switch (c.op) {
    case 'Constant': return [constantValue(c)];
    case 'Identity': return [v(0)];
    case 'Dropout': {
      const r = [v(0)];
      if (outs.length > 1) r.push({ dtype: outs[1].dtype, shape: out0, data: alloc(outs[1].dtype, sizeOfShape(out0)).fill(1 as never) });
      return r;
    }
    case 'Reshape': case 'Flatten': case 'Squeeze': case 'Unsqueeze': return [reshaped(v(0), out0)];
    case 'Shape': {
      const [s, e] = shapeRange(c, c.rank(0));
      return [{ dtype: 'int64', shape: [e - s], data: BigInt64Array.from((v(0).shape).slice(s, e), (d) => BigInt(d)) }];
    }
    case 'Size': return [{ dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(sizeOfShape(v(0).shape))) }];
    case 'Cast': {
      const to = outs[0].dtype;
      if (!arithmeticOk || to === 'float16') return undefined;
      const src = v(0);
      const data = alloc(to, src.data.length);
      for (let i = 0; i < src.data.length; i++) put(data, to, i, (src.data as ArrayLike<Scalar>)[i]);
      return [{ dtype: to, shape: [...src.shape], data }];
    }
    case 'Transpose': {
      const x = v(0);
      const perm = intsAttr(c.node, 'perm', x.shape.map((_, i) => x.shape.length - 1 - i));
      // out[i0..] = x[...] with x's axis perm[k] at out axis k: map via x's strides permuted.
      const strides = x.shape.map((_, i) => sizeOfShape(x.shape.slice(i + 1)));
      const permuted = { dtype: x.dtype, shape: out0, data: x.data };
      return [take(permuted, out0, stridedIndex(out0, perm.map((p) => strides[p])))];
    }
    case 'Concat': {
      const parts = c.inputs.map((_, i) => v(i)).filter((t) => t);
      const axis = intAttr(c.node, 'axis', 0) < 0 ? intAttr(c.node, 'axis', 0) + out0.length : intAttr(c.node, 'axis', 0);
      const outer = sizeOfShape(out0.slice(0, axis));
      const data = alloc(outs[0].dtype, sizeOfShape(out0)) as unknown as Scalar[];
      let k = 0;
      for (let o = 0; o < outer; o++) {
        for (const t of parts) {
          const chunk = sizeOfShape(t.shape.slice(axis));
          const src = t.data as ArrayLike<Scalar>;
          for (let j = 0; j < chunk; j++) data[k++] = src[o * chunk + j];
        }
      }
      return [{ dtype: outs[0].dtype, shape: out0, data: data as unknown as TensorData }];
    }
    case 'Split': {
      const x = v(0);
      const axis = c.axis(intAttr(c.node, 'axis', 0), x.shape.length);
      let begin = 0;
      return (splitSizes(c, x.shape[axis]) as number[]).map((len, i) => {
        const r = sliceTensor(x, [axis], [begin], [1], outs[i].shape as number[]);
        begin += len;
        return r;
      });
    }
    case 'Slice': {
      const x = v(0);
      const spec = sliceSpec(c, x.shape.length);
      const starts = spec.axes.map((a, i) => sliceRange(x.shape[a], spec.starts[i], spec.ends[i], spec.steps[i]).start);
      return [sliceTensor(x, spec.axes, starts, spec.steps, out0)];
    }
    case 'Gather': {
      const x = v(0);
      const axis = c.axis(intAttr(c.node, 'axis', 0), x.shape.length);
      const indices = Array.from(v(1).data as ArrayLike<Scalar>, (i) => { const n = Number(i); return n < 0 ? n + x.shape[axis] : n; });
      if (indices.some((i) => i < 0 || i >= x.shape[axis])) throw c.error(`an index is out of range for axis ${axis} of size ${x.shape[axis]}`);
      const outer = sizeOfShape(x.shape.slice(0, axis));
      const inner = sizeOfShape(x.shape.slice(axis + 1));
      const index = new Int32Array(sizeOfShape(out0));
      let k = 0;
      for (let o = 0; o < outer; o++) for (const i of indices) for (let j = 0; j < inner; j++) index[k++] = (o * x.shape[axis] + i) * inner + j;
      return [take(x, out0, index)];
    }
    case 'Expand': return [take(v(0), out0, broadcastIndex(out0, v(0).shape))];
    case 'Tile': {
      const x = v(0);
      const index = new Int32Array(sizeOfShape(out0));
      const strides = x.shape.map((_, i) => sizeOfShape(x.shape.slice(i + 1)));
      const idx = new Array<number>(out0.length).fill(0);
      for (let k = 0; k < index.length; k++) {
        index[k] = idx.reduce((off, j, d) => off + (j % x.shape[d]) * strides[d], 0);
        for (let d = out0.length - 1; d >= 0; d--) { if (++idx[d] < out0[d]) break; idx[d] = 0; }
      }
      return [take(x, out0, index)];
    }
    case 'ConstantOfShape': {
      const a = c.node.attrs.value;
      const fill = a?.type === 'tensor' ? a.value : { dtype: 'float32' as DType, shape: [1], data: Float32Array.of(0) };
      const data = alloc(fill.dtype, sizeOfShape(out0));
      (data as unknown as { fill(v: Scalar): void }).fill((fill.data as ArrayLike<Scalar>)[0]);
      return [{ dtype: fill.dtype, shape: out0, data }];
    }
    case 'Range': {
      if (!arithmeticOk) return undefined;
      const [start, , delta] = [v(0), v(1), v(2)].map((t) => (t.data as ArrayLike<Scalar>)[0]);
      const data = alloc(outs[0].dtype, out0[0]);
      // Accumulated in the output type, as onnxruntime does (start + i * delta would round differently).
      let value = start;
      for (let i = 0; i < out0[0]; i++) {
        put(data, outs[0].dtype, i, value);
        value = typeof value === 'bigint' ? value + (delta as bigint) : outs[0].dtype === 'float32' ? Math.fround(value + (delta as number)) : value + (delta as number);
      }
      return [{ dtype: outs[0].dtype, shape: out0, data }];
    }
    case 'Where': return [elementwise([v(0), v(1), v(2)], out0, outs[0].dtype, ([cond, a, b]) => (cond ? a : b))];
    case 'Not': return [elementwise([v(0)], out0, 'bool', ([a]) => !a)];
    case 'Clip': {
      if (!arithmeticOk || !dtype0) return undefined;
      let lo: Scalar | undefined;
      let hi: Scalar | undefined;
      if (c.opset < 11) {
        lo = c.node.attrs.min ? floatAttr(c.node, 'min', -Infinity) : undefined;
        hi = c.node.attrs.max ? floatAttr(c.node, 'max', Infinity) : undefined;
      } else {
        lo = c.has(1) ? (v(1).data as ArrayLike<Scalar>)[0] : undefined;
        hi = c.has(2) ? (v(2).data as ArrayLike<Scalar>)[0] : undefined;
      }
      return [elementwise([v(0)], out0, dtype0, ([x]) => {
        let y = x;
        if (lo !== undefined && y < lo) y = lo;
        if (hi !== undefined && y > hi) y = hi;
        return y;
      })];
    }
    case 'ReduceSum': case 'ReduceMean': case 'ReduceMax': case 'ReduceMin': case 'ReduceProd': {
      if (!arithmeticOk || !dtype0) return undefined;
      return [reduceTensor(c, v(0), out0)];
    }
  }
  if (!dtype0 || !arithmeticOk) return undefined;
  if (ARITH[c.op] && c.op !== 'Pow') {
    const inputs = c.inputs.map((_, i) => v(i)).filter((t) => t);
    try {
      return [elementwise(inputs, out0, dtype0, ARITH[c.op](dtype0))];
    } catch {
      return undefined; // a BigInt division by zero: leave it to run time
    }
  }
  if (c.op === 'Pow') {
    const [a, b] = [v(0), v(1)];
    const f = (x: Scalar, y: Scalar) => Number(x) ** Number(y);
    return [elementwise([a, b], out0, dtype0, ([x, y]) => (isInt(dtype0) ? Math.trunc(f(x, y)) : f(x, y)))];
  }
  if (COMPARE[c.op]) {
    const [a, b] = [v(0), v(1)];
    return [elementwise([a, b], out0, 'bool', ([x, y]) => COMPARE[c.op](x, y))];
  }
  const f = unaryFn(c, dtype0);
  if (f) return [elementwise([v(0)], out0, dtype0, ([x]) => f(Number(x)))];
  return undefined;
}

/** Flat source indices for an output of `shape` walking a source with the given per-axis strides. */
function stridedIndex(shape: number[], strides: number[], offset = 0): Int32Array {
  const size = sizeOfShape(shape);
  const index = new Int32Array(size);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < size; k++) {
    let off = offset;
    for (let d = 0; d < shape.length; d++) off += idx[d] * strides[d];
    index[k] = off;
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
  }
  return index;
}

function sliceTensor(x: TensorValue, axes: number[], starts: number[], steps: number[], outShape: number[]): TensorValue {
  const strides = x.shape.map((_, i) => sizeOfShape(x.shape.slice(i + 1)));
  let offset = 0;
  const walk = [...strides];
  axes.forEach((a, i) => {
    offset += starts[i] * strides[a];
    walk[a] = strides[a] * steps[i];
  });
  return take(x, outShape, stridedIndex(outShape, walk, offset));
}

function reduceTensor(c: NodeContext, x: TensorValue, outShape: number[]): TensorValue {
  const axes = reduceAxes(c, x.shape.length) ?? [];
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const size = sizeOfShape(keptShape);
  const big = x.dtype === 'int64';
  const init: Record<string, Scalar> = {
    ReduceSum: big ? 0n : 0, ReduceMean: big ? 0n : 0, ReduceProd: big ? 1n : 1,
    ReduceMax: big ? -(2n ** 63n) : -Infinity, ReduceMin: big ? 2n ** 63n - 1n : Infinity,
  };
  const acc: Scalar[] = new Array(size).fill(init[c.op]);
  const map = broadcastIndex(x.shape, keptShape);
  const src = x.data as ArrayLike<Scalar>;
  for (let k = 0; k < src.length; k++) {
    const a = acc[map[k]];
    const b = src[k];
    switch (c.op) {
      case 'ReduceSum': case 'ReduceMean': acc[map[k]] = big ? (a as bigint) + (b as bigint) : (a as number) + (b as number); break;
      case 'ReduceProd': acc[map[k]] = big ? (a as bigint) * (b as bigint) : (a as number) * (b as number); break;
      case 'ReduceMax': acc[map[k]] = b > a ? b : a; break;
      case 'ReduceMin': acc[map[k]] = b < a ? b : a; break;
    }
  }
  const count = sizeOfShape(x.shape) / Math.max(1, size);
  const data = alloc(x.dtype, size);
  acc.forEach((a, i) => put(data, x.dtype, i, c.op === 'ReduceMean' ? (big ? (a as bigint) / BigInt(count) : (a as number) / count) : a));
  return { dtype: x.dtype, shape: outShape, data };
}

/**
 * Evaluates shape ops on partly symbolic integer vectors (from Shape of a tensor with a symbolic
 * dimension). Returns each output's elements, or undefined when not applicable.
 */
export function evaluateSym(c: NodeContext, outs: OutInfo[]): Dim[][] | undefined {
  const elems = (k: Known | undefined): Dim[] | undefined => {
    if (!k) return undefined;
    if (k.sym) return k.sym;
    if (k.value && isInt(k.value.dtype) && k.value.data.length <= 64) return Array.from(k.value.data as ArrayLike<Scalar>, Number);
    return undefined;
  };
  const x = elems(c.inputs[0]);
  const anySym = c.inputs.some((k) => k?.sym);
  if (!anySym) {
    if (c.op !== 'Shape') return undefined;
    const [s, e] = shapeRange(c, c.rank(0));
    return [c.shape(0).slice(s, e)];
  }
  if (outs.length !== 1 || !isKnownShape(outs[0].shape) || outs[0].shape.length > 1) return undefined;
  switch (c.op) {
    case 'Identity': case 'Reshape': case 'Squeeze': case 'Unsqueeze': case 'Flatten':
      return x ? [x] : undefined;
    case 'Cast':
      return x && isInt(outs[0].dtype) && isInt(c.dtype(0)) ? [x] : undefined;
    case 'Concat': {
      const parts = c.inputs.map(elems);
      return parts.every((p) => p) ? [parts.flatMap((p) => p!)] : undefined;
    }
    case 'Gather': {
      const idx = c.value(1);
      if (!x || !idx || c.rank(0) !== 1) return undefined;
      return [Array.from(idx.data as ArrayLike<Scalar>, (i) => x[Number(i) < 0 ? Number(i) + x.length : Number(i)] ?? null)];
    }
    case 'Slice': {
      if (!x || c.rank(0) !== 1) return undefined;
      const spec = sliceSpec(c, 1);
      const { start, length } = sliceRange(x.length, spec.starts[0], spec.ends[0], spec.steps[0]);
      return [Array.from({ length }, (_, i) => x[start + i * spec.steps[0]])];
    }
    case 'Add': case 'Sub': case 'Mul': case 'Div': {
      const a = elems(c.inputs[0]);
      const b = elems(c.inputs[1]);
      if (!a || !b) return undefined;
      const n = Math.max(a.length, b.length);
      const at = (v: Dim[], i: number) => v[v.length === 1 ? 0 : i];
      return [Array.from({ length: n }, (_, i) => symArith(c.op, at(a, i), at(b, i)))];
    }
    case 'ReduceProd': return x && outs[0].shape.length <= 1 && sizeOfShape(outs[0].shape) === 1 ? [[dimProd(x)]] : undefined;
  }
  return undefined;
}

function symArith(op: string, a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    return op === 'Add' ? a + b : op === 'Sub' ? a - b : op === 'Mul' ? a * b : Math.trunc(a / b);
  }
  if (op === 'Add') return dimAdd(a, b);
  if (op === 'Mul') return dimMul(a, b);
  if (op === 'Sub' && b === 0) return a;
  if (op === 'Div' && b === 1) return a;
  return null;
}
