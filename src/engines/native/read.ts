/**
 * ONNX bytes -> Graph. Every way a file can be wrong ends in a GlassboxError that says what is wrong
 * and what to do; protobufjs errors never escape raw.
 */
import { readFileSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { UsageError } from '../../errors.js';
import type { AttrValue, DType, Dim, Graph, Node, TensorData, TensorValue, ValueInfo } from './graph.js';
import { emptyGraph, sizeOfShape } from './graph.js';
import {
  AttributeType, DataLocation, ModelProto, dataTypeName, dtypeFromOnnx, hasField, int64ToBigInt, int64ToNumber,
  type AttributeMsg, type GraphMsg, type ModelMsg, type NodeMsg, type TensorMsg, type TypeMsg, type ValueInfoMsg,
} from './onnx-schema.js';

/** The default-domain opsets the native engine handles. */
export const MIN_OPSET = 7;
export const MAX_OPSET = 21;
/** Protobuf messages cannot exceed 2 GB; larger ONNX models keep their weights in external files. */
export const MAX_MODEL_BYTES = 2 ** 31 - 1;

const CONVERT_HINT = 'convert it with onnx.version_converter.convert_version(model, 17) in Python, or re-export the model with an opset between 7 and 21';

/** Reads an ONNX model file. */
export function readOnnxFile(path: string): Graph {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`${path}: no such file`, 'check the path of the ONNX model');
    if (code === 'EISDIR') throw new UsageError(`${path} is a directory, not an ONNX file`, 'give the path of the .onnx file');
    throw new UsageError(`${path} cannot be read (${code ?? String(e)})`, 'check the path and its permissions');
  }
  // Checked before reading, so a huge file is never loaded.
  if (size > MAX_MODEL_BYTES) throw tooLarge(path, size);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new UsageError(`${path} is a directory, not an ONNX file`, 'give the path of the .onnx file');
    throw new UsageError(`${path} cannot be read (${code ?? String(e)})`, 'check the path and its permissions');
  }
  return readOnnx(bytes, path);
}

function tooLarge(source: string, size: number): UsageError {
  return new UsageError(
    `${source} is ${(size / 2 ** 30).toFixed(1)} GB: a single ONNX protobuf cannot exceed 2 GB`,
    'save the model with its weights as external data; Glassbox does not read external data yet, so use a smaller model',
  );
}

/**
 * Parses ONNX model bytes. `source` names the model in error messages (a path, or "model" by default).
 */
export function readOnnx(bytes: Uint8Array, source = 'ONNX model'): Graph {
  if (bytes.byteLength > MAX_MODEL_BYTES) throw tooLarge(source, bytes.byteLength);
  if (bytes.byteLength === 0) throw new UsageError(`${source} is empty (0 bytes)`, 'give an .onnx model file');
  const other = sniffOtherFormat(bytes);
  if (other) throw new UsageError(`${source} is not an ONNX file: it looks like ${other.what}`, other.hint);

  let model: ModelMsg;
  try {
    model = ModelProto.decode(bytes) as unknown as ModelMsg;
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    const truncated = /index out of range/.test(detail);
    throw new UsageError(
      truncated
        ? `${source} is truncated or not an ONNX file: the protobuf data ends in the middle of a field (${detail})`
        : `${source} is not an ONNX file, or is corrupted: its bytes are not valid protobuf (${detail})`,
      truncated ? 'the file was cut short (an interrupted download or copy?): fetch it again' : 'give an .onnx model file (ONNX ModelProto)',
    );
  }
  return graphFromModel(model, source);
}

/** Tells common non-ONNX inputs apart, for a better message than "invalid wire type". */
function sniffOtherFormat(b: Uint8Array): { what: string; hint: string } | undefined {
  const starts = (...sig: number[]) => sig.every((v, i) => b[i] === v);
  const text = new TextDecoder().decode(b.subarray(0, 64)).trimStart();
  if (text.startsWith('{') || text.startsWith('[')) {
    return { what: 'JSON (a TF.js model.json?)', hint: 'load TF.js models with loadModel(); give the native engine an .onnx file' };
  }
  if (starts(0x89, 0x50, 0x4e, 0x47)) return { what: 'a PNG image', hint: 'give the model as an .onnx file, and the image as the input' };
  if (starts(0xff, 0xd8, 0xff)) return { what: 'a JPEG image', hint: 'give the model as an .onnx file, and the image as the input' };
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    return { what: 'a ZIP archive (a PyTorch .pt checkpoint?)', hint: 'export the model with torch.onnx.export() and give the .onnx file' };
  }
  if (starts(0x89, 0x48, 0x44, 0x46)) return { what: 'an HDF5 file (a Keras .h5 model?)', hint: 'convert it to ONNX with tf2onnx, or load it as a TF.js model' };
  if (starts(0x1f, 0x8b)) return { what: 'a gzip archive', hint: 'decompress it first' };
  if (starts(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) return { what: 'a NumPy .npy array', hint: 'give the model as an .onnx file, and the array as the input' };
  return undefined;
}

/** Graph inputs whose ValueInfo had no shape at all (unknown rank, which ValueInfo cannot say). */
const UNKNOWN_RANK = new WeakMap<Graph, Set<string>>();

/** The names of graph inputs read without a declared shape: shape inference needs theirs given. */
export function unknownRankInputs(graph: Graph): Set<string> {
  return UNKNOWN_RANK.get(graph) ?? new Set();
}

function graphFromModel(model: ModelMsg, source: string): Graph {
  const notOnnx = (why: string) =>
    new UsageError(`${source} is not an ONNX model: ${why}`, 'give an .onnx model file (ONNX ModelProto); if it is one, the file may be cut short: fetch it again');
  if (!hasField(model, 'ir_version')) throw notOnnx('it has no ir_version');
  const irVersion = int64ToNumber(model.ir_version);
  if (!model.graph) throw notOnnx('it has no graph');
  if (model.graph.node.length === 0 && model.graph.output.length === 0 && model.graph.input.length === 0) throw notOnnx('its graph is empty');

  // IR < 3 had no opset_import and meant opset 1.
  const defaultOpset = model.opset_import.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  const opset = defaultOpset ? int64ToNumber(defaultOpset.version) : irVersion < 3 ? 1 : 0;
  if (!defaultOpset && irVersion >= 3) {
    throw new UsageError(`${source} declares no opset for the default ONNX domain (opset_import is empty)`, 'the file may be cut short or was written by a broken exporter: re-export it');
  }
  if (opset < MIN_OPSET) {
    throw new UsageError(`${source} uses ONNX opset ${opset}; the native engine reads opsets ${MIN_OPSET} to ${MAX_OPSET}`, CONVERT_HINT);
  }
  if (opset > MAX_OPSET) {
    throw new UsageError(`${source} uses ONNX opset ${opset}, newer than the native engine knows (opsets ${MIN_OPSET} to ${MAX_OPSET})`, CONVERT_HINT);
  }
  if (model.functions.length > 0) {
    throw new UsageError(`${source} holds ${model.functions.length} model-local function(s), which the native engine does not support`, 'inline the functions when exporting (onnx.inliner.inline_local_functions)');
  }
  return convertGraph(model.graph, opset, source);
}

function convertGraph(g: GraphMsg, opset: number, source: string): Graph {
  const graph = emptyGraph(g.name || 'graph', opset);
  if (g.sparse_initializer.length > 0) {
    throw new UsageError(`${source} has sparse initializers, which the native engine does not read`, 'store the weights densely when exporting');
  }
  for (const t of g.initializer) {
    if (!t.name) throw new UsageError(`${source} has an initializer without a name`, 'the model is malformed: re-export it');
    if (graph.initializers.has(t.name)) throw new UsageError(`${source} has two initializers named '${t.name}'`, 'the model is malformed: re-export it');
    graph.initializers.set(t.name, readTensor(t, `initializer '${t.name}'`, source));
  }
  // Before IR 4 every initializer was also listed as a graph input; those are not real inputs.
  const unknownRank = new Set<string>();
  for (const v of g.input) {
    if (graph.initializers.has(v.name)) continue;
    graph.inputs.push(readValueInfo(v, 'input', source));
    if (!v.type?.tensor_type?.shape) unknownRank.add(v.name);
  }
  if (unknownRank.size > 0) UNKNOWN_RANK.set(graph, unknownRank);
  graph.outputs = g.output.map((v) => readValueInfo(v, 'output', source));
  if (graph.inputs.length === 0) {
    throw new UsageError(`${source} has a graph with no inputs: there is nothing to explain`, 'export the model with its input as a graph input (not an initializer or a constant)');
  }
  if (graph.outputs.length === 0) {
    throw new UsageError(`${source} has a graph with no outputs`, 'export the model with its output(s) declared as graph outputs');
  }

  const names = new Set<string>();
  const nodes = g.node.map((n, i) => readNode(n, i, source, names));
  graph.nodes = topoSort(nodes, graph, source);

  for (const v of [...graph.inputs, ...graph.outputs]) graph.values.set(v.name, v);
  for (const v of g.value_info) {
    const info = tryValueInfo(v);
    if (info && !graph.values.has(info.name)) graph.values.set(info.name, info);
  }
  return graph;
}

function readValueInfo(v: ValueInfoMsg, role: string, source: string): ValueInfo {
  const tensor = v.type?.tensor_type;
  if (!v.type || !tensor || (v.type.value && v.type.value !== 'tensor_type')) {
    throw new UsageError(`${source}: graph ${role} '${v.name}' is not a tensor (${v.type?.value ?? 'no type'})`, 'the native engine handles tensor inputs and outputs only');
  }
  const dtype = dtypeFromOnnx(tensor.elem_type);
  if (!dtype) {
    throw new UsageError(`${source}: graph ${role} '${v.name}' has data type ${dataTypeName(tensor.elem_type)}, which the native engine does not handle`, 'use float32 inputs and outputs (cast inside the model if needed)');
  }
  return { name: v.name, dtype, shape: readShape(v.type) };
}

function tryValueInfo(v: ValueInfoMsg): ValueInfo | undefined {
  const dtype = v.type?.tensor_type ? dtypeFromOnnx(v.type.tensor_type.elem_type) : undefined;
  return dtype && v.type ? { name: v.name, dtype, shape: readShape(v.type) } : undefined;
}

function readShape(type: TypeMsg): Dim[] {
  const shape = type.tensor_type?.shape;
  if (!shape) return [];
  return shape.dim.map((d): Dim => {
    if (hasField(d, 'dim_value')) return int64ToNumber(d.dim_value);
    if (hasField(d, 'dim_param') && d.dim_param) return d.dim_param;
    return null;
  });
}

function readNode(n: NodeMsg, index: number, source: string, names: Set<string>): Node {
  // Nameless nodes get one, so that messages (ours and onnxruntime's) can point at them.
  let name = n.name || `${n.op_type}_${index}`;
  while (names.has(name)) name = `${name}_${index}`;
  names.add(name);
  const attrs: Record<string, AttrValue> = {};
  for (const a of n.attribute) attrs[a.name] = readAttribute(a, name, n.op_type, source);
  return { op: n.op_type, domain: n.domain === 'ai.onnx' ? '' : n.domain ?? '', name, inputs: [...n.input], outputs: [...n.output], attrs };
}

function readAttribute(a: AttributeMsg, nodeName: string, op: string, source: string): AttrValue {
  const where = `attribute '${a.name}' of node '${nodeName}' (${op})`;
  if (a.ref_attr_name) throw new UsageError(`${source}: ${where} refers to a function attribute`, 'the native engine does not support ONNX functions');
  // IR 1 had no type field: the set field tells the type.
  let type = a.type;
  if (!type) {
    if (hasField(a, 'f')) type = AttributeType.FLOAT;
    else if (hasField(a, 'i')) type = AttributeType.INT;
    else if (hasField(a, 's')) type = AttributeType.STRING;
    else if (a.t) type = AttributeType.TENSOR;
    else if (a.g) type = AttributeType.GRAPH;
    else if (a.floats.length) type = AttributeType.FLOATS;
    else if (a.ints.length) type = AttributeType.INTS;
    else if (a.strings.length) type = AttributeType.STRINGS;
    else if (a.tensors.length) type = AttributeType.TENSORS;
    else if (a.graphs.length) type = AttributeType.GRAPHS;
  }
  const utf8 = new TextDecoder();
  switch (type) {
    case AttributeType.FLOAT: return { type: 'float', value: a.f };
    case AttributeType.INT: return { type: 'int', value: int64ToNumber(a.i) };
    case AttributeType.STRING: return { type: 'string', value: utf8.decode(a.s) };
    case AttributeType.FLOATS: return { type: 'floats', value: [...a.floats] };
    case AttributeType.INTS: return { type: 'ints', value: a.ints.map(int64ToNumber) };
    case AttributeType.STRINGS: return { type: 'strings', value: a.strings.map((s) => utf8.decode(s)) };
    case AttributeType.TENSOR:
      if (!a.t) throw new UsageError(`${source}: ${where} is a tensor attribute without a tensor`, 'the model is malformed: re-export it');
      return { type: 'tensor', value: readTensor(a.t, where, source) };
    case AttributeType.GRAPH:
    case AttributeType.GRAPHS:
      throw new UsageError(`${source}: node '${nodeName}' (${op}) has a subgraph (control flow: If, Loop, Scan), which the native engine does not support`, 'export the model without data-dependent control flow (trace it with fixed shapes)');
    case AttributeType.UNDEFINED:
      throw new UsageError(`${source}: ${where} has no value`, 'the model is malformed: re-export it');
    default:
      throw new UsageError(`${source}: ${where} has attribute type ${type}, which the native engine does not support`, 'the native engine reads int, float, string and tensor attributes (and lists of the first three)');
  }
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

const ITEM_BYTES: Record<DType, number> = { float32: 4, float64: 8, int64: 8, int32: 4, bool: 1, uint8: 1, int8: 1, float16: 2 };

/** A TensorProto as a TensorValue, from raw_data (little-endian) or the typed *_data fields. */
export function readTensor(t: TensorMsg, what: string, source: string): TensorValue {
  if (t.data_location === DataLocation.EXTERNAL || t.external_data.length > 0) {
    const location = t.external_data.find((e) => e.key === 'location')?.value;
    throw new UsageError(
      `${source}: ${what} keeps its data in an external file${location ? ` ('${location}')` : ''}, which the native engine does not read`,
      'save the model with its weights inside the .onnx file: onnx.save_model(model, path, save_as_external_data=False) (models under 2 GB)',
    );
  }
  if (t.segment) throw new UsageError(`${source}: ${what} is stored in segments`, 'save the model with whole tensors');
  const dtype = dtypeFromOnnx(t.data_type);
  if (!dtype) {
    throw new UsageError(`${source}: ${what} has data type ${dataTypeName(t.data_type)}, which the native engine does not handle`, 'the native engine handles float32/64, float16, int8/32/64, uint8 and bool tensors');
  }
  const shape = t.dims.map(int64ToNumber);
  if (shape.some((d) => d < 0 || !Number.isSafeInteger(d))) throw new UsageError(`${source}: ${what} has an invalid shape [${shape}]`, 'the model is malformed: re-export it');
  const size = sizeOfShape(shape);
  const bad = (got: number, field: string) =>
    new UsageError(`${source}: ${what} has shape [${shape}] (${size} values) but ${got} values in ${field}`, 'the model is malformed or cut short: re-export it');

  if (hasField(t, 'raw_data')) {
    const raw = t.raw_data;
    const item = ITEM_BYTES[dtype];
    if (raw.byteLength !== size * item) throw bad(raw.byteLength / item, 'raw_data');
    return { dtype, shape, data: fromLittleEndian(raw, dtype, size) };
  }
  let data: TensorData;
  let count: number;
  switch (dtype) {
    case 'float32': count = t.float_data.length; data = Float32Array.from(t.float_data); break;
    case 'float64': count = t.double_data.length; data = Float64Array.from(t.double_data); break;
    case 'int64': count = t.int64_data.length; data = BigInt64Array.from(t.int64_data, int64ToBigInt); break;
    case 'int32': count = t.int32_data.length; data = Int32Array.from(t.int32_data); break;
    case 'int8': count = t.int32_data.length; data = Int8Array.from(t.int32_data); break;
    case 'uint8': case 'bool': count = t.int32_data.length; data = Uint8Array.from(t.int32_data); break;
    case 'float16': count = t.int32_data.length; data = Uint16Array.from(t.int32_data); break;
  }
  if (count !== size) throw bad(count, dtype === 'float32' ? 'float_data' : dtype === 'float64' ? 'double_data' : dtype === 'int64' ? 'int64_data' : 'int32_data');
  return { dtype, shape, data };
}

/** Copies little-endian bytes into a fresh, aligned typed array. */
function fromLittleEndian(raw: Uint8Array, dtype: DType, size: number): TensorData {
  const buffer = new ArrayBuffer(raw.byteLength);
  new Uint8Array(buffer).set(raw);
  if (!LITTLE_ENDIAN_HOST && ITEM_BYTES[dtype] > 1) return swapFromLittleEndian(buffer, dtype, size);
  switch (dtype) {
    case 'float32': return new Float32Array(buffer);
    case 'float64': return new Float64Array(buffer);
    case 'int64': return new BigInt64Array(buffer);
    case 'int32': return new Int32Array(buffer);
    case 'int8': return new Int8Array(buffer);
    case 'uint8': case 'bool': return new Uint8Array(buffer);
    case 'float16': return new Uint16Array(buffer);
  }
}

function swapFromLittleEndian(buffer: ArrayBuffer, dtype: DType, size: number): TensorData {
  const view = new DataView(buffer);
  switch (dtype) {
    case 'float32': return Float32Array.from({ length: size }, (_, i) => view.getFloat32(4 * i, true));
    case 'float64': return Float64Array.from({ length: size }, (_, i) => view.getFloat64(8 * i, true));
    case 'int64': return BigInt64Array.from({ length: size }, (_, i) => view.getBigInt64(8 * i, true));
    case 'int32': return Int32Array.from({ length: size }, (_, i) => view.getInt32(4 * i, true));
    case 'float16': return Uint16Array.from({ length: size }, (_, i) => view.getUint16(2 * i, true));
    default: return new Uint8Array(buffer);
  }
}

/**
 * Orders nodes so every value is produced before it is used (ONNX requires it, some exporters do not
 * comply), and checks that every input is produced exactly once somewhere.
 */
function topoSort(nodes: Node[], graph: Graph, source: string): Node[] {
  const inputNames = new Set(graph.inputs.map((v) => v.name));
  const known = (name: string) => name === '' || graph.initializers.has(name) || inputNames.has(name);
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      if (!o) continue;
      if (producer.has(o) || known(o)) {
        throw new UsageError(`${source}: value '${o}' is produced twice (by node '${n.name}' and another)`, 'the model is malformed: re-export it');
      }
      producer.set(o, i);
    }
  });
  for (const n of nodes) {
    for (const i of n.inputs) {
      if (!known(i) && !producer.has(i)) {
        throw new UsageError(`${source}: node '${n.name}' (${n.op}) reads '${i}', which no node, input or initializer provides`, 'the model is malformed or cut short: re-export it');
      }
    }
  }
  for (const o of graph.outputs) {
    if (!known(o.name) && !producer.has(o.name)) {
      throw new UsageError(`${source}: graph output '${o.name}' is not produced by any node`, 'the model is malformed: re-export it');
    }
  }
  const inOrder = nodes.every((n, i) => n.inputs.every((v) => known(v) || producer.get(v)! < i));
  if (inOrder) return nodes;

  // Kahn's algorithm, taking ready nodes in file order (iterative: graphs can be deep).
  const pending = nodes.map((n) => new Set(n.inputs.filter((v) => !known(v)).map((v) => producer.get(v)!)).size);
  const users = nodes.map((): number[] => []);
  nodes.forEach((n, i) => {
    for (const p of new Set(n.inputs.filter((v) => !known(v)).map((v) => producer.get(v)!))) users[p].push(i);
  });
  const ready = nodes.map((_, i) => i).filter((i) => pending[i] === 0);
  const order: Node[] = [];
  for (let k = 0; k < ready.length; k++) {
    const i = ready[k];
    order.push(nodes[i]);
    for (const u of users[i]) if (--pending[u] === 0) ready.push(u);
  }
  if (order.length < nodes.length) {
    const stuck = nodes.find((_, i) => pending[i] > 0)!;
    throw new UsageError(`${source}: the graph has a cycle through node '${stuck.name}' (${stuck.op})`, 'the model is malformed: re-export it');
  }
  return order;
}
