/**
 * Graph -> ONNX bytes, for onnxruntime (runtime.ts) or for saving. Initializers are written as
 * raw_data; graph inputs and outputs carry their dtype and shape.
 */
import { GlassboxError } from '../../errors.js';
import type { AttrValue, DType, Dim, Graph, Node, TensorValue, ValueInfo } from './graph.js';
import { sizeOfShape } from './graph.js';
import { AttributeType, ModelProto, onnxDataType, toInt64 } from './onnx-schema.js';

export interface WriteOptions {
  /** ModelProto.ir_version; 8 by default (onnxruntime 1.30 reads up to 11). */
  irVersion?: number;
  /** Also write graph.values of intermediate values as value_info (off by default: ORT infers them). */
  valueInfo?: boolean;
  /** ModelProto.producer_name; "glassbox" by default. */
  producerName?: string;
}

/** Serialises a graph as an ONNX ModelProto. */
export function writeOnnx(graph: Graph, options: WriteOptions = {}): Uint8Array {
  const irVersion = options.irVersion ?? 8;
  const inputs = graph.inputs.map(valueInfo);
  // Before IR 4 initializers had to be listed as graph inputs too.
  if (irVersion < 4) {
    for (const [name, t] of graph.initializers) inputs.push(valueInfo({ name, dtype: t.dtype, shape: t.shape }));
  }
  const declared = new Set([...graph.inputs, ...graph.outputs].map((v) => v.name).concat([...graph.initializers.keys()]));
  const extraInfo = options.valueInfo ? [...graph.values.values()].filter((v) => !declared.has(v.name)).map(valueInfo) : [];

  // Nodes of other domains (com.microsoft...) need their domain imported too.
  const domains = [...new Set(graph.nodes.map((n) => n.domain).filter((d) => d !== ''))];
  const model = {
    ir_version: toInt64(irVersion),
    producer_name: options.producerName ?? 'glassbox',
    opset_import: [{ domain: '', version: toInt64(graph.opset) }, ...domains.map((domain) => ({ domain, version: toInt64(1) }))],
    graph: {
      name: graph.name,
      node: graph.nodes.map(nodeProto),
      initializer: [...graph.initializers].map(([name, t]) => tensorProto(t, name, `initializer '${name}'`)),
      input: inputs,
      output: graph.outputs.map(valueInfo),
      value_info: extraInfo,
    },
  };
  const message = ModelProto.fromObject(model);
  return ModelProto.encode(message).finish();
}

function valueInfo(v: ValueInfo): object {
  return {
    name: v.name,
    type: { tensor_type: { elem_type: onnxDataType(v.dtype), shape: { dim: v.shape.map(dimProto) } } },
  };
}

function dimProto(d: Dim): object {
  if (typeof d === 'number') return { dim_value: toInt64(d) };
  if (typeof d === 'string') return { dim_param: d };
  return {};
}

function nodeProto(n: Node): object {
  return {
    input: n.inputs,
    output: n.outputs,
    name: n.name,
    op_type: n.op,
    domain: n.domain,
    attribute: Object.entries(n.attrs).map(([name, a]) => attributeProto(name, a, n)),
  };
}

function attributeProto(name: string, a: AttrValue, n: Node): object {
  const utf8 = new TextEncoder();
  switch (a.type) {
    case 'int': return { name, type: AttributeType.INT, i: toInt64(a.value) };
    case 'float': return { name, type: AttributeType.FLOAT, f: a.value };
    case 'string': return { name, type: AttributeType.STRING, s: utf8.encode(a.value) };
    case 'ints': return { name, type: AttributeType.INTS, ints: a.value.map(toInt64) };
    case 'floats': return { name, type: AttributeType.FLOATS, floats: a.value };
    case 'strings': return { name, type: AttributeType.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case 'tensor': return { name, type: AttributeType.TENSOR, t: tensorProto(a.value, '', `attribute '${name}' of node '${n.name}' (${n.op})`) };
  }
}

const ITEM_BYTES: Record<DType, number> = { float32: 4, float64: 8, int64: 8, int32: 4, bool: 1, uint8: 1, int8: 1, float16: 2 };

/** A TensorProto with the data as little-endian raw_data. */
export function tensorProto(t: TensorValue, name: string, what = `tensor '${name}'`): object {
  const size = sizeOfShape(t.shape);
  if (t.data.length !== size) {
    throw new GlassboxError(`cannot write ${what}: its shape [${t.shape}] holds ${size} values but its data has ${t.data.length}`, 'this is a bug in whatever built the graph');
  }
  const item = ITEM_BYTES[t.dtype];
  if (t.data.BYTES_PER_ELEMENT !== item) {
    throw new GlassboxError(`cannot write ${what}: its dtype is ${t.dtype} but its data is a ${t.data.constructor.name}`, 'this is a bug in whatever built the graph');
  }
  return {
    name,
    dims: t.shape.map(toInt64),
    data_type: onnxDataType(t.dtype),
    raw_data: littleEndianBytes(t),
  };
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function littleEndianBytes(t: TensorValue): Uint8Array {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (LITTLE_ENDIAN_HOST || t.data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const item = t.data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += item) for (let j = 0; j < item; j++) out[i + j] = bytes[i + item - 1 - j];
  return out;
}
