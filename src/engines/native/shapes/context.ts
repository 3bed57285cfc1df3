/**
 * What shape inference knows about a value, and the view of one node that the per-op rules work on.
 */
import { GlassboxError } from '../../../errors.js';
import type { DType, Dim, Node, TensorValue } from '../graph.js';

export interface Known {
  dtype: DType;
  shape: Dim[];
  /** The value, when it is a constant (an initializer, or folded). */
  value?: TensorValue;
  /**
   * The elements of a small integer vector (or scalar) that is only partly known: a Shape of a tensor
   * with a symbolic batch dimension is [N, 784]. Lets Reshape/Expand targets built from Shape resolve.
   */
  sym?: Dim[];
}

/** An output's dtype and shape, as a rule infers it. */
export interface OutInfo {
  dtype: DType;
  shape: Dim[];
}

export class InferError extends GlassboxError {}

/** One node, its inputs' knowledge, and helpers that fail with the node named. */
export class NodeContext {
  constructor(
    readonly node: Node,
    readonly opset: number,
    readonly inputs: (Known | undefined)[],
  ) {}

  get op(): string {
    return this.node.op;
  }

  /** A GlassboxError naming the node. */
  error(message: string, hint?: string): InferError {
    return new InferError(`shape inference: node '${this.node.name}' (${this.node.op}): ${message}`, hint ?? 'check that the model is valid ONNX for its opset, and that the input shapes are right');
  }

  has(i: number): boolean {
    return this.inputs[i] !== undefined;
  }

  /** A required input. */
  in(i: number): Known {
    const k = this.inputs[i];
    if (!k) throw this.error(`input ${i} is required but missing`);
    return k;
  }

  shape(i: number): Dim[] {
    return this.in(i).shape;
  }

  dtype(i: number): DType {
    return this.in(i).dtype;
  }

  rank(i: number): number {
    return this.in(i).shape.length;
  }

  value(i: number): TensorValue | undefined {
    return this.inputs[i]?.value;
  }

  /**
   * An input whose elements the output shape depends on (a Reshape target, Slice starts...), as numbers.
   * Fails when the input is computed from data at run time.
   */
  ints(i: number, what: string): number[] {
    const k = this.in(i);
    if (k.value) return tensorNumbers(k.value);
    throw this.error(
      `its ${what} (input '${this.node.inputs[i]}') is computed from data at run time, so the output shape cannot be inferred`,
      'export the model with static shapes, or pass inputShapes so that shape computations fold to constants',
    );
  }

  /** As ints(), but an absent input gives undefined. */
  optInts(i: number, what: string): number[] | undefined {
    return this.has(i) ? this.ints(i, what) : undefined;
  }

  /** A shape-like input's elements: constant, or partly symbolic (from Shape). */
  dims(i: number, what: string): Dim[] {
    const k = this.in(i);
    if (k.value) return tensorNumbers(k.value);
    if (k.sym) return k.sym;
    return this.ints(i, what);
  }

  /** Normalises a possibly negative axis against a rank. */
  axis(a: number, rank: number, what = 'axis'): number {
    const n = a < 0 ? a + rank : a;
    if (!Number.isInteger(n) || n < 0 || n >= rank) throw this.error(`${what} ${a} is out of range for rank ${rank}`);
    return n;
  }
}

/** A tensor's elements as numbers (int64 beyond 2^53 rounds; shape inputs never get there except INT64_MAX/MIN sentinels). */
export function tensorNumbers(t: TensorValue): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

// Dimension arithmetic: numbers when known, a symbol passed through when the operation is the identity,
// null otherwise.

export function dimMul(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === 0 || b === 0) return 0;
  return null;
}

export function dimProd(dims: readonly Dim[]): Dim {
  return dims.reduce<Dim>((p, d) => dimMul(p, d), 1);
}

export function dimAdd(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return null;
}

export function isKnownShape(shape: readonly Dim[]): shape is number[] {
  return shape.every((d) => typeof d === 'number');
}

/** Numpy (multidirectional) broadcasting of several shapes. */
export function broadcastShapes(c: NodeContext, shapes: Dim[][]): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s.length - rank + i >= 0 ? s[s.length - rank + i] : 1;
      dim = broadcastDim(c, dim, d, shapes);
    }
    out.push(dim);
  }
  return out;
}

function broadcastDim(c: NodeContext, a: Dim, b: Dim, shapes: Dim[][]): Dim {
  if (a === b) return a;
  if (a === 1) return b;
  if (b === 1) return a;
  if (typeof a === 'number' && typeof b === 'number') {
    throw c.error(`shapes ${shapes.map((s) => `[${s.map(showDim)}]`).join(', ')} do not broadcast`);
  }
  // A known size wins over a symbol (the symbol must equal it, or be 1).
  if (typeof a === 'number') return a;
  if (typeof b === 'number') return b;
  return a ?? b;
}

export function showDim(d: Dim): string {
  return d === null ? '?' : String(d);
}

export function showShape(s: readonly Dim[]): string {
  return `[${s.map(showDim).join(',')}]`;
}
