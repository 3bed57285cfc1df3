/**
 * The ONNX protobuf schema (onnx/onnx.proto, IR version 10) for protobufjs, as a reflection JSON
 * descriptor: no .proto file to ship or parse at run time, no generated code. Field numbers and enum
 * values are copied from onnx.proto; field names keep its snake_case. Messages Glassbox never reads
 * (FunctionProto, TrainingInfoProto, SparseTensorProto, the non-tensor TypeProto variants) are still
 * declared so that models holding them decode, and so that their presence can be reported.
 */
import protobuf from 'protobufjs';
import type { DType } from './graph.js';

/** TensorProto.DataType. */
export const DataType = {
  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
  FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22,
} as const;

/** AttributeProto.AttributeType. */
export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8,
  TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

/** TensorProto.DataLocation. */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

const DTYPE_TO_ONNX: Record<DType, number> = {
  float32: DataType.FLOAT, float64: DataType.DOUBLE, int64: DataType.INT64, int32: DataType.INT32,
  bool: DataType.BOOL, uint8: DataType.UINT8, int8: DataType.INT8, float16: DataType.FLOAT16,
};

/** The ONNX data type number of a Glassbox dtype. */
export function onnxDataType(dtype: DType): number {
  return DTYPE_TO_ONNX[dtype];
}

/** The Glassbox dtype of an ONNX data type number, or undefined for types Glassbox does not handle. */
export function dtypeFromOnnx(dataType: number): DType | undefined {
  for (const [dtype, code] of Object.entries(DTYPE_TO_ONNX)) if (code === dataType) return dtype as DType;
  return undefined;
}

/** The ONNX name of a data type number ("FLOAT", "STRING", ...), for messages. */
export function dataTypeName(dataType: number): string {
  for (const [name, code] of Object.entries(DataType)) if (code === dataType) return name;
  return `data type ${dataType}`;
}

type FieldJson = { type: string; id: number; rule?: 'repeated'; options?: { packed: boolean } };
const opt = (type: string, id: number): FieldJson => ({ type, id });
const rep = (type: string, id: number): FieldJson => ({ type, id, rule: 'repeated' });
// proto2 repeated scalars are unpacked unless marked [packed = true], as TensorProto's *_data are.
const packed = (type: string, id: number): FieldJson => ({ type, id, rule: 'repeated', options: { packed: true } });

const descriptor = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: opt('string', 1), ref_attr_name: opt('string', 21), doc_string: opt('string', 13),
            type: opt('AttributeType', 20),
            f: opt('float', 2), i: opt('int64', 3), s: opt('bytes', 4), t: opt('TensorProto', 5),
            g: opt('GraphProto', 6), sparse_tensor: opt('SparseTensorProto', 22), tp: opt('TypeProto', 14),
            floats: rep('float', 7), ints: rep('int64', 8), strings: rep('bytes', 9),
            tensors: rep('TensorProto', 10), graphs: rep('GraphProto', 11),
            sparse_tensors: rep('SparseTensorProto', 23), type_protos: rep('TypeProto', 15),
          },
          nested: { AttributeType: { values: AttributeType } },
        },
        ValueInfoProto: {
          fields: {
            name: opt('string', 1), type: opt('TypeProto', 2), doc_string: opt('string', 3),
            metadata_props: rep('StringStringEntryProto', 4),
          },
        },
        NodeProto: {
          fields: {
            input: rep('string', 1), output: rep('string', 2), name: opt('string', 3), op_type: opt('string', 4),
            attribute: rep('AttributeProto', 5), doc_string: opt('string', 6), domain: opt('string', 7), overload: opt('string', 8),
            metadata_props: rep('StringStringEntryProto', 9),
          },
        },
        TrainingInfoProto: {
          fields: {
            initialization: opt('GraphProto', 1), algorithm: opt('GraphProto', 2),
            initialization_binding: rep('StringStringEntryProto', 3), update_binding: rep('StringStringEntryProto', 4),
          },
        },
        // Declared in field-number order, the order protobufjs writes them in (as protobuf C++ does).
        ModelProto: {
          fields: {
            ir_version: opt('int64', 1), producer_name: opt('string', 2), producer_version: opt('string', 3),
            domain: opt('string', 4), model_version: opt('int64', 5), doc_string: opt('string', 6), graph: opt('GraphProto', 7),
            opset_import: rep('OperatorSetIdProto', 8), metadata_props: rep('StringStringEntryProto', 14),
            training_info: rep('TrainingInfoProto', 20), functions: rep('FunctionProto', 25),
          },
        },
        StringStringEntryProto: { fields: { key: opt('string', 1), value: opt('string', 2) } },
        TensorAnnotation: {
          fields: { tensor_name: opt('string', 1), quant_parameter_tensor_names: rep('StringStringEntryProto', 2) },
        },
        GraphProto: {
          fields: {
            node: rep('NodeProto', 1), name: opt('string', 2), initializer: rep('TensorProto', 5), doc_string: opt('string', 10),
            input: rep('ValueInfoProto', 11), output: rep('ValueInfoProto', 12), value_info: rep('ValueInfoProto', 13),
            quantization_annotation: rep('TensorAnnotation', 14), sparse_initializer: rep('SparseTensorProto', 15),
            metadata_props: rep('StringStringEntryProto', 16),
          },
        },
        TensorProto: {
          fields: {
            dims: rep('int64', 1), data_type: opt('int32', 2), segment: opt('Segment', 3), float_data: packed('float', 4),
            int32_data: packed('int32', 5), string_data: rep('bytes', 6), int64_data: packed('int64', 7), name: opt('string', 8),
            raw_data: opt('bytes', 9), double_data: packed('double', 10), uint64_data: packed('uint64', 11),
            doc_string: opt('string', 12), external_data: rep('StringStringEntryProto', 13),
            data_location: opt('DataLocation', 14), metadata_props: rep('StringStringEntryProto', 16),
          },
          nested: {
            DataType: { values: DataType },
            Segment: { fields: { begin: opt('int64', 1), end: opt('int64', 2) } },
            DataLocation: { values: DataLocation },
          },
        },
        SparseTensorProto: {
          fields: { values: opt('TensorProto', 1), indices: opt('TensorProto', 2), dims: rep('int64', 3) },
        },
        TensorShapeProto: {
          fields: { dim: rep('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: { dim_value: opt('int64', 1), dim_param: opt('string', 2), denotation: opt('string', 3) },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensor_type', 'sequence_type', 'map_type', 'optional_type', 'sparse_tensor_type'] } },
          fields: {
            tensor_type: opt('Tensor', 1), sequence_type: opt('Sequence', 4), map_type: opt('Map', 5),
            optional_type: opt('Optional', 9), sparse_tensor_type: opt('SparseTensor', 8), denotation: opt('string', 6),
          },
          nested: {
            Tensor: { fields: { elem_type: opt('int32', 1), shape: opt('TensorShapeProto', 2) } },
            Sequence: { fields: { elem_type: opt('TypeProto', 1) } },
            Map: { fields: { key_type: opt('int32', 1), value_type: opt('TypeProto', 2) } },
            Optional: { fields: { elem_type: opt('TypeProto', 1) } },
            SparseTensor: { fields: { elem_type: opt('int32', 1), shape: opt('TensorShapeProto', 2) } },
          },
        },
        OperatorSetIdProto: { fields: { domain: opt('string', 1), version: opt('int64', 2) } },
        FunctionProto: {
          fields: {
            name: opt('string', 1), input: rep('string', 4), output: rep('string', 5), attribute: rep('string', 6),
            attribute_proto: rep('AttributeProto', 11), node: rep('NodeProto', 7), doc_string: opt('string', 8),
            opset_import: rep('OperatorSetIdProto', 9), domain: opt('string', 10), overload: opt('string', 13),
            value_info: rep('ValueInfoProto', 12), metadata_props: rep('StringStringEntryProto', 14),
          },
        },
      },
    },
  },
};

/** The protobufjs root holding the `onnx` package. */
export const onnxRoot: protobuf.Root = protobuf.Root.fromJSON(descriptor);

/** Message types, for `decode` / `encode` / `fromObject`. */
export const ModelProto: protobuf.Type = onnxRoot.lookupType('onnx.ModelProto');
export const GraphProto: protobuf.Type = onnxRoot.lookupType('onnx.GraphProto');
export const NodeProto: protobuf.Type = onnxRoot.lookupType('onnx.NodeProto');
export const TensorProto: protobuf.Type = onnxRoot.lookupType('onnx.TensorProto');
export const AttributeProto: protobuf.Type = onnxRoot.lookupType('onnx.AttributeProto');
export const ValueInfoProto: protobuf.Type = onnxRoot.lookupType('onnx.ValueInfoProto');

/**
 * How protobufjs hands over 64-bit integers: a Long (from the `long` package protobufjs bundles), or a
 * plain number when written by us. Only what we use of Long is declared.
 */
export interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toString(radix?: number): string;
  toNumber(): number;
}
export type Int64 = LongLike | number;

/** A 64-bit protobuf integer as a BigInt, exactly. */
export function int64ToBigInt(v: Int64 | null | undefined): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  return BigInt(v.toString());
}

/** A 64-bit protobuf integer as a number (exact up to 2^53; beyond, the nearest double). */
export function int64ToNumber(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

interface LongStatic {
  fromString(s: string, unsigned?: boolean): LongLike;
  fromNumber(n: number, unsigned?: boolean): LongLike;
}

/**
 * A value protobufjs writes as int64. Numbers go through Long.fromNumber, which saturates at
 * INT64_MAX/MIN: protobufjs's own number path wraps 2^63 (the INT64_MAX that exporters put in Slice
 * ends, read back as a double) round to INT64_MIN.
 */
export function toInt64(v: number | bigint): LongLike | number {
  const Long = (protobuf.util as unknown as { Long?: LongStatic }).Long;
  if (typeof v === 'bigint') {
    if (!Long) return Number(v);
    return Long.fromString(v.toString());
  }
  if (Number.isSafeInteger(v) || !Long) return v;
  return Long.fromNumber(v);
}

/* Plain shapes of the decoded messages (the parts Glassbox reads). Optional scalar fields hold their
 * default on the prototype when absent, so presence is tested with hasField(). */

export interface StringStringEntry { key: string; value: string }
export interface OperatorSetId { domain: string; version: Int64 }
export interface DimensionMsg { dim_value?: Int64; dim_param?: string; value?: 'dim_value' | 'dim_param' }
export interface TensorShapeMsg { dim: DimensionMsg[] }
export interface TypeMsg {
  tensor_type?: { elem_type: number; shape?: TensorShapeMsg } | null;
  value?: 'tensor_type' | 'sequence_type' | 'map_type' | 'optional_type' | 'sparse_tensor_type';
}
export interface ValueInfoMsg { name: string; type?: TypeMsg | null; doc_string?: string }
export interface TensorMsg {
  dims: Int64[];
  data_type: number;
  segment?: unknown;
  float_data: number[];
  int32_data: number[];
  string_data: Uint8Array[];
  int64_data: Int64[];
  name: string;
  raw_data: Uint8Array;
  external_data: StringStringEntry[];
  data_location: number;
  double_data: number[];
  uint64_data: Int64[];
}
export interface AttributeMsg {
  name: string;
  ref_attr_name?: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t?: TensorMsg | null;
  g?: unknown;
  sparse_tensor?: unknown;
  tp?: unknown;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: TensorMsg[];
  graphs: unknown[];
  sparse_tensors: unknown[];
  type_protos: unknown[];
}
export interface NodeMsg {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain: string;
  attribute: AttributeMsg[];
}
export interface GraphMsg {
  node: NodeMsg[];
  name: string;
  initializer: TensorMsg[];
  sparse_initializer: unknown[];
  input: ValueInfoMsg[];
  output: ValueInfoMsg[];
  value_info: ValueInfoMsg[];
}
export interface ModelMsg {
  ir_version: Int64;
  opset_import: OperatorSetId[];
  producer_name: string;
  producer_version: string;
  graph?: GraphMsg | null;
  functions: unknown[];
  training_info: unknown[];
}

/** Whether a decoded message carries a field (rather than its default). */
export function hasField(message: object, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, field);
}
