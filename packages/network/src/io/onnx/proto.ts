import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { OnnxExportError } from './errors.js';

/**
 * The ONNX schema as protobufjs types. `onnx.proto` beside this file is ONNX 1.12.0's own schema (the generated
 * `onnx/onnx.proto` of the release, as Debian's python3-onnx 1.12.0 ships it; Apache-2.0), read unchanged by
 * protobufjs with the proto's own snake_case field names. Models are written at IR version 8, the newest that ONNX
 * 1.12's checker accepts.
 */

/** IR version of the models fets writes (ONNX 1.12: IR 8, opsets up to 17). */
export const ONNX_IR_VERSION = 8;

/** `TensorProto.DataType` values fets uses. */
export const OnnxDataType = { FLOAT: 1, INT64: 7 } as const;
/** One of {@link OnnxDataType}. */
export type OnnxDataTypeValue = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** `AttributeProto.AttributeType` values fets uses. */
export const OnnxAttributeType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

/** A `TensorProto` with its data as little-endian `raw_data`. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  data_type: OnnxDataTypeValue;
  raw_data: Uint8Array;
  doc_string?: string;
}

/** An `AttributeProto` of one of the kinds in {@link OnnxAttributeType}. */
export interface OnnxAttribute {
  name: string;
  type: (typeof OnnxAttributeType)[keyof typeof OnnxAttributeType];
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}

/** A `NodeProto` of the default domain. */
export interface OnnxNode {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
}

/** A dimension: fixed (`dim_value`) or named and dynamic (`dim_param`). */
export type OnnxDim = { dim_value: number } | { dim_param: string };

/** A `ValueInfoProto` of a dense tensor. */
export interface OnnxValueInfo {
  name: string;
  type: { tensor_type: { elem_type: OnnxDataTypeValue; shape: { dim: OnnxDim[] } } };
  doc_string?: string;
}

/** A `GraphProto`. */
export interface OnnxGraph {
  name: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  doc_string?: string;
}

/** A `ModelProto` with the default-domain opset. */
export interface OnnxModel {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: OnnxGraph;
  metadata_props: { key: string; value: string }[];
}

let root: protobuf.Root | undefined;

/** Where `onnx.proto` is: beside this module in the sources, under `src/` when this module runs from `dist/`. */
function schemaPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'onnx.proto'), path.resolve(here, '..', '..', '..', 'src', 'io', 'onnx', 'onnx.proto')];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/**
 * The parsed ONNX schema (parsed once per process).
 *
 * @example
 * const ModelProto = onnxSchema().lookupType('onnx.ModelProto');
 */
export function onnxSchema(): protobuf.Root {
  root ??= protobuf.parse(readFileSync(schemaPath(), 'utf8'), { keepCase: true }).root;
  return root;
}

/**
 * Encodes a model as ONNX protobuf bytes (after protobufjs checks every field against the schema).
 *
 * @example
 * await writeFile('model.onnx', encodeOnnxModel(model));
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const type = onnxSchema().lookupType('onnx.ModelProto');
  const problem = type.verify(model);
  if (problem) throw new OnnxExportError('ModelProto', `does not fit the ONNX schema: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/**
 * Decodes ONNX protobuf bytes into a plain object (int64 fields as numbers, bytes as Uint8Array).
 *
 * @example
 * const model = decodeOnnxModel(await readFile('model.onnx'));
 * model.graph.input.map((i) => i.name); // ['input_ids', 'attention_mask', 'token_type_ids']
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  const type = onnxSchema().lookupType('onnx.ModelProto');
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false, arrays: true }) as OnnxModel;
}
