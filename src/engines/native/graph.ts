/**
 * The native engine's own graph representation: a small, mutable mirror of an ONNX graph. ONNX
 * protobufs are read into it (read.ts), shapes are inferred on it (shapes.ts), autodiff appends
 * backward nodes to it (autodiff/), and it is written back as an ONNX model (write.ts) to run on
 * onnxruntime-node (runtime.ts). Names are ONNX value names; every value is produced once.
 */

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8' | 'int8' | 'float16';

export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Uint16Array;

/** A constant tensor (an initializer, or the value of a Constant node). Row-major. */
export interface TensorValue {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

/** A dimension: a number when known, a symbolic name (e.g. "batch"), or null when unknown. */
export type Dim = number | string | null;

export interface ValueInfo {
  name: string;
  dtype: DType;
  shape: Dim[];
}

/** ONNX attributes, tagged with their ONNX type so they write back exactly. */
export type AttrValue =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: number[] }
  | { type: 'floats'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensor'; value: TensorValue };

export interface Node {
  /** ONNX op type, e.g. "Conv". */
  op: string;
  /** Empty for the default ONNX domain. */
  domain: string;
  name: string;
  /** Value names; "" marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface Graph {
  name: string;
  /** The default-domain opset the graph is written against. */
  opset: number;
  /** Graph inputs that are real inputs (initializers are not listed here). */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, TensorValue>;
  /** In topological order. */
  nodes: Node[];
  /** Known dtype and shape of any value, filled in by shape inference. */
  values: Map<string, ValueInfo>;
}

export function emptyGraph(name: string, opset: number): Graph {
  return { name, opset, inputs: [], outputs: [], initializers: new Map(), nodes: [], values: new Map() };
}

/** Attribute helpers, so rules read like the ONNX spec. */
export const attr = {
  int: (value: number): AttrValue => ({ type: 'int', value }),
  float: (value: number): AttrValue => ({ type: 'float', value }),
  string: (value: string): AttrValue => ({ type: 'string', value }),
  ints: (value: number[]): AttrValue => ({ type: 'ints', value }),
  floats: (value: number[]): AttrValue => ({ type: 'floats', value }),
  tensor: (value: TensorValue): AttrValue => ({ type: 'tensor', value }),
};

export function intAttr(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a && a.type === 'int' ? a.value : fallback;
}

export function intsAttr(node: Node, name: string, fallback: number[]): number[] {
  const a = node.attrs[name];
  return a && a.type === 'ints' ? a.value : fallback;
}

export function floatAttr(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a && (a.type === 'float' || a.type === 'int') ? a.value : fallback;
}

export function stringAttr(node: Node, name: string, fallback: string): string {
  const a = node.attrs[name];
  return a && a.type === 'string' ? a.value : fallback;
}

/**
 * Appends nodes to a graph with fresh, readable value names. Autodiff rules and the TF.js converter
 * build graphs through it.
 */
export class GraphBuilder {
  private counter = 0;
  private readonly used: Set<string>;

  constructor(readonly graph: Graph, private readonly prefix = '') {
    this.used = new Set([
      ...graph.inputs.map((v) => v.name), ...graph.initializers.keys(),
      ...graph.nodes.flatMap((n) => n.outputs), ...graph.nodes.map((n) => n.name),
    ]);
  }

  /** A name not yet used in the graph, based on `hint`. */
  fresh(hint: string): string {
    let name = `${this.prefix}${hint}`;
    while (this.used.has(name)) name = `${this.prefix}${hint}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns its output names (one unless `outputs` says more). */
  add(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs = 1, hint = op.toLowerCase()): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(hint));
    this.graph.nodes.push({ op, domain: '', name: this.fresh(`${hint}_node`), inputs, outputs: names, attrs });
    return names;
  }

  /** Adds a node with one output and returns that output's name. */
  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, hint?: string): string {
    return this.add(op, inputs, attrs, 1, hint)[0];
  }

  /** Adds a constant as an initializer and returns its name. */
  constant(value: TensorValue, hint = 'const'): string {
    const name = this.fresh(hint);
    this.graph.initializers.set(name, value);
    return name;
  }

  scalar(value: number, dtype: 'float32' | 'float64' = 'float32', hint = 'scalar'): string {
    return this.constant({ dtype, shape: [], data: dtype === 'float32' ? Float32Array.of(value) : Float64Array.of(value) }, hint);
  }

  int64s(values: number[], hint = 'ints'): string {
    return this.constant({ dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values.map(BigInt)) }, hint);
  }
}

export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
