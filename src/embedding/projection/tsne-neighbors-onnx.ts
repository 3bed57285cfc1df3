import { emptyGraph, attr, type Graph } from '../../engines/native/graph.js';
import { OnnxSession } from '../../engines/native/runtime.js';

const BATCH = 256;
/** Candidates beyond k: float32 rounding in the matrix product can only swap near-equal distances. */
const MARGIN = 8;

/**
 * Each point's k nearest neighbours (self excluded) for large sets, where brute force in JavaScript
 * takes minutes: onnxruntime computes |x|^2 - 2 q.x for a batch of queries against all points (a
 * multi-threaded float32 matrix product) and keeps the k + 9 smallest (TopK); the candidates are then
 * ranked by their exact float64 distances. Writes row-major [count, k] indices and euclidean distances.
 */
export async function neighborsWithOnnx(vectors: Float32Array, count: number, dim: number, k: number,
  neighbors: Int32Array, distances: Float32Array, progress: (done: number, total: number) => void): Promise<void> {
  const candidates = Math.min(count, k + 1 + MARGIN);
  const transposed = new Float32Array(dim * count);
  const norms = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let c = 0; c < dim; c++) {
      const v = vectors[i * dim + c];
      transposed[c * count + i] = v;
      s += v * v;
    }
    norms[i] = s;
  }
  const session = await OnnxSession.create(distanceGraph(dim, count, candidates), { threads: 2 });
  try {
    const d2 = new Float64Array(candidates);
    const order = Array.from({ length: candidates }, (_, r) => r);
    for (let start = 0; start < count; start += BATCH) {
      const end = Math.min(count, start + BATCH);
      const out = await session.run({
        // A copy: onnxruntime takes no view into shared memory.
        queries: { dtype: 'float32', shape: [end - start, dim], data: vectors.slice(start * dim, end * dim) },
        pointsT: { dtype: 'float32', shape: [dim, count], data: transposed },
        norms: { dtype: 'float32', shape: [1, count], data: norms },
      });
      const found = out.indices.data as BigInt64Array;
      for (let i = start; i < end; i++) {
        const ids = Array.from(found.subarray((i - start) * candidates, (i - start + 1) * candidates), Number);
        for (let r = 0; r < candidates; r++) {
          const j = ids[r];
          let s = 0;
          for (let c = 0; c < dim; c++) {
            const t = vectors[i * dim + c] - vectors[j * dim + c];
            s += t * t;
          }
          d2[r] = j === i ? Infinity : s;
        }
        order.sort((a, b) => d2[a] - d2[b] || ids[a] - ids[b]);
        for (let r = 0; r < k; r++) {
          neighbors[i * k + r] = ids[order[r]];
          distances[i * k + r] = Math.sqrt(d2[order[r]]);
        }
      }
      progress(end, count);
    }
  } finally {
    await session.release();
  }
}

function distanceGraph(dim: number, count: number, candidates: number): Graph {
  const g = emptyGraph('glassbox-neighbors', 13);
  g.inputs.push({ name: 'queries', dtype: 'float32', shape: ['batch', dim] });
  g.inputs.push({ name: 'pointsT', dtype: 'float32', shape: [dim, count] });
  g.inputs.push({ name: 'norms', dtype: 'float32', shape: [1, count] });
  g.initializers.set('two', { dtype: 'float32', shape: [], data: new Float32Array([2]) });
  g.initializers.set('k', { dtype: 'int64', shape: [1], data: new BigInt64Array([BigInt(candidates)]) });
  const node = (op: string, inputs: string[], outputs: string[], attrs = {}) => g.nodes.push({ op, domain: '', name: outputs[0], inputs, outputs, attrs });
  node('MatMul', ['queries', 'pointsT'], ['dots']);
  node('Mul', ['dots', 'two'], ['twiceDots']);
  // |q|^2 is the same for every candidate of a query: ranking needs |x|^2 - 2 q.x only.
  node('Sub', ['norms', 'twiceDots'], ['partial']);
  node('TopK', ['partial', 'k'], ['values', 'indices'], { axis: attr.int(-1), largest: attr.int(0), sorted: attr.int(1) });
  g.outputs.push({ name: 'values', dtype: 'float32', shape: ['batch', candidates] });
  g.outputs.push({ name: 'indices', dtype: 'int64', shape: ['batch', candidates] });
  return g;
}
