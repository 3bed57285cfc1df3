/**
 * The state of one TF.js -> ONNX conversion: the graph being built, the opset, and the two layouts a
 * converted tensor can live in.
 *
 * TF.js is channels-last (NHWC); ONNX Conv and pooling are channels-first (NCHW). Each converted tensor
 * (`Sym`) may hold its value in TF.js's own layout (`tf`), in the channels-first view (`cf`: TF's last
 * axis moved to position 1), or both. Views are made lazily, once, by a Transpose: a chain of
 * conv/pool/elementwise layers stays channels-first, and the graph transposes back only where the
 * layout matters (Flatten, Reshape, Dense, a layer output someone asks for).
 */
import type * as tf from '@tensorflow/tfjs';
import { GlassboxError } from '../../../errors.js';
import { attr, type AttrValue, type Dim, type DType, type Graph, GraphBuilder, type TensorValue } from '../graph.js';

export type Layout = 'tf' | 'cf';

/** A converted TF.js symbolic tensor. */
export interface Sym {
  /** Shape in TF.js's layout, batch first (a number, the symbolic batch name, or null when unknown). */
  shape: Dim[];
  dtype: DType;
  /** The value in TF.js's layout, once it exists. */
  tf?: string;
  /** Rank >= 3 only: the value with TF's last axis moved to position 1 (NCHW for NHWC), once it exists. */
  cf?: string;
  /** The layout the model's own computation produced; the other one, if present, is a view. */
  primary: Layout;
}

/** What a layer converter returns: one value per layer output, in the layout it was computed in. */
export interface Produced {
  value: string;
  layout: Layout;
}

/** Thrown for any layer, option or model feature the native engine cannot convert faithfully. */
export class UnsupportedLayerError extends GlassboxError {
  constructor(
    /** The layer's name in the model. */
    readonly layerName: string,
    /** Its TF.js class, e.g. "LSTM". */
    readonly className: string,
    /** What exactly is unsupported (the layer itself, or one of its options). */
    readonly reason: string,
  ) {
    super(`layer "${layerName}" (${className}): ${reason}; the native engine cannot convert it`,
      'use the TF.js engine for this model (it runs every TF.js layer)');
    this.name = 'UnsupportedLayerError';
  }
}

/** [0, r-1, 1, ..., r-2]: TF's channels-last layout to channels-first. */
export function toCfPerm(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

/** [0, 2, ..., r-1, 1]: channels-first back to TF's layout. */
export function toTfPerm(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

/** Where TF axis `axis` (non-negative) sits in the channels-first view of a rank-`rank` tensor. */
export function cfAxis(axis: number, rank: number): number {
  if (axis === 0) return 0;
  return axis === rank - 1 ? 1 : axis + 1;
}

export function permute<T>(values: readonly T[], perm: readonly number[]): T[] {
  return perm.map((p) => values[p]);
}

/** Row-major transpose of a dense array: out[i] = in[perm applied to i]. */
export function transposeData(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const outShape = permute(shape, perm);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) { inStrides[i] = s; s *= shape[i]; }
  const stridesInOutOrder = perm.map((p) => inStrides[p]);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += index[d] * stridesInOutOrder[d];
    out[o] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < outShape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

export class Context {
  readonly b: GraphBuilder;
  /**
   * Prefix of the values the current layer adds ("conv1/"), so that no intermediate value takes a name
   * a later layer's output needs: every layer output is named after its layer.
   */
  prefix = '';
  private readonly scalars = new Map<number, string>();

  constructor(readonly graph: Graph) {
    this.b = new GraphBuilder(graph);
  }

  get opset(): number {
    return this.graph.opset;
  }

  /** The value in TF.js's layout, transposing the channels-first one if needed. */
  tfValue(s: Sym): string {
    if (s.tf === undefined) {
      s.tf = this.b.op('Transpose', [s.cf!], { perm: attr.ints(toTfPerm(s.shape.length)) }, `${this.prefix}to_nhwc`);
      this.graph.values.set(s.tf, { name: s.tf, dtype: s.dtype, shape: s.shape });
    }
    return s.tf;
  }

  /** The channels-first view (rank >= 3), transposing TF.js's layout if needed. */
  cfValue(s: Sym): string {
    if (s.shape.length < 3) throw new Error(`channels-first view of a rank-${s.shape.length} tensor`);
    if (s.cf === undefined) {
      const rank = s.shape.length;
      s.cf = this.b.op('Transpose', [s.tf!], { perm: attr.ints(toCfPerm(rank)) }, `${this.prefix}to_nchw`);
      this.graph.values.set(s.cf, { name: s.cf, dtype: s.dtype, shape: permute(s.shape, toCfPerm(rank)) });
    }
    return s.cf;
  }

  value(s: Sym, layout: Layout): string {
    return layout === 'tf' ? this.tfValue(s) : this.cfValue(s);
  }

  /** The layout an elementwise op should run in: the input's own (so a channels-first chain stays so). */
  natural(s: Sym): Layout {
    return s.shape.length >= 3 ? s.primary : 'tf';
  }

  /** One layout for several inputs: channels-first only if every input is naturally channels-first. */
  common(inputs: Sym[]): Layout {
    return inputs.every((s) => s.shape.length >= 3 && s.primary === 'cf' && s.shape.length === inputs[0].shape.length) ? 'cf' : 'tf';
  }

  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, hint = op.toLowerCase()): string {
    return this.b.op(op, inputs, attrs, `${this.prefix}${hint}`);
  }

  /** A float32 initializer; `hint` names it in full (weights are named "layer/kernel"). */
  tensor(data: Float32Array, shape: number[], hint: string): string {
    const value: TensorValue = { dtype: 'float32', shape, data };
    return this.b.constant(value, hint);
  }

  /** A float32 scalar initializer, shared by every use of the same value. */
  scalar(value: number, hint = 'scalar'): string {
    let name = this.scalars.get(value);
    if (name === undefined) {
      name = this.b.scalar(value, 'float32', `const/${hint}`);
      this.scalars.set(value, name);
    }
    return name;
  }

  int64s(values: number[], hint = 'shape'): string {
    return this.b.int64s(values, `${this.prefix}${hint}`);
  }
}

/** A layer's weights by their short name ("kernel", "bias", "gamma", ...), as float32 copies. */
export function layerWeights(layer: tf.layers.Layer): Map<string, { data: Float32Array; shape: number[] }> {
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  const values = layer.getWeights();
  layer.weights.forEach((w, i) => {
    const short = w.originalName.split('/').pop()!.replace(/_\d+$/, '');
    // slice(): dataSync() may alias backend memory that a later op reuses.
    out.set(short, { data: Float32Array.from(values[i].dataSync() as Float32Array), shape: values[i].shape.slice() });
  });
  return out;
}
