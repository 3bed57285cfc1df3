/**
 * One entry point for tabular model files, dispatching on what the file is: ONNX (onnx.ts), XGBoost
 * JSON and LightGBM text (trees/), or a TF.js model.json (the core loader, then tensor.ts).
 *
 * Feature and class names come from the file where it has them (trees), from a `metadata.json` beside
 * an ONNX file whose "model" field names it (what scripts/train-tabular.ts writes), or from a TF.js
 * model's userDefinedMetadata.glassbox (featureNames, classNames).
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../../errors.js';
import { loadModel } from '../load.js';
import type { TabularModel } from './model.js';
import { loadOnnxTabularModel, type OnnxTabularOptions } from './onnx.js';
import { tensorTabularModel } from './tensor.js';
import { loadLightGBMModel } from './trees/lightgbm.js';
import { loadXGBoostModel } from './trees/xgboost.js';

export interface LoadTabularModelOptions {
  /**
   * Trees: 'probability' (default) or 'margin' (raw scores). ONNX and TF.js models give what their
   * output is; asking for the other is an error unless outputName picks an output that gives it.
   */
  output?: 'margin' | 'probability';
  /** ONNX: the graph output to explain. */
  outputName?: string;
}

/** What a metadata.json beside a model may say. */
interface SidecarMetadata {
  model?: string;
  name?: string;
  featureNames?: string[];
  classNames?: string[];
  outputName?: string;
  output?: string;
}

const MAX_JSON_BYTES = 512 * 1024 * 1024;

export async function loadTabularModel(path: string, options: LoadTabularModelOptions = {}): Promise<TabularModel> {
  if (options.output !== undefined && options.output !== 'margin' && options.output !== 'probability') {
    throw new UsageError(`unknown model output "${String(options.output)}"`, "use output: 'margin' or 'probability'");
  }
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new UsageError(`model not found: ${path}`, 'pass an .onnx file, an XGBoost .json, a LightGBM .txt or a TF.js model.json');
  }
  const head = readHead(path, 256);
  if (path.toLowerCase().endsWith('.onnx') || head[0] === 0x08) return loadOnnx(path, options);
  const text = head.toString('utf8').replace(/^\ufeff/, '').trimStart();
  if (text.startsWith('{')) {
    if (statSync(path).size > MAX_JSON_BYTES) throw new UsageError(`${path} is over ${MAX_JSON_BYTES / 2 ** 20} MB`, 'pass a smaller model file');
    const json = parseJson(path);
    if ('learner' in json) return withSidecarNames(loadXGBoostModel(path, { output: options.output }), path);
    if ('modelTopology' in json) return loadTfjs(path, json, options);
    throw new UsageError(`${path} is JSON but neither an XGBoost model (no "learner") nor a TF.js model.json (no "modelTopology")`,
      'save XGBoost models with booster.save_model("model.json"), TF.js models with model.save()');
  }
  if (text.startsWith('tree')) return withSidecarNames(loadLightGBMModel(path, { output: options.output }), path);
  throw new UsageError(`${path} is not a model file Glassbox reads`,
    'pass an .onnx file, an XGBoost model saved as JSON (booster.save_model("model.json")), a LightGBM text model (booster.save_model("model.txt")) or a TF.js model.json');
}

async function loadOnnx(path: string, options: LoadTabularModelOptions): Promise<TabularModel> {
  const sidecar = readSidecar(path);
  const outputName = options.outputName ?? sidecar?.outputName;
  const onnxOptions: OnnxTabularOptions = {};
  if (outputName !== undefined) onnxOptions.outputName = outputName;
  if (sidecar?.name) onnxOptions.name = sidecar.name;
  if (sidecar?.featureNames) onnxOptions.featureNames = sidecar.featureNames;
  if (sidecar?.classNames) onnxOptions.outputNames = sidecar.classNames;
  // An explicitly named output is what the caller says it is.
  if (options.outputName !== undefined && options.output !== undefined) onnxOptions.output = options.output;
  const model = await loadOnnxTabularModel(path, onnxOptions);
  if (sidecar?.classNames && sidecar.classNames.length !== model.info.numOutputs) delete model.info.outputNames;
  checkRequestedOutput(model, options.output);
  return model;
}

async function loadTfjs(path: string, json: Record<string, unknown>, options: LoadTabularModelOptions): Promise<TabularModel> {
  const meta = glassboxMetadata(json);
  const core = await loadModel(path, { log: () => undefined });
  const featureNames = stringList(meta?.featureNames);
  let model: TabularModel;
  try {
    model = tensorTabularModel(core, featureNames && featureNames.length === core.info.inputShape[0] ? { featureNames } : {});
  } catch (err) {
    core.dispose();
    throw err;
  }
  checkRequestedOutput(model, options.output);
  return model;
}

/** A requested output kind the model does not give is an error, not a relabelling. */
function checkRequestedOutput(model: TabularModel, wanted: LoadTabularModelOptions['output']): void {
  if (wanted === undefined || model.info.output === wanted) return;
  const kind = model.info.output;
  model.dispose?.();
  throw new UsageError(`model ${model.info.name} gives ${kind === 'value' ? 'values' : kind === 'margin' ? 'margins' : 'probabilities'}, not ${wanted === 'margin' ? 'margins' : 'probabilities'}`,
    wanted === 'margin' ? 'leave out output: margin, or name an ONNX output of raw scores with outputName' : 'leave out output: probability, or name an ONNX probability output with outputName');
}

/** metadata.json beside an ONNX file, when its "model" field names that file. */
/**
 * Class names from metadata.json for a tree ensemble: a binary model has one output, the score of the
 * second class, so it takes that class's name.
 */
function withSidecarNames(model: TabularModel, path: string): TabularModel {
  const classNames = readSidecar(path)?.classNames;
  if (!classNames || model.info.outputNames) return model;
  const n = model.info.numOutputs;
  if (classNames.length === n) model.info.outputNames = [...classNames];
  else if (n === 1 && classNames.length === 2) model.info.outputNames = [classNames[1]];
  return model;
}

function readSidecar(path: string): SidecarMetadata | undefined {
  const file = join(dirname(path), 'metadata.json');
  if (!existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || (json as SidecarMetadata).model !== basename(path)) return undefined;
  const raw = json as Record<string, unknown>;
  const out: SidecarMetadata = { model: basename(path) };
  if (typeof raw.name === 'string') out.name = raw.name;
  if (typeof raw.outputName === 'string') out.outputName = raw.outputName;
  const featureNames = stringList(raw.featureNames);
  if (featureNames) out.featureNames = featureNames;
  const classNames = stringList(raw.classNames);
  if (classNames) out.classNames = classNames;
  return out;
}

function glassboxMetadata(json: Record<string, unknown>): Record<string, unknown> | undefined {
  const user = json.userDefinedMetadata;
  if (typeof user !== 'object' || user === null) return undefined;
  const g = (user as Record<string, unknown>).glassbox;
  return typeof g === 'object' && g !== null ? (g as Record<string, unknown>) : undefined;
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((s): s is string => typeof s === 'string') ? [...v] : undefined;
}

function parseJson(path: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`, 'the model file is corrupt or truncated: save it again');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`${path} is JSON but not a model (not an object)`, 'pass an XGBoost model JSON or a TF.js model.json');
  }
  return json as Record<string, unknown>;
}

function readHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(bytes);
    const n = readSync(fd, head, 0, bytes, 0);
    return head.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
