/**
 * The part of ONNX's `onnx.proto` (package `onnx`, proto2) that a model file of this package
 * uses, as a protobufjs reflection schema: field names and numbers as onnx.proto defines them.
 * Enums are written as their int32 values (the same varint on the wire).
 */
import protobuf from 'protobufjs/light.js';

/** `TensorProto.DataType` values used here. */
export const DataType = { FLOAT: 1, INT64: 7 } as const;

/** `AttributeProto.AttributeType` values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** IR version 8 (ONNX 1.10–1.12), the one opset 17 was released with. */
export const IR_VERSION = 8;

/** The default ONNX operator set this package writes. */
export const OPSET_VERSION = 17;

/** `TensorShapeProto.Dimension`: a fixed size or a symbolic name (neither = unknown). */
export interface DimensionMessage {
  dim_value?: number;
  dim_param?: string;
}

/** `TypeProto` with a tensor type. */
export interface TypeMessage {
  tensor_type: { elem_type: number; shape?: { dim: DimensionMessage[] } };
}

/** `ValueInfoProto`. */
export interface ValueInfoMessage {
  name: string;
  type?: TypeMessage;
  doc_string?: string;
}

/** `TensorProto` (dims, type, name; the data goes in `raw_data`). */
export interface TensorMessage {
  dims: number[];
  data_type: number;
  name: string;
  raw_data?: Uint8Array;
  doc_string?: string;
}

/** `AttributeProto`: `type` says which one value field is set. */
export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMessage;
  floats?: number[];
  ints?: number[];
}

/** `NodeProto`. */
export interface NodeMessage {
  input: string[];
  output: string[];
  name?: string;
  op_type: string;
  domain?: string;
  attribute?: AttributeMessage[];
  doc_string?: string;
}

/** `GraphProto`. */
export interface GraphMessage {
  node: NodeMessage[];
  name: string;
  initializer?: TensorMessage[];
  doc_string?: string;
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
  value_info?: ValueInfoMessage[];
}

/** `StringStringEntryProto`. */
export interface StringStringEntry {
  key: string;
  value: string;
}

/** `OperatorSetIdProto`. */
export interface OperatorSetIdMessage {
  domain: string;
  version: number;
}

/** `ModelProto`. */
export interface ModelMessage {
  ir_version: number;
  opset_import: OperatorSetIdMessage[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph?: GraphMessage;
  metadata_props?: StringStringEntry[];
}

/** Field numbers this package writes by hand around protobufjs (see `./writer.ts`). */
export const FieldNumber = {
  /** `ModelProto.graph`. */
  modelGraph: 7,
  /** `ModelProto.metadata_props`. */
  modelMetadataProps: 14,
  /** `GraphProto.initializer`. */
  graphInitializer: 5,
  /** `TensorProto.raw_data`. */
  tensorRawData: 9,
} as const;

type FieldsJson = Record<string, { type: string; id: number; rule?: 'repeated' }>;

const opt = (type: string, id: number) => ({ type, id });
const rep = (type: string, id: number) => ({ type, id, rule: 'repeated' as const });

/** The messages, as a protobufjs JSON descriptor (proto2 field rules: optional unless repeated). */
const SCHEMA: Record<
  string,
  { fields: FieldsJson; nested?: Record<string, { fields: FieldsJson; oneofs?: Record<string, { oneof: string[] }> }> }
> = {
  AttributeProto: {
    fields: {
      name: opt('string', 1),
      ref_attr_name: opt('string', 21),
      doc_string: opt('string', 13),
      type: opt('int32', 20),
      f: opt('float', 2),
      i: opt('int64', 3),
      s: opt('bytes', 4),
      t: opt('TensorProto', 5),
      g: opt('GraphProto', 6),
      floats: rep('float', 7),
      ints: rep('int64', 8),
      strings: rep('bytes', 9),
      tensors: rep('TensorProto', 10),
      graphs: rep('GraphProto', 11),
    },
  },
  ValueInfoProto: { fields: { name: opt('string', 1), type: opt('TypeProto', 2), doc_string: opt('string', 3) } },
  NodeProto: {
    fields: {
      input: rep('string', 1),
      output: rep('string', 2),
      name: opt('string', 3),
      op_type: opt('string', 4),
      domain: opt('string', 7),
      attribute: rep('AttributeProto', 5),
      doc_string: opt('string', 6),
    },
  },
  ModelProto: {
    fields: {
      ir_version: opt('int64', 1),
      opset_import: rep('OperatorSetIdProto', 8),
      producer_name: opt('string', 2),
      producer_version: opt('string', 3),
      domain: opt('string', 4),
      model_version: opt('int64', 5),
      doc_string: opt('string', 6),
      graph: opt('GraphProto', 7),
      metadata_props: rep('StringStringEntryProto', 14),
    },
  },
  StringStringEntryProto: { fields: { key: opt('string', 1), value: opt('string', 2) } },
  GraphProto: {
    fields: {
      node: rep('NodeProto', 1),
      name: opt('string', 2),
      initializer: rep('TensorProto', 5),
      doc_string: opt('string', 10),
      input: rep('ValueInfoProto', 11),
      output: rep('ValueInfoProto', 12),
      value_info: rep('ValueInfoProto', 13),
    },
  },
  TensorProto: {
    fields: {
      dims: rep('int64', 1),
      data_type: opt('int32', 2),
      float_data: rep('float', 4),
      int32_data: rep('int32', 5),
      int64_data: rep('int64', 7),
      name: opt('string', 8),
      doc_string: opt('string', 12),
      raw_data: opt('bytes', 9),
      data_location: opt('int32', 14),
    },
  },
  TensorShapeProto: {
    fields: { dim: rep('Dimension', 1) },
    nested: {
      Dimension: {
        fields: { dim_value: opt('int64', 1), dim_param: opt('string', 2), denotation: opt('string', 3) },
        oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
      },
    },
  },
  TypeProto: {
    fields: { tensor_type: opt('Tensor', 1), denotation: opt('string', 6) },
    nested: { Tensor: { fields: { elem_type: opt('int32', 1), shape: opt('TensorShapeProto', 2) } } },
  },
  OperatorSetIdProto: { fields: { domain: opt('string', 1), version: opt('int64', 2) } },
};

/** The protobufjs types of the ONNX messages. */
export interface OnnxTypes {
  ModelProto: protobuf.Type;
  StringStringEntryProto: protobuf.Type;
  GraphProto: protobuf.Type;
  NodeProto: protobuf.Type;
  TensorProto: protobuf.Type;
  ValueInfoProto: protobuf.Type;
}

let types: OnnxTypes | undefined;

/** The ONNX message types (built once, on first use). */
export function onnxTypes(): OnnxTypes {
  if (!types) {
    const root = protobuf.Root.fromJSON({ nested: { onnx: { nested: SCHEMA } } });
    root.resolveAll();
    const type = (name: string) => root.lookupType(`onnx.${name}`);
    types = {
      ModelProto: type('ModelProto'),
      StringStringEntryProto: type('StringStringEntryProto'),
      GraphProto: type('GraphProto'),
      NodeProto: type('NodeProto'),
      TensorProto: type('TensorProto'),
      ValueInfoProto: type('ValueInfoProto'),
    };
  }
  return types;
}

/** Encodes one message with its type (`fromObject` first, so plain objects and numbers for int64 work). */
export function encodeMessage(type: protobuf.Type, message: object): Uint8Array {
  return type.encode(type.fromObject(message)).finish();
}

/** Decodes a whole ONNX model (e.g. to read back its metadata); int64s as numbers, bytes as Uint8Array views. */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  const { ModelProto } = onnxTypes();
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: false, arrays: true }) as ModelMessage;
}
