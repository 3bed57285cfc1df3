/**
 * Runs a Graph on onnxruntime-node's CPU provider. The graph is written to ONNX bytes in memory
 * (write.ts); ORT's errors come back as GlassboxErrors naming the model and, where ORT says it, the node.
 */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GlassboxError, UsageError } from '../../errors.js';
import type { DType, Graph, TensorData, TensorValue, ValueInfo } from './graph.js';
import { sizeOfShape } from './graph.js';
import { writeOnnx } from './write.js';

export interface SessionOptions {
  /** Threads for one op (intraOpNumThreads); 2 by default. */
  threads?: number;
  /**
   * Let idle pool threads spin-wait for the next op (onnxruntime's default). Off by default: a model
   * runs several sessions in turn (forward, gradients, a folded path), and a pool spinning after its
   * run takes a core from the next session's run, ~10 ms a switch here on two cores.
   */
  spinning?: boolean;
  /** Write an ORT profile (chrome://tracing JSON) to the OS temp directory; its path is in `profileFile` after release(). */
  profile?: boolean;
}

/**
 * Ops onnxruntime-node 1.30's CPU provider runs in float64 (double), as test/engines/native/io.test.ts
 * checks. Pooling aside from MaxPool, and Conv, have float32 kernels only: see FLOAT32_ONLY_OPS.
 */
export const FLOAT64_OPS: readonly string[] = [
  'Abs', 'Add', 'ArgMax', 'BatchNormalization', 'Cast', 'Ceil', 'Clip', 'Concat', 'ConstantOfShape', 'Cos', 'CumSum', 'Div',
  'Dropout', 'Einsum', 'Equal', 'Exp', 'Expand', 'Flatten', 'Floor', 'Gather', 'GatherElements', 'Gemm', 'Greater', 'Identity',
  'LayerNormalization', 'LeakyRelu', 'Less', 'Log', 'LogSoftmax', 'MatMul', 'Max', 'MaxPool', 'Min', 'Mul', 'Neg', 'Pad', 'Pow',
  'PRelu', 'Reciprocal', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd', 'ReduceSum', 'Relu', 'Reshape', 'Round',
  'ScatterElements', 'ScatterND', 'Shape', 'Sigmoid', 'Sign', 'Sin', 'Slice', 'Softmax', 'Split', 'Sqrt', 'Squeeze', 'Sub',
  'Sum', 'Tanh', 'Tile', 'TopK', 'Transpose', 'Unsqueeze', 'Where',
];

/** Ops whose CPU kernels take float32 but not float64 ("Could not find an implementation" for double). */
export const FLOAT32_ONLY_OPS: readonly string[] = [
  'AveragePool', 'Conv', 'ConvTranspose', 'Elu', 'Erf', 'Gelu', 'GlobalAveragePool', 'GlobalMaxPool', 'HardSigmoid',
  'InstanceNormalization', 'LRN', 'MaxUnpool', 'Mean', 'Resize', 'Selu', 'Softplus',
];

const ORT_TYPES: Record<DType, ort.Tensor.Type> = {
  float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', bool: 'bool', uint8: 'uint8', int8: 'int8', float16: 'float16',
};

const DATA_TYPES: Record<DType, new (n: number) => TensorData> = {
  float32: Float32Array, float64: Float64Array, int64: BigInt64Array, int32: Int32Array, bool: Uint8Array, uint8: Uint8Array, int8: Int8Array, float16: Uint16Array,
};

export class OnnxSession {
  readonly inputNames: string[];
  readonly outputNames: string[];
  /** Where the profile went, once release() has ended profiling (with `profile: true`). */
  profileFile: string | undefined;
  private released = false;
  /** The inputs as created: callers may go on editing the graph (autodiff does). */
  private readonly inputs: ValueInfo[];

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly graph: Pick<Graph, 'name' | 'nodes'>,
    /** The profile file name prefix, when profiling. */
    private readonly profilePrefix: string | undefined,
    inputs: ValueInfo[],
  ) {
    this.inputNames = [...session.inputNames];
    this.outputNames = [...session.outputNames];
    this.inputs = inputs.map((v) => ({ ...v, shape: [...v.shape] }));
  }

  static async create(graph: Graph, options: SessionOptions = {}): Promise<OnnxSession> {
    const threads = options.threads ?? 2;
    if (!Number.isInteger(threads) || threads < 1) throw new UsageError(`threads must be a positive integer, got ${threads}`, 'pass threads: 1 or more');
    const bytes = writeOnnx(graph);
    const profilePrefix = options.profile ? `glassbox-ort-${process.pid}-${++sessionCounter}` : undefined;
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        executionProviders: ['cpu'],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        enableProfiling: profilePrefix !== undefined,
        ...(profilePrefix ? { profileFilePrefix: join(tmpdir(), profilePrefix) } : {}),
        // Warnings (e.g. unused initializers) would go to stderr on every session; errors are thrown anyway.
        logSeverityLevel: 3,
        extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
      });
    } catch (e) {
      throw ortError(e, graph, 'load');
    }
    return new OnnxSession(session, { name: graph.name, nodes: [...graph.nodes] }, profilePrefix, graph.inputs);
  }

  /** Runs the graph; returns the requested outputs (all graph outputs by default). */
  async run(feeds: Record<string, TensorValue>, outputs?: string[]): Promise<Record<string, TensorValue>> {
    if (this.released) throw new UsageError(`the session for model '${this.graph.name}' was released`, 'create a new OnnxSession');
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of Object.keys(feeds)) {
      if (!this.inputNames.includes(name)) {
        throw new UsageError(`model '${this.graph.name}' has no input '${name}'`, `its inputs are: ${this.inputNames.join(', ')}`);
      }
    }
    for (const input of this.inputs) {
      const t = feeds[input.name];
      if (!t) throw new UsageError(`input '${input.name}' of model '${this.graph.name}' is missing`, `feed every input: ${this.inputNames.join(', ')}`);
      if (t.dtype !== input.dtype) {
        throw new UsageError(`input '${input.name}' of model '${this.graph.name}' must be ${input.dtype}, got ${t.dtype}`, `convert the tensor to ${input.dtype}`);
      }
      const fits = t.shape.length === input.shape.length && input.shape.every((d, i) => typeof d !== 'number' || d === t.shape[i]);
      if (!fits) {
        throw new UsageError(
          `input '${input.name}' of model '${this.graph.name}' must have shape [${input.shape.map((d) => d ?? '?')}], got [${t.shape}]`,
          'reshape the input to the model\'s input shape',
        );
      }
      if (!(t.data instanceof DATA_TYPES[t.dtype])) {
        throw new UsageError(`input '${input.name}': a ${t.dtype} tensor needs a ${DATA_TYPES[t.dtype].name}, got a ${t.data.constructor.name}`, `store the data in a ${DATA_TYPES[t.dtype].name}`);
      }
      if (t.data.length !== sizeOfShape(t.shape)) {
        throw new UsageError(`input '${input.name}': shape [${t.shape}] holds ${sizeOfShape(t.shape)} values but the data has ${t.data.length}`, 'give data matching the shape');
      }
      ortFeeds[input.name] = new ort.Tensor(ORT_TYPES[t.dtype], t.data as ort.Tensor.DataTypeMap[ort.Tensor.Type], t.shape);
    }
    const fetches = outputs ?? this.outputNames;
    for (const name of fetches) {
      if (!this.outputNames.includes(name)) {
        throw new UsageError(`model '${this.graph.name}' has no output '${name}'`, `its outputs are: ${this.outputNames.join(', ')}`);
      }
    }
    let results: ort.InferenceSession.ReturnType;
    try {
      // ORT would also log the failure to stderr; it is thrown (and wrapped) instead.
      results = await this.session.run(ortFeeds, fetches, { logSeverityLevel: 4 });
    } catch (e) {
      throw ortError(e, this.graph, 'run');
    }
    const out: Record<string, TensorValue> = {};
    for (const name of fetches) out[name] = fromOrt(results[name], name);
    return out;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.profilePrefix) this.session.endProfiling();
    await this.session.release();
    if (this.profilePrefix) {
      // ORT appends a timestamp to the prefix and does not return the path: find the file.
      const name = readdirSync(tmpdir()).find((f) => f.startsWith(`${this.profilePrefix}_`) && f.endsWith('.json'));
      this.profileFile = name ? join(tmpdir(), name) : undefined;
    }
  }
}

let sessionCounter = 0;

function fromOrt(t: ort.Tensor, name: string): TensorValue {
  const dtypes: Partial<Record<string, DType>> = {
    float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', bool: 'bool', uint8: 'uint8', int8: 'int8', float16: 'float16',
  };
  const dtype = dtypes[t.type];
  if (!dtype) throw new GlassboxError(`output '${name}' has type ${t.type}, which Glassbox does not handle`, 'cast the output to float32 in the model');
  return { dtype, shape: [...t.dims], data: t.data as TensorData };
}

/**
 * Turns an ORT exception into a GlassboxError. ORT's messages look like
 * "Non-zero status code returned while running Conv node. Name:'conv1' Status Message: ..." or
 * "[ONNXRuntimeError] : 1 : FAIL : Load model from ... failed:Node (conv1) Op (Conv) [ShapeInferenceError] ...".
 */
export function ortError(e: unknown, graph: Pick<Graph, 'name' | 'nodes'>, stage: 'load' | 'run'): GlassboxError {
  const message = (e instanceof Error ? e.message : String(e)).trim();
  let where = '';
  const running = /while running (\w+) node\. Name:'([^']*)'/.exec(message);
  const loading = /Node \(([^)]*)\) Op \((\w+)\)/.exec(message) ?? /Node:([^ ]+) Op:(\w+)/.exec(message);
  if (running) where = ` at node '${running[2]}' (${running[1]})`;
  else if (loading) where = ` at node '${loading[1]}' (${loading[2]})`;
  else {
    // Fall back to any node name of the graph ORT mentions.
    const named = graph.nodes.find((n) => n.name && message.includes(`'${n.name}'`));
    if (named) where = ` at node '${named.name}' (${named.op})`;
  }
  const detail = message.replace(/^\[ONNXRuntimeError\] : \d+ : \w+ : /, '');
  const verb = stage === 'load' ? 'could not load' : 'failed running';
  return new GlassboxError(
    `onnxruntime ${verb} model '${graph.name}'${where}: ${detail}`,
    stage === 'load'
      ? 'the graph is not valid ONNX for onnxruntime (an op, attribute or dtype it does not accept); check the node named above'
      : 'check the inputs\' shapes and dtypes against the model; if they are right, the node named above is at fault',
  );
}
