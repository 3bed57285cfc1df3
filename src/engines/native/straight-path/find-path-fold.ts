import { type Graph, type Node, intAttr, intsAttr, stringAttr } from '../graph.js';

/**
 * Where a model's straight integration path b + a (x - b) can be folded (see build-path-fold-graph.ts):
 * the nodes from the input up to the first affine layer, and what follows it.
 */
export interface PathFold {
  /** Shape-only ops between the input and the affine layer (Transpose, Flatten, Reshape), in order. */
  prefix: Node[];
  /** Conv, Gemm or MatMul with constant weights: its bias (if any) is not part of the linear map. */
  linear: Node;
  /** An Add of a constant after the linear node (Conv or MatMul plus a separate bias). */
  bias?: Node;
  /** Relu then MaxPool right after the affine layer (Conv only): the pooled shortcut's nodes. */
  reluPool?: { relu: Node; pool: Node };
  /** Whether the Conv pads its input: a padded border breaks the constancy the pooled shortcut needs. */
  padded: boolean;
  /** The NCHW channel axis of the model input, when the prefix keeps channels as whole slices. */
  inputChannelAxis?: number;
}

const isDefaultDomain = (n: Node) => n.domain === '' || n.domain === 'ai.onnx';

/**
 * Finds the fold in a one-input graph, or undefined when the input does not reach a constant-weight
 * affine layer through shape-only ops alone, each value read by one node only (a second reader would
 * need the per-point values the fold never builds).
 */
export function findPathFold(graph: Graph): PathFold | undefined {
  // The folded graph feeds float32 rows (what the engine hands onnxruntime).
  if (graph.inputs.length !== 1 || graph.inputs[0].dtype !== 'float32') return undefined;
  const readers = new Map<string, Node[]>();
  for (const node of graph.nodes) for (const x of node.inputs) if (x) readers.set(x, [...(readers.get(x) ?? []), node]);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const onlyReader = (value: string): Node | undefined => {
    const r = readers.get(value) ?? [];
    return r.length === 1 && !outputs.has(value) && isDefaultDomain(r[0]) && r[0].inputs.filter((x) => x === value).length === 1 ? r[0] : undefined;
  };
  const constant = (name: string | undefined) => name === undefined || name === '' || graph.initializers.has(name);

  const prefix: Node[] = [];
  let value = graph.inputs[0].name;
  let node = onlyReader(value);
  while (node && (node.op === 'Transpose' || node.op === 'Flatten' || (node.op === 'Reshape' && constant(node.inputs[1])))) {
    if (node.inputs[0] !== value) return undefined;
    prefix.push(node);
    value = node.outputs[0];
    node = onlyReader(value);
  }
  if (!node || node.inputs[0] !== value || !graph.initializers.has(node.inputs[1])) return undefined;
  const linear = node;
  if (linear.op === 'Conv') {
    if (!constant(linear.inputs[2])) return undefined;
  } else if (linear.op === 'Gemm') {
    // transA would put the batch on the second axis; a C of batch rows would not broadcast over points.
    const c = linear.inputs[2] ? graph.initializers.get(linear.inputs[2]) : undefined;
    if (intAttr(linear, 'transA', 0) !== 0 || !constant(linear.inputs[2]) || (c && c.shape.length === 2 && c.shape[0] !== 1)) return undefined;
  } else if (linear.op !== 'MatMul' || graph.initializers.get(linear.inputs[1])!.shape.length !== 2) {
    return undefined;
  }
  value = linear.outputs[0];
  let bias: Node | undefined;
  const next = onlyReader(value);
  if (next && next.op === 'Add' && (linear.op === 'Conv' || linear.op === 'MatMul')) {
    const other = next.inputs[0] === value ? next.inputs[1] : next.inputs[0];
    const b = graph.initializers.get(other);
    const rank = graph.values.get(value)?.shape.length ?? 0;
    // A bias must broadcast over the batch (and so over the path points) without growing the output.
    if (b && b.shape.length <= rank && !(b.shape.length === rank && b.shape[0] !== 1)) {
      bias = next;
      value = next.outputs[0];
    }
  }
  const padded = linear.op === 'Conv'
    && (intsAttr(linear, 'pads', []).some((p) => p !== 0) || !['NOTSET', 'VALID'].includes(stringAttr(linear, 'auto_pad', 'NOTSET')));
  const fold: PathFold = { prefix, linear, bias, padded, inputChannelAxis: channelAxis(prefix) };
  const relu = onlyReader(value);
  const pool = relu?.op === 'Relu' ? onlyReader(relu.outputs[0]) : undefined;
  if (linear.op === 'Conv' && relu && pool?.op === 'MaxPool' && (pool.outputs.length === 1 || pool.outputs[1] === '')
    && intAttr(pool, 'storage_order', 0) === 0) {
    fold.reluPool = { relu, pool };
  }
  return fold;
}

/** The model input's axis that becomes the Conv's channel axis: axis 1 without a prefix, or through one Transpose. */
function channelAxis(prefix: Node[]): number | undefined {
  if (prefix.length === 0) return 1;
  if (prefix.length === 1 && prefix[0].op === 'Transpose') return intsAttr(prefix[0], 'perm', [])[1];
  return undefined;
}
