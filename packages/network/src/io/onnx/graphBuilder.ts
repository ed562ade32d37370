import { OnnxExportError } from './errors.js';
import {
  OnnxAttributeType,
  OnnxDataType,
  type OnnxAttribute,
  type OnnxDataTypeValue,
  type OnnxDim,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './proto.js';

/** An attribute value: a number is an INT when `Number.isInteger` and the key is not in `floats`, else a FLOAT. */
export type AttributeValue = number | number[] | string;

/** A dimension of a graph input or output: a fixed size, or the name of a dynamic axis. */
export type DimSpec = number | string;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The little-endian bytes of a typed array (a copy). */
function rawBytes(data: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(data.byteLength);
  if (LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return bytes;
  }
  const view = new DataView(bytes.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else data.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return bytes;
}

function valueInfo(name: string, elemType: OnnxDataTypeValue, dims: readonly DimSpec[]): OnnxValueInfo {
  const dim: OnnxDim[] = dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
}

/**
 * Collects the nodes, weights and constants of one ONNX graph, naming every value once. `node()` returns the name
 * of its output, so a graph reads as nested calls; names are path-like (`/encoder/layer.0/attention/MatMul`).
 *
 * @example
 * const g = new GraphBuilder();
 * const x = g.input('x', OnnxDataType.FLOAT, ['batch_size', 4]);
 * g.output(g.node('Relu', [x], {}, '/relu'), 'y', OnnxDataType.FLOAT, ['batch_size', 4]);
 * const graph = g.graph('tiny');
 */
export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();

  private claim(name: string): string {
    let unique = name;
    for (let n = 1; this.names.has(unique); n++) unique = `${name}_${n}`;
    this.names.add(unique);
    return unique;
  }

  /** Declares a graph input; returns its name. */
  input(name: string, elemType: OnnxDataTypeValue, dims: readonly DimSpec[]): string {
    if (this.names.has(name)) throw new OnnxExportError('GraphBuilder', `input "${name}": the name is taken`);
    this.names.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Makes `value` a graph output called `name` (through an Identity when the names differ). */
  output(value: string, name: string, elemType: OnnxDataTypeValue, dims: readonly DimSpec[]): void {
    const out = value === name ? value : this.node('Identity', [value], {}, `/${name}/Identity`, name);
    this.outputs.push(valueInfo(out, elemType, dims));
  }

  /** Adds a float32 initializer (a weight) with the given shape; returns its name. */
  weight(name: string, data: Float32Array, dims: readonly number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) {
      throw new OnnxExportError(name, `expected ${size} values for shape [${dims.join(', ')}], received ${data.length}`);
    }
    const unique = this.claim(name);
    this.initializers.push({ name: unique, dims: [...dims], data_type: OnnxDataType.FLOAT, raw_data: rawBytes(data) });
    return unique;
  }

  /** A float32 constant (a scalar, or a 1-D tensor for an array), shared between uses; returns its name. */
  float(value: number | readonly number[]): string {
    return this.constant('float', Array.isArray(value) ? [...value] : [value as number], Array.isArray(value));
  }

  /** An int64 constant (a scalar, or a 1-D tensor for an array), shared between uses; returns its name. */
  int64(value: number | readonly number[]): string {
    return this.constant('int64', Array.isArray(value) ? [...value] : [value as number], Array.isArray(value));
  }

  private constant(kind: 'float' | 'int64', values: number[], vector: boolean): string {
    const key = `${kind}:${vector ? 'v' : 's'}:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const label = values.map((v) => String(v).replace('-', 'm').replace('.', 'p').replace('+', '')).join('_');
    const name = this.claim(`/const/${kind}_${label}`.slice(0, 80));
    const dims = vector ? [values.length] : [];
    const data =
      kind === 'float' ? rawBytes(Float32Array.from(values)) : rawBytes(BigInt64Array.from(values.map((v) => BigInt(Math.trunc(v)))));
    this.initializers.push({ name, dims, data_type: kind === 'float' ? OnnxDataType.FLOAT : OnnxDataType.INT64, raw_data: data });
    this.constants.set(key, name);
    return name;
  }

  /**
   * Adds a node of the default domain and returns the name of its (first) output.
   *
   * @param opType operator, e.g. `MatMul`
   * @param inputs names of the input values
   * @param attributes integers, lists of integers, strings; keys listed in `floats` are FLOAT attributes
   * @param name node name (made unique); its output is named `${name}_output_0`
   * @param outputName explicit name of the output value
   */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue>,
    name: string,
    outputName?: string,
    floats: readonly string[] = [],
  ): string {
    const nodeName = this.claim(name);
    const output = outputName === undefined ? this.claim(`${nodeName}_output_0`) : this.claim(outputName);
    const attribute: OnnxAttribute[] = Object.entries(attributes).map(([key, v]): OnnxAttribute => {
      if (typeof v === 'string') return { name: key, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name: key, type: OnnxAttributeType.INTS, ints: v };
      if (floats.includes(key) || !Number.isInteger(v)) return { name: key, type: OnnxAttributeType.FLOAT, f: v };
      return { name: key, type: OnnxAttributeType.INT, i: v };
    });
    this.nodes.push({ name: nodeName, op_type: opType, input: [...inputs], output: [output], attribute });
    return output;
  }

  /** The graph so far. */
  graph(name: string, docString?: string): OnnxGraph {
    const g: OnnxGraph = {
      name,
      node: [...this.nodes],
      initializer: [...this.initializers],
      input: [...this.inputs],
      output: [...this.outputs],
    };
    if (docString !== undefined) g.doc_string = docString;
    return g;
  }
}
