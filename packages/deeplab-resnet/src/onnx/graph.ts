/**
 * A small ONNX graph builder: nodes with typed attributes, constant and lazily written
 * initialisers, graph inputs and outputs. It checks as it goes that every node input is a
 * graph input, an initialiser or an earlier node's output (the graph is built in topological
 * order, as `GraphProto.node` must be), and that no value is produced twice.
 */
import {
  AttributeType,
  DataType,
  type AttributeMessage,
  type DimensionMessage,
  type GraphMessage,
  type NodeMessage,
  type ValueInfoMessage,
} from './proto';
import { writeFloat32LE, writeInt64LE, type RawInitializer } from './writer';

/** An attribute value: an integer (INT), a list of integers (INTS), a string (STRING), or `{ float }` (FLOAT). */
export type AttributeValue = number | readonly number[] | string | { float: number };

/** A dimension of a graph input or output: a size, a symbolic name, or `null` for unknown. */
export type Dim = number | string | null;

function attribute(name: string, value: AttributeValue): AttributeMessage {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`attribute ${name}: ${value} is not an integer (use { float })`);
    return { name, type: AttributeType.INT, i: value };
  }
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if (!value.every(Number.isSafeInteger)) throw new RangeError(`attribute ${name}: ${JSON.stringify(value)} are not all integers`);
  return { name, type: AttributeType.INTS, ints: [...value] };
}

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): ValueInfoMessage {
  const dim = dims.map((d): DimensionMessage => (d === null ? {} : typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
}

/** Builds a {@link GraphMessage} and its {@link RawInitializer}s. */
export class GraphBuilder {
  private readonly nodes: NodeMessage[] = [];
  private readonly inputs: ValueInfoMessage[] = [];
  private readonly outputs: ValueInfoMessage[] = [];
  private readonly valueInfos: ValueInfoMessage[] = [];
  private readonly initializers: RawInitializer[] = [];
  private readonly defined = new Set<string>();
  private readonly nodeNames = new Set<string>();

  constructor(private readonly name: string) {}

  private define(value: string): void {
    if (value === '') throw new Error('ONNX graph: empty value name');
    if (this.defined.has(value)) throw new Error(`ONNX graph: value ${value} is defined twice`);
    this.defined.add(value);
  }

  /** A float32 graph input. */
  input(name: string, dims: readonly Dim[]): string {
    this.define(name);
    this.inputs.push(valueInfo(name, DataType.FLOAT, dims));
    return name;
  }

  /** Declares an existing value a float32 graph output. */
  output(name: string, dims: readonly Dim[]): void {
    if (!this.defined.has(name)) throw new Error(`ONNX graph: output ${name} is never produced`);
    this.outputs.push(valueInfo(name, DataType.FLOAT, dims));
  }

  /** Declares the float32 type and (partial) shape of an inner value, for shape inference. */
  valueInfo(name: string, dims: readonly Dim[]): void {
    if (!this.defined.has(name)) throw new Error(`ONNX graph: value ${name} is never produced`);
    this.valueInfos.push(valueInfo(name, DataType.FLOAT, dims));
  }

  /** An initialiser whose raw bytes `write` produces when the model is serialised. */
  initializer(init: RawInitializer): string {
    this.define(init.name);
    this.initializers.push(init);
    return init.name;
  }

  /** A float32 initialiser filled by `values()` at serialisation time (called once). */
  floatTensor(name: string, dims: readonly number[], values: () => Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    return this.initializer({
      name,
      dims: [...dims],
      dataType: DataType.FLOAT,
      byteLength: size * 4,
      write: (target) => {
        const data = values();
        if (data.length !== size) throw new Error(`ONNX graph: ${name} has ${data.length} values for shape [${dims.join(',')}]`);
        writeFloat32LE(target, data);
      },
    });
  }

  /** A constant int64 tensor (1-D unless `dims` is given, e.g. `[]` for a scalar). */
  int64Tensor(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.initializer({
      name,
      dims: [...dims],
      dataType: DataType.INT64,
      byteLength: values.length * 8,
      write: (target) => writeInt64LE(target, values),
    });
  }

  /**
   * One node; returns its first output. Every input must exist already (`''` stands for an
   * omitted optional input).
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    name?: string,
  ): string {
    for (const input of inputs) {
      if (input !== '' && !this.defined.has(input))
        throw new Error(`ONNX graph: ${opType} node ${name ?? outputs[0]} reads ${input}, which is not defined yet`);
    }
    for (const output of outputs) this.define(output);
    const nodeName = name ?? outputs[0]!;
    if (this.nodeNames.has(nodeName)) throw new Error(`ONNX graph: node name ${nodeName} is used twice`);
    this.nodeNames.add(nodeName);
    const attribute_ = Object.entries(attributes).map(([key, value]) => attribute(key, value));
    this.nodes.push({
      input: [...inputs],
      output: [...outputs],
      name: nodeName,
      op_type: opType,
      ...(attribute_.length ? { attribute: attribute_ } : {}),
    });
    return outputs[0]!;
  }

  /** Whether a value name is taken. */
  has(name: string): boolean {
    return this.defined.has(name);
  }

  /** The graph (without initialisers) and its initialisers, for {@link serializeModel}. */
  build(docString?: string): { graph: GraphMessage; initializers: RawInitializer[] } {
    if (this.outputs.length === 0) throw new Error('ONNX graph: no outputs');
    const graph: GraphMessage = { node: this.nodes, name: this.name, input: this.inputs, output: this.outputs };
    if (this.valueInfos.length) graph.value_info = this.valueInfos;
    if (docString) graph.doc_string = docString;
    return { graph, initializers: this.initializers };
  }
}
