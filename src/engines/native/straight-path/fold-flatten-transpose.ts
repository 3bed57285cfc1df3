import { type Graph, type Node, intAttr, intsAttr, sizeOfShape } from '../graph.js';

/**
 * Rewrites Transpose -> Flatten -> MatMul with a constant weight (TF.js's channels-last flatten before
 * a Dense layer, in converted models) as Flatten -> MatMul with the weight's rows permuted: the same
 * products, summed in another order, without the transpose forward and backward (two full passes over
 * the flattened activations per point). Only where the transposed and flattened values have no other
 * reader, the batch axis stays first and the shapes are static. Edits `graph` in place.
 */
export function foldFlattenTranspose(graph: Graph): void {
  const readers = new Map<string, Node[]>();
  for (const node of graph.nodes) for (const x of node.inputs) if (x) readers.set(x, [...(readers.get(x) ?? []), node]);
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const only = (value: string): Node | undefined => {
    const r = readers.get(value) ?? [];
    return r.length === 1 && !outputs.has(value) ? r[0] : undefined;
  };
  const dropped = new Set<Node>();
  for (const transpose of graph.nodes) {
    if (transpose.op !== 'Transpose' || transpose.domain !== '') continue;
    const flatten = only(transpose.outputs[0]);
    if (!flatten || flatten.op !== 'Flatten' || intAttr(flatten, 'axis', 1) !== 1) continue;
    const matmul = only(flatten.outputs[0]);
    const weight = matmul?.op === 'MatMul' && matmul.inputs[0] === flatten.outputs[0] ? graph.initializers.get(matmul.inputs[1]) : undefined;
    const shape = graph.values.get(transpose.inputs[0])?.shape.slice(1);
    const perm = intsAttr(transpose, 'perm', []);
    if (!matmul || !weight || weight.dtype !== 'float32' || weight.shape.length !== 2 || !shape || shape.some((d) => typeof d !== 'number')) continue;
    const dims = shape as number[];
    if (perm.length !== dims.length + 1 || perm[0] !== 0 || weight.shape[0] !== sizeOfShape(dims)) continue;
    const [rows, cols] = weight.shape;
    const source = weight.data as Float32Array;
    const permuted = new Float32Array(rows * cols);
    // Row p of the new weight multiplies x's flat element p, which the transpose had put at row q.
    const transposedDims = perm.slice(1).map((a) => dims[a - 1]);
    const index = new Array<number>(dims.length).fill(0);
    for (let p = 0; p < rows; p++) {
      let q = 0;
      for (let a = 0; a < transposedDims.length; a++) q = q * transposedDims[a] + index[perm[a + 1] - 1];
      permuted.set(source.subarray(q * cols, (q + 1) * cols), p * cols);
      for (let a = dims.length - 1; a >= 0 && ++index[a] === dims[a]; a--) index[a] = 0;
    }
    const name = `${matmul.inputs[1]}/channels_first`;
    graph.initializers.set(name, { dtype: 'float32', shape: [rows, cols], data: permuted });
    graph.values.set(name, { name, dtype: 'float32', shape: [rows, cols] });
    flatten.inputs[0] = transpose.inputs[0];
    matmul.inputs[1] = name;
    dropped.add(transpose);
  }
  graph.nodes = graph.nodes.filter((n) => !dropped.has(n));
}
