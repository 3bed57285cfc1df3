import type { Random } from '../../src/util/random.js';
import { GraphBuilder, emptyGraph, sizeOfShape, type AttrValue, type DType, type Dim, type Graph, type TensorValue } from '../../src/engines/native/graph.js';

/** A small deterministic tensor (values from a sine, so not all alike) of any dtype. */
export function tensor(dtype: DType, shape: number[], values?: number[]): TensorValue {
  const n = sizeOfShape(shape);
  const v = values ?? Array.from({ length: n }, (_, i) => Math.round(10 * Math.sin(i + 1)) / 4);
  switch (dtype) {
    case 'int64': return { dtype, shape, data: BigInt64Array.from(v, (x) => BigInt(Math.trunc(x))) };
    case 'int32': return { dtype, shape, data: Int32Array.from(v) };
    case 'float64': return { dtype, shape, data: Float64Array.from(v) };
    case 'bool': return { dtype, shape, data: Uint8Array.from(v, (x) => (x > 0 ? 1 : 0)) };
    default: return { dtype: 'float32', shape, data: Float32Array.from(v) };
  }
}

export const i64 = (...v: number[]): TensorValue => tensor('int64', [v.length], v);

/** Graph inputs by name: a shape (float32) or a dtype and shape. */
export type GraphInputs = Record<string, Dim[] | { dtype: DType; shape: Dim[] }>;

/** A graph with the given inputs and the nodes `body` adds. */
export function graph(opset: number, inputs: GraphInputs, body: (b: GraphBuilder, g: Graph) => void): Graph {
  const g = emptyGraph('case', opset);
  for (const [name, spec] of Object.entries(inputs)) {
    g.inputs.push(Array.isArray(spec) ? { name, dtype: 'float32', shape: spec } : { name, ...spec });
  }
  body(new GraphBuilder(g), g);
  return g;
}

/** Adds `op` on the inputs (value names, or tensors added as initializers); returns its outputs. */
export function node(b: GraphBuilder, op: string, inputs: (string | TensorValue)[], attrs: Record<string, AttrValue> = {}, outputs = 1): string[] {
  const names = inputs.map((i) => (typeof i === 'string' ? i : b.constant(i)));
  return b.add(op, names, attrs, outputs);
}

/**
 * n values on a shuffled grid 0.1 apart, shifted at random so two tensors do not share values: no two
 * within a finite-difference step of each other (max, min and pooling stay differentiable).
 */
export function distinctValues(rng: Random, n: number): number[] {
  const shift = rng.uniform() * 0.1;
  const values = Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1 + shift);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return values;
}
