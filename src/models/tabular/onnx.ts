/**
 * An ONNX file as a TabularModel, run directly on onnxruntime-node (no graph rewriting: tabular methods
 * need forward passes only, and exports from sklearn-onnx, PyTorch or Glassbox's own converter run as
 * they are).
 *
 * The input is the one graph input (or the one named), a [batch, features] float32 or float64 tensor;
 * its declared shape and type are read from the session and checked once, at load. The output is the
 * one named, else sklearn-onnx's probabilities (an output whose name contains "prob"), else the only
 * float tensor output. sklearn-onnx classifiers by default wrap the probabilities in a ZipMap (a list
 * of maps), which is not a tensor: those are refused with the export option that turns it off.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GlassboxError, UsageError } from '../../errors.js';
import { matrix, type Matrix } from '../../tabular/matrix.js';
import { checkBatchSize, checkOutputs, checkRows } from './check.js';
import type { WorkerModelSpec } from '../../parallel/model-spec.js';
import type { TabularModel, TabularModelInfo, TabularOutput } from './model.js';

export interface OnnxTabularOptions {
  /** The graph input to feed, when the model has several. */
  inputName?: string;
  /** The graph output to explain. Default: the probabilities output, or the only float tensor output. */
  outputName?: string;
  /** What the output is. Default: 'probability' for an output named like "prob...", 'margin' for "logit...", else 'value'. */
  output?: TabularOutput;
  featureNames?: string[];
  outputNames?: string[];
  name?: string;
  /** Most rows per onnxruntime run. Default 4096. */
  batchSize?: number;
  /** Intra-op threads. Default 2. */
  threads?: number;
  /** Whether the graph treats NaN inputs as missing values (tree ensembles exported to ONNX do). Default false. */
  acceptsMissing?: boolean;
}

const FLOAT_TYPES = ['float32', 'float64'] as const;
type FloatType = (typeof FLOAT_TYPES)[number];

export async function loadOnnxTabularModel(path: string, options: OnnxTabularOptions = {}): Promise<TabularModel> {
  if (!existsSync(path)) throw new UsageError(`model not found: ${path}`, 'pass the path of an .onnx file');
  const batchSize = checkBatchSize(options.batchSize ?? 4096);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      intraOpNumThreads: options.threads ?? 2,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
  } catch (err) {
    throw new UsageError(`cannot load ${path} with onnxruntime: ${firstLine(err)}`, 'check that the file is an ONNX model (opset 7 or later) exported completely');
  }
  try {
    const model = new OnnxTabularModel(session, path, options, batchSize);
    await model.settleOutputWidth();
    return model;
  } catch (err) {
    await session.release();
    throw err;
  }
}

class OnnxTabularModel implements TabularModel {
  readonly info: TabularModelInfo;
  private readonly inputName: string;
  private readonly inputType: FloatType;
  private readonly outputName: string;
  /** The graph's batch size when it is fixed (rows are then run in chunks of exactly that many). */
  private readonly fixedBatch: number | undefined;
  private released = false;
  private widthKnown: boolean;
  /** Where the model was loaded from and how, so a worker thread can load it again. */
  private readonly source: { path: string; options: OnnxTabularOptions };

  constructor(private readonly session: ort.InferenceSession, path: string, options: OnnxTabularOptions, private readonly batchSize: number) {
    this.source = { path: resolve(path), options: { ...options } };
    const name = options.name ?? basename(path);
    const input = pickInput(session, name, options.inputName);
    this.inputName = input.name;
    this.inputType = input.type;
    this.fixedBatch = input.batch;
    const output = pickOutput(session, name, options.outputName);
    this.outputName = output.name;
    const numFeatures = input.features;
    if (options.featureNames && options.featureNames.length !== numFeatures) {
      throw new UsageError(`${options.featureNames.length} feature names for model ${name}, which takes ${numFeatures} features`, 'give one name per feature of the model input');
    }
    if (output.width !== undefined && options.outputNames && options.outputNames.length !== output.width) {
      throw new UsageError(`${options.outputNames.length} output names for model ${name}, whose output '${output.name}' has ${output.width} values per row`, 'give one name per output');
    }
    this.widthKnown = output.width !== undefined;
    this.info = {
      name,
      kind: 'onnx',
      numFeatures,
      // Unknown widths (a dynamic second dimension) are settled by the first run.
      numOutputs: output.width ?? options.outputNames?.length ?? 1,
      output: options.output ?? outputKind(output.name),
      acceptsMissing: options.acceptsMissing ?? false,
    };
    if (options.featureNames) this.info.featureNames = [...options.featureNames];
    if (options.outputNames) this.info.outputNames = [...options.outputNames];
  }

  /** An output declared [batch, ?] gets its width from one run on a zero row. */
  async settleOutputWidth(): Promise<void> {
    if (this.widthKnown) return;
    const probe = matrix(1, this.info.numFeatures);
    const { width } = await this.run(probe, 0, 1);
    this.info.numOutputs = width;
    this.widthKnown = true;
    if (this.info.outputNames && this.info.outputNames.length !== width) {
      throw new UsageError(`${this.info.outputNames.length} output names for model ${this.info.name}, whose output '${this.outputName}' has ${width} values per row`, 'give one name per output');
    }
  }

  async predict(rows: Matrix): Promise<Matrix> {
    if (this.released) throw new UsageError(`model ${this.info.name} was disposed`, 'load it again');
    checkRows(this.info, rows);
    const out = matrix(rows.rows, this.info.numOutputs);
    const step = this.fixedBatch ?? this.batchSize;
    for (let start = 0; start < rows.rows; start += step) {
      const count = Math.min(step, rows.rows - start);
      const { values, width } = await this.run(rows, start, count);
      if (width !== this.info.numOutputs) {
        throw new GlassboxError(`model ${this.info.name} returned ${width} outputs per row, having returned ${this.info.numOutputs} before`,
          'explain an output of fixed width (outputName)');
      }
      for (let k = 0; k < values.length; k++) out.data[start * this.info.numOutputs + k] = Number(values[k]);
    }
    checkOutputs(this.info, out);
    return out;
  }

  /** Runs rows [start, start + count), padding a fixed-batch graph's last chunk with zero rows. */
  private async run(rows: Matrix, start: number, count: number): Promise<{ values: ArrayLike<number | bigint>; width: number }> {
    const d = rows.cols;
    const batch = this.fixedBatch ?? count;
    const data = this.inputType === 'float32' ? new Float32Array(batch * d) : new Float64Array(batch * d);
    data.set(rows.data.subarray(start * d, (start + count) * d));
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await this.session.run({ [this.inputName]: new ort.Tensor(this.inputType, data, [batch, d]) }, [this.outputName]);
    } catch (err) {
      throw new GlassboxError(`model ${this.info.name} failed on onnxruntime: ${firstLine(err)}`, 'check that the model runs in onnxruntime on [batch, features] input');
    }
    const t = result[this.outputName];
    const width = t.dims.length === 1 ? 1 : t.dims.slice(1).reduce((a, b) => a * b, 1);
    if (t.dims[0] !== batch || t.dims.length > 2 || typeof t.data === 'string' || Array.isArray(t.data)) {
      throw new GlassboxError(`output '${this.outputName}' of model ${this.info.name} has shape [${t.dims}] for ${batch} rows`,
        'explain a [batch] or [batch, outputs] numeric output (outputName)');
    }
    const values = t.data as ArrayLike<number | bigint>;
    return { values: batch === count ? values : Array.prototype.slice.call(values, 0, count * width) as (number | bigint)[], width };
  }

  /** The file and options to load this model again in a worker thread (one intra-op thread there: the threads already share the cores). */
  workerSpec(): WorkerModelSpec {
    return { kind: 'onnx', path: this.source.path, options: { ...this.source.options, name: this.info.name, threads: 1 } };
  }

  dispose(): void {
    if (this.released) return;
    this.released = true;
    void this.session.release();
  }
}

interface PickedInput { name: string; type: FloatType; features: number; batch: number | undefined }

function pickInput(session: ort.InferenceSession, model: string, wanted: string | undefined): PickedInput {
  const inputs = session.inputMetadata;
  let meta: ort.InferenceSession.ValueMetadata | undefined;
  if (wanted !== undefined) {
    meta = inputs.find((m) => m.name === wanted);
    if (!meta) throw new UsageError(`model ${model} has no input '${wanted}'`, `its inputs are: ${inputs.map((m) => m.name).join(', ')}`);
  } else if (inputs.length === 1) {
    meta = inputs[0];
  } else {
    throw new UsageError(`model ${model} has ${inputs.length} inputs (${inputs.map((m) => m.name).join(', ')}); a tabular model takes one [batch, features] matrix`,
      'name the input to feed with inputName (the others must be optional), or export the model with one input');
  }
  if (!meta.isTensor) throw new UsageError(`input '${meta.name}' of model ${model} is not a tensor`, 'export the model with one [batch, features] float tensor input');
  if (!(FLOAT_TYPES as readonly string[]).includes(meta.type)) {
    throw new UsageError(`input '${meta.name}' of model ${model} is ${meta.type}; Glassbox feeds float32 or float64 rows`,
      'export the model with a float input (sklearn-onnx: FloatTensorType or DoubleTensorType), encoding categories as numbers');
  }
  const shape = meta.shape;
  if (shape.length !== 2) {
    throw new UsageError(`input '${meta.name}' of model ${model} has shape [${shape.map(dimText)}]; a tabular model takes [batch, features]`,
      'explain image or sequence models with the tensor methods (glassbox attribute), or export a model over feature rows');
  }
  const [batch, features] = shape;
  if (typeof features !== 'number' || features < 1) {
    throw new UsageError(`input '${meta.name}' of model ${model} has a dynamic number of features (${dimText(features)})`,
      'export the model with a fixed feature count, e.g. sklearn-onnx initial_types=[("input", FloatTensorType([None, n_features]))]');
  }
  const fixed = typeof batch === 'number' && batch > 0 ? batch : undefined;
  return { name: meta.name, type: meta.type as FloatType, features, batch: fixed };
}

interface PickedOutput { name: string; width: number | undefined }

function pickOutput(session: ort.InferenceSession, model: string, wanted: string | undefined): PickedOutput {
  const outputs = session.outputMetadata;
  const names = outputs.map((m) => m.name).join(', ');
  let meta: ort.InferenceSession.ValueMetadata | undefined;
  if (wanted !== undefined) {
    meta = outputs.find((m) => m.name === wanted);
    if (!meta) throw new UsageError(`model ${model} has no output '${wanted}'`, `its outputs are: ${names}`);
  } else {
    meta = outputs.find((m) => /prob/i.test(m.name));
    if (!meta) {
      const floats = outputs.filter((m) => m.isTensor && (FLOAT_TYPES as readonly string[]).includes(m.type));
      if (floats.length !== 1) {
        throw new UsageError(`model ${model} has outputs ${names}; which one to explain is not clear`, 'name it with outputName');
      }
      meta = floats[0];
    }
  }
  if (!meta.isTensor) {
    throw new UsageError(`output '${meta.name}' of model ${model} is not a tensor (a ZipMap: a list of {class: probability} maps)`,
      "export the classifier with the ZipMap disabled: sklearn-onnx to_onnx(model, X, options={'zipmap': False})");
  }
  if (!(FLOAT_TYPES as readonly string[]).includes(meta.type) && !['int64', 'int32'].includes(meta.type)) {
    throw new UsageError(`output '${meta.name}' of model ${model} is ${meta.type}, not a number Glassbox can explain`, `name a float output with outputName (outputs: ${names})`);
  }
  const shape = meta.shape;
  if (shape.length > 2) {
    throw new UsageError(`output '${meta.name}' of model ${model} has shape [${shape.map(dimText)}]; a tabular model gives [batch] or [batch, outputs]`,
      `name a [batch, outputs] output with outputName (outputs: ${names})`);
  }
  const width = shape.length < 2 ? 1 : typeof shape[1] === 'number' && shape[1] > 0 ? shape[1] : undefined;
  return { name: meta.name, width };
}

function outputKind(name: string): TabularOutput {
  if (/prob/i.test(name)) return 'probability';
  if (/logit|margin/i.test(name)) return 'margin';
  return 'value';
}

function dimText(d: number | string | undefined): string {
  return d === undefined || d === -1 ? '?' : String(d);
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
