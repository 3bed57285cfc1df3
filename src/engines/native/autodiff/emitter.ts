import { GlassboxError } from '../../../errors.js';
import type { AttrValue, Dim, DType, Graph, GraphBuilder, Node, TensorValue, ValueInfo } from '../graph.js';
import { attr } from '../graph.js';
import { onnxDataType } from '../onnx-schema.js';

/** [from, from + 1, ..., to - 1]. */
export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Far beyond any tensor extent: Slice clamps it, so it means "to the end". */
export const TO_END = 2 ** 62;

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
}

/**
 * What backward rules build with: the forward graph's shapes, and ONNX ops emitted in the form the
 * graph's opset wants (axes as attributes or inputs, Pad's and Split's signatures...). The backward
 * nodes share the forward graph's opset, because one ONNX model imports one version of the default
 * domain and raising it would change what the forward ops mean.
 */
export class Emitter {
  private readonly cache = new Map<string, string>();
  private readonly constants = new Map<string, TensorValue>();

  constructor(readonly b: GraphBuilder, readonly forward: Graph) {
    for (const [name, value] of forward.initializers) this.constants.set(name, value);
    for (const node of forward.nodes) {
      const value = node.attrs.value;
      if (node.op === 'Constant' && node.domain === '' && value?.type === 'tensor') this.constants.set(node.outputs[0], value.value);
    }
  }

  get opset(): number {
    return this.forward.opset;
  }

  // ---- what is known about forward values -------------------------------------------------

  info(name: string): ValueInfo {
    const v = this.forward.values.get(name);
    if (!v) {
      throw new GlassboxError(`autodiff needs the dtype and shape of "${name}", which the graph does not record`,
        'run inferShapes(graph) before buildGradientGraph');
    }
    return v;
  }

  dtype(name: string): DType {
    return this.info(name).dtype;
  }

  shape(name: string): Dim[] {
    return this.info(name).shape;
  }

  rank(name: string): number {
    return this.shape(name).length;
  }

  /** The shape when every dimension is a number. */
  staticShape(name: string): number[] | undefined {
    const s = this.shape(name);
    return s.every((d): d is number => typeof d === 'number') ? s : undefined;
  }

  /** Dimensions that must be known numbers for `node`'s rule; throws naming the node otherwise. */
  knownDims(name: string, axes: number[], node: Node): number[] {
    const s = this.shape(name);
    return axes.map((a) => {
      const d = s[a < 0 ? a + s.length : a];
      if (typeof d !== 'number') {
        throw new GlassboxError(`the gradient of ${node.op} node "${node.name}" needs dimension ${a} of "${name}" to be known, `
          + `and shape inference left it as ${d === null ? 'unknown' : `"${d}"`}`,
          'give the model fixed input sizes (all but the batch dimension)');
      }
      return d;
    });
  }

  /** A constant's value: an initializer or a Constant node's output, or undefined when computed. */
  constantValue(name: string): TensorValue | undefined {
    return this.constants.get(name);
  }

  /** An integer constant input (axes, pads, starts...), as numbers; undefined when omitted. */
  constantInts(node: Node, index: number): number[] | undefined {
    const name = node.inputs[index];
    if (name === undefined || name === '') return undefined;
    const value = this.constantValue(name);
    if (!value || (value.dtype !== 'int64' && value.dtype !== 'int32')) {
      throw new GlassboxError(`the gradient of ${node.op} node "${node.name}" needs input ${index} ("${name}") to be a constant, and it is computed`,
        'fold the value into a constant when exporting the model, or use a perturbation method');
    }
    return Array.from(value.data as ArrayLike<number | bigint>, (v) => Number(v));
  }

  // ---- constants ---------------------------------------------------------------------------

  private cached(key: string, make: () => string): string {
    let name = this.cache.get(key);
    if (name === undefined) this.cache.set(key, name = make());
    return name;
  }

  /** A scalar of a float dtype (the dtype of the values it combines with). */
  scalar(value: number, dtype: DType): string {
    return this.cached(`s:${dtype}:${value}`, () => this.b.constant(tensorOf(dtype, [], [value]), 'scalar'));
  }

  /** A 1-D int64 constant (shapes, axes, starts...). */
  ints(values: number[]): string {
    return this.cached(`i:${values.join(',')}`, () => this.b.int64s(values, 'ints'));
  }

  constant(value: TensorValue, hint = 'const'): string {
    return this.b.constant(value, hint);
  }

  // ---- ops -----------------------------------------------------------------------------------

  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, hint?: string): string {
    return this.b.op(op, inputs, attrs, hint);
  }

  add(a: string, b: string): string { return this.op('Add', [a, b]); }
  sub(a: string, b: string): string { return this.op('Sub', [a, b]); }
  mul(a: string, b: string): string { return this.op('Mul', [a, b]); }
  div(a: string, b: string): string { return this.op('Div', [a, b]); }
  neg(a: string): string { return this.op('Neg', [a]); }
  where(cond: string, a: string, b: string): string { return this.op('Where', [cond, a, b]); }

  cast(x: string, dtype: DType): string {
    return this.op('Cast', [x], { to: attr.int(onnxDataType(dtype)) });
  }

  /** The sum of gradient contributions, as few nodes as possible. */
  sum(terms: string[]): string {
    if (terms.length === 0) throw new Error('autodiff: sum of nothing');
    if (terms.length === 1) return terms[0];
    if (terms.length === 2) return this.add(terms[0], terms[1]);
    return this.op('Sum', terms);
  }

  /** A value's shape as a 1-D int64 tensor: a constant when known, a Shape node otherwise. */
  shapeOf(name: string): string {
    const s = this.staticShape(name);
    return s ? this.ints(s) : this.cached(`shape:${name}`, () => this.op('Shape', [name]));
  }

  reshape(x: string, shape: number[] | string): string {
    return this.op('Reshape', [x, typeof shape === 'string' ? shape : this.ints(shape)]);
  }

  /** `x` reshaped to the (forward) value `like`'s shape. */
  reshapeLike(x: string, like: string): string {
    return this.reshape(x, this.shapeOf(like));
  }

  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], { perm: attr.ints(perm) });
  }

  /** Swaps the last two axes of a rank-`rank` tensor. */
  transposeLast2(x: string, rank: number): string {
    const perm = Array.from({ length: rank }, (_, i) => i);
    [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
    return this.transpose(x, perm);
  }

  /** Zeros of a forward value's shape and dtype. */
  zerosLike(name: string): string {
    return this.op('ConstantOfShape', [this.shapeOf(name)], { value: attr.tensor(tensorOf(this.dtype(name), [1], [0])) });
  }

  reduceSum(x: string, axes: number[], keepdims: boolean): string {
    if (axes.length === 0) return x;
    const keep = { keepdims: attr.int(keepdims ? 1 : 0) };
    if (this.opset >= 13) return this.op('ReduceSum', [x, this.ints(axes)], keep);
    return this.op('ReduceSum', [x], { ...keep, axes: attr.ints(axes) });
  }

  reduceMean(x: string, axes: number[], keepdims: boolean): string {
    if (axes.length === 0) return x;
    const keep = { keepdims: attr.int(keepdims ? 1 : 0) };
    if (this.opset >= 18) return this.op('ReduceMean', [x, this.ints(axes)], keep);
    return this.op('ReduceMean', [x], { ...keep, axes: attr.ints(axes) });
  }

  unsqueeze(x: string, axes: number[]): string {
    if (axes.length === 0) return x;
    if (this.opset >= 13) return this.op('Unsqueeze', [x, this.ints(axes)]);
    return this.op('Unsqueeze', [x], { axes: attr.ints(axes) });
  }

  /** Slice with constant bounds; steps other than 1 need opset 10. */
  slice(x: string, starts: number[], ends: number[], axes: number[], steps?: number[]): string {
    if (this.opset >= 10) {
      const inputs = [x, this.ints(starts), this.ints(ends), this.ints(axes)];
      if (steps && steps.some((s) => s !== 1)) inputs.push(this.ints(steps));
      return this.op('Slice', inputs);
    }
    if (steps && steps.some((s) => s !== 1)) throw new GlassboxError(`strided slices need opset 10 or later; the graph has opset ${this.opset}`);
    return this.op('Slice', [x], { starts: attr.ints(starts), ends: attr.ints(ends), axes: attr.ints(axes) });
  }

  /** Constant padding; `pads` is ONNX's [begin..., end...] over every axis. */
  pad(x: string, pads: number[], value: number, dtype: DType): string {
    if (pads.every((p) => p === 0)) return x;
    if (this.opset >= 11) return this.op('Pad', [x, this.ints(pads), this.scalar(value, dtype)]);
    return this.op('Pad', [x], { pads: attr.ints(pads), value: attr.float(value), mode: attr.string('constant') });
  }

  /** Splits along `axis` into pieces of the given sizes. */
  split(x: string, axis: number, sizes: number[]): string[] {
    if (this.opset >= 13) return this.b.add('Split', [x, this.ints(sizes)], { axis: attr.int(axis) }, sizes.length, 'split');
    return this.b.add('Split', [x], { axis: attr.int(axis), split: attr.ints(sizes) }, sizes.length, 'split');
  }

  /** The two halves of the batch: DeepLIFT's inputs and references. */
  halves(x: string): [string, string] {
    const attrs: Record<string, AttrValue> = { axis: attr.int(0) };
    if (this.opset >= 18) attrs.num_outputs = attr.int(2);
    const [first, second] = this.b.add('Split', [x], attrs, 2, 'half');
    return [first, second];
  }

  concat(xs: string[], axis: number): string {
    return xs.length === 1 ? xs[0] : this.op('Concat', xs, { axis: attr.int(axis) });
  }

  /**
   * The gradient of a broadcast operand: `grad` (of shape `gradShape`, the broadcast result) summed
   * over the axes `target` was broadcast along, and shaped like `target`. Decided from the recorded
   * shapes; when they leave it open (an unknown size that may be 1), decided at run time.
   */
  unbroadcast(grad: string, gradShape: Dim[], target: string): string {
    const t = this.shape(target);
    const lead = gradShape.length - t.length;
    if (lead < 0) throw new Error(`autodiff: cannot unbroadcast rank ${gradShape.length} to "${target}" of rank ${t.length}`);
    const axes = Array.from({ length: lead }, (_, i) => i);
    let undecided = false;
    t.forEach((td, i) => {
      const gd = gradShape[i + lead];
      if (td === 1) {
        if (gd !== 1) axes.push(i + lead);
      } else if (typeof td !== 'number' && gd !== 1 && !(gd !== null && gd === td)) {
        undecided = true;
      }
    });
    if (undecided) return this.unbroadcastAtRunTime(grad, lead, target);
    if (axes.length === 0) return grad;
    const reduced = this.reduceSum(grad, axes, true);
    return lead > 0 ? this.reshapeLike(reduced, target) : reduced;
  }

  private unbroadcastAtRunTime(grad: string, lead: number, target: string): string {
    if (this.opset < 13) {
      throw new GlassboxError(`cannot tell how "${target}" is broadcast: its shape is not fully known`,
        'give the model fixed input sizes, or export it at opset 13 or later');
    }
    const targetShape = this.op('Shape', [target]);
    const padded = lead > 0 ? this.concat([this.ints(new Array<number>(lead).fill(1)), targetShape], 0) : targetShape;
    const one = this.ints([1]);
    const broadcast = this.op('And', [this.op('Equal', [padded, one]), this.op('Not', [this.op('Equal', [this.op('Shape', [grad]), one])])]);
    const axes = this.reshape(this.op('NonZero', [broadcast]), [-1]);
    const reduced = this.op('ReduceSum', [grad, axes], { keepdims: attr.int(1), noop_with_empty_axes: attr.int(1) });
    return this.reshape(reduced, targetShape);
  }
}

/** A small tensor of any dtype from numbers. */
export function tensorOf(dtype: DType, shape: number[], values: number[]): TensorValue {
  switch (dtype) {
    case 'float32': return { dtype, shape, data: Float32Array.from(values) };
    case 'float64': return { dtype, shape, data: Float64Array.from(values) };
    case 'int64': return { dtype, shape, data: BigInt64Array.from(values.map((v) => BigInt(v))) };
    case 'int32': return { dtype, shape, data: Int32Array.from(values) };
    case 'bool': case 'uint8': return { dtype, shape, data: Uint8Array.from(values) };
    case 'int8': return { dtype, shape, data: Int8Array.from(values) };
    case 'float16': return { dtype, shape, data: Uint16Array.from(values.map(toHalf)) };
  }
}

/** IEEE half-precision bits of a number (round to nearest), for float16 models' constants. */
function toHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (((bits >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mantissa | 0x800000) >> (1 - exp);
    return sign | ((m + 0x1000) >> 13);
  }
  return sign | ((exp << 10) + ((mantissa + 0x1000) >> 13));
}
