import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyGraph, type DType, type Dim, type Graph } from '../../../src/engines/native/graph.js';
import { ModelProto } from '../../../src/engines/native/onnx-schema.js';
import { writeOnnx } from '../../../src/engines/native/write.js';

const dir = mkdtempSync(join(tmpdir(), 'glassbox-tabular-onnx-'));

/** y = x . w + b as an ONNX file, over [batch, w.length] inputs of the given dtype and input shape. */
export function linearOnnx(file: string, w: number[], b: number, options: { dtype?: DType; inputShape?: Dim[]; outputName?: string } = {}): string {
  const dtype = options.dtype ?? 'float32';
  const g = emptyGraph('linear', 17);
  const inputShape = options.inputShape ?? ['batch', w.length];
  g.inputs.push({ name: 'x', dtype, shape: inputShape });
  const arr = (v: number[]) => (dtype === 'float64' ? Float64Array.from(v) : Float32Array.from(v));
  g.initializers.set('w', { dtype, shape: [w.length, 1], data: arr(w) });
  g.initializers.set('b', { dtype, shape: [1], data: arr([b]) });
  const out = options.outputName ?? 'y';
  g.nodes.push({ op: 'MatMul', domain: '', name: 'mm', inputs: ['x', 'w'], outputs: ['xw'], attrs: {} });
  g.nodes.push({ op: 'Add', domain: '', name: 'add', inputs: ['xw', 'b'], outputs: [out], attrs: {} });
  g.outputs.push({ name: out, dtype, shape: [inputShape[0], 1] });
  return save(file, writeOnnx(g));
}

/**
 * A binary "classifier" as sklearn-onnx writes it: label (int64 [N]) and, through a ZipMap,
 * probabilities as a list of {class: probability} maps. p(1) = sigmoid(x . w).
 */
export function zipmapOnnx(file: string, w: number[]): string {
  const g: Graph = emptyGraph('zipmap', 17);
  g.inputs.push({ name: 'float_input', dtype: 'float32', shape: ['N', w.length] });
  g.initializers.set('w', { dtype: 'float32', shape: [w.length, 1], data: Float32Array.from(w) });
  g.initializers.set('zero', { dtype: 'float32', shape: [1], data: Float32Array.of(0) });
  const n = (op: string, inputs: string[], outputs: string[], attrs = {}, domain = '') => g.nodes.push({ op, domain, name: `${outputs[0]}_node`, inputs, outputs, attrs });
  n('MatMul', ['float_input', 'w'], ['z']);
  n('Sigmoid', ['z'], ['p1']);
  n('Sub', ['zero', 'z'], ['negz']);
  n('Sigmoid', ['negz'], ['p0']);
  n('Concat', ['p0', 'p1'], ['probabilities'], { axis: { type: 'int', value: 1 } });
  n('ArgMax', ['probabilities'], ['label'], { axis: { type: 'int', value: 1 }, keepdims: { type: 'int', value: 0 } });
  n('ZipMap', ['probabilities'], ['output_probability'], { classlabels_int64s: { type: 'ints', value: [0, 1] } }, 'ai.onnx.ml');
  g.outputs.push({ name: 'output_label', dtype: 'int64', shape: ['N'] });
  n('Identity', ['label'], ['output_label']);
  g.outputs.push({ name: 'output_probability', dtype: 'float32', shape: ['N', 2] });
  // The ZipMap output is a sequence of maps, a type writeOnnx does not write: patch it in.
  const model = ModelProto.toObject(ModelProto.decode(writeOnnx(g))) as { graph: { output: { name: string; type: unknown }[] } };
  model.graph.output[1].type = { sequence_type: { elem_type: { map_type: { key_type: 7, value_type: { tensor_type: { elem_type: 1 } } } } } };
  return save(file, ModelProto.encode(ModelProto.fromObject(model)).finish());
}

export function save(file: string, bytes: Uint8Array | string): string {
  const path = join(dir, file);
  writeFileSync(path, bytes);
  return path;
}
