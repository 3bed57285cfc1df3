import * as tf from '@tensorflow/tfjs';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { activeBackend, isMissingKernel, useBackend, type BackendName } from '../backend.js';
import { GlassboxError, UsageError } from '../errors.js';
import type { Model, ModelDescription, ModelInfo } from './model.js';
import { NativeModel } from './native.js';
import { inferImagePreprocessing, type ImagePreprocessing } from './preprocessing.js';
import { fileHandler } from './tfjs-file-io.js';
import { TfjsGraphModel } from './tfjs-graph.js';
import { TfjsLayersModel } from './tfjs-layers.js';
import { loadVitModel } from './vit/load.js';

/** Models that ship with Glassbox, by name. */
export const BUILTIN_MODELS: Record<string, { path: string; description: string }> = {
  digits: {
    path: fileURLToPath(new URL('../../models/digits/model.json', import.meta.url)),
    description: 'CNN for 28x28 handwritten digits (MNIST), trained by scripts/train-digits.ts',
  },
  'vit-digits': {
    path: fileURLToPath(new URL('../../models/vit-digits', import.meta.url)),
    description: 'vision transformer for the same digits (7x7 patches, 4 layers), trained by scripts/train-vit.ts',
  },
};

/** Which engine runs the model's forward and backward passes. */
export type EngineName = 'native' | 'tfjs';
export const ENGINES: readonly EngineName[] = ['native', 'tfjs'];

export interface LoadModelOptions {
  /**
   * Default: 'native' (onnxruntime) wherever the model converts, else 'tfjs' with one log line.
   * ONNX files always run natively; TF.js GraphModels always on TF.js.
   */
  engine?: EngineName;
  /** TF.js backend, default 'wasm'. When wasm lacks a kernel the model needs, cpu is used instead (with one log line). */
  backend?: BackendName;
  /** Threads for the native engine, default 2. */
  threads?: number;
  name?: string;
  classNames?: string[];
  outputKind?: ModelInfo['outputKind'];
  preprocessing?: Partial<ImagePreprocessing>;
  /** Where the fallback notice goes. Default: stderr. */
  log?: (line: string) => void;
}

/** What Glassbox reads from a model.json's userDefinedMetadata.glassbox (written by its training scripts). */
interface GlassboxMetadata {
  name?: string;
  description?: string;
  classNames?: string[];
  preprocessing?: Partial<ImagePreprocessing>;
  output?: ModelInfo['outputKind'];
}

/**
 * Loads a model: an ONNX file, a TF.js model (LayersModel or GraphModel) from a local model.json, or a
 * built-in model by name ("digits"), on the chosen engine, and checks that a forward and a backward
 * pass run there.
 */
export async function loadModel(pathOrName: string, options: LoadModelOptions = {}): Promise<Model> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (options.engine !== undefined && !ENGINES.includes(options.engine)) {
    throw new UsageError(`unknown engine "${options.engine as string}"`, `choose one of: ${ENGINES.join(', ')}`);
  }
  await useBackend(options.backend ?? 'wasm');
  const builtin = BUILTIN_MODELS[pathOrName];
  const path = builtin ? builtin.path : pathOrName;
  if (!existsSync(path)) {
    throw new UsageError(`model not found: ${pathOrName}`,
      `pass the path of an ONNX file or a TF.js model.json, or a built-in model name (${Object.keys(BUILTIN_MODELS).join(', ')})`);
  }
  if (isVitDirectory(path)) {
    if (options.engine === 'native') throw new UsageError(`${pathOrName} is a vision transformer, which runs on TF.js`, 'leave out --engine native');
    return loadVitModel(path);
  }
  return isOnnxFile(path) ? loadOnnx(path, options, log) : loadTfjs(path, options, log);
}

/** A folder written by scripts/train-vit.ts: config.json with a "vit" section. */
function isVitDirectory(path: string): boolean {
  if (!statSync(path).isDirectory()) return false;
  try {
    return 'vit' in (JSON.parse(readFileSync(join(path, 'config.json'), 'utf8')) as Record<string, unknown>);
  } catch {
    return false;
  }
}

/** An ONNX file on the native engine. Without gradients (an op with no backward rule) it is still kept. */
async function loadOnnx(path: string, options: LoadModelOptions, log: (line: string) => void): Promise<Model> {
  if (options.engine === 'tfjs') throw new UsageError(`${path} is an ONNX model, which runs on the native engine`, 'leave out --engine tfjs');
  const model = NativeModel.fromOnnxFile(path, { ...descriptionOf({}, options, path), threads: options.threads });
  await probe(model, { gradients: false });
  try {
    await probe(model);
  } catch (err) {
    if (!(err instanceof GlassboxError)) throw err;
    // Perturbation methods need only forward passes; say so once and keep the model.
    model.info.gradientsUnavailable = err.message.split('\n')[0];
    log(`glassbox: gradient methods are not available for ${model.info.name} (${model.info.gradientsUnavailable}); perturbation methods (occlusion, feature-ablation, shapley-values) are`);
  }
  return model;
}

/** A TF.js model.json: a LayersModel natively when it converts (else on TF.js), a GraphModel on TF.js. */
async function loadTfjs(path: string, options: LoadModelOptions, log: (line: string) => void): Promise<Model> {
  const handler = fileHandler(path);
  const artifacts = await handler.load!();
  const meta = ((artifacts.userDefinedMetadata ?? {}) as { glassbox?: GlassboxMetadata }).glassbox ?? {};
  const isGraph = artifacts.format === 'graph-model' || isGraphTopology(artifacts.modelTopology);
  const fromArtifacts: tf.io.IOHandler = { load: async () => artifacts };
  let model: Model;
  try {
    if (isGraph) {
      if (options.engine === 'native') {
        throw new UsageError(`${path} is a TF.js graph model, which runs on the tfjs engine`, 'leave out --engine native, or export the model to ONNX');
      }
      const net = await tf.loadGraphModel(fromArtifacts);
      model = new TfjsGraphModel(net, descriptionOf(meta, options, path, undefined));
    } else {
      const net = await tf.loadLayersModel(fromArtifacts);
      const description = descriptionOf(meta, options, path, net.inputs[0].shape.slice(1) as number[]);
      if (options.engine !== 'tfjs') {
        const native = await nativeOrReason(net, description, options.threads);
        if (native instanceof NativeModel) {
          net.dispose();
          return native;
        }
        if (options.engine === 'native') throw native;
        log(`glassbox: ${description.name} runs on the TF.js engine: the native engine cannot take it (${native.message.split('\n')[0]})`);
      }
      model = new TfjsLayersModel(net, description);
    }
  } catch (err) {
    if (err instanceof GlassboxError) throw err;
    throw new GlassboxError(`cannot load model ${path}: ${firstLine(err)}`,
      'the model file is corrupt or was written by an incompatible tool: export it again with model.save() or tensorflowjs_converter');
  }
  await ensureKernels(model, log);
  return model;
}

/** The TF.js model converted to the native engine and probed, or why that failed. */
async function nativeOrReason(net: tf.LayersModel, description: ModelDescription, threads: number | undefined): Promise<NativeModel | GlassboxError> {
  let model: NativeModel | undefined;
  try {
    model = NativeModel.fromTfjs(net, { ...description, threads });
    await probe(model);
    return model;
  } catch (err) {
    model?.dispose();
    if (err instanceof GlassboxError) return err;
    return new GlassboxError(`conversion failed: ${firstLine(err)}`);
  }
}

/** One forward and (unless told not to) one backward pass on a zero input; throws what they throw. */
async function probe(model: Model, what: { gradients?: boolean } = {}): Promise<void> {
  const x = tf.zeros([1, ...model.info.inputShape]);
  try {
    (await model.forward(x)).dispose();
    if (what.gradients === false) return;
    const g = await model.gradients(x, { target: { kind: 'index', indices: new Int32Array([0]) } });
    tf.dispose([g.selected, g.inputGradients]);
  } finally {
    x.dispose();
  }
}

/** ONNX files are protobufs; TF.js model.json files are JSON. */
function isOnnxFile(path: string): boolean {
  if (path.toLowerCase().endsWith('.onnx')) return true;
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(1);
    readSync(fd, head, 0, 1, 0);
    // Field 1 (ir_version, varint) opens every ONNX ModelProto written by the usual exporters.
    return head[0] === 0x08;
  } finally {
    closeSync(fd);
  }
}

function descriptionOf(meta: GlassboxMetadata, options: LoadModelOptions, path: string, inputShape?: number[]): ModelDescription {
  const inferred = inputShape ? inferImagePreprocessing(inputShape) : undefined;
  const merged = { ...inferred, ...meta.preprocessing, ...options.preprocessing };
  const preprocessing = isComplete(merged) ? merged : undefined;
  return {
    name: options.name ?? meta.name ?? path,
    classNames: options.classNames ?? meta.classNames,
    outputKind: options.outputKind ?? meta.output ?? 'logits',
    preprocessing,
    description: meta.description,
  };
}

function isComplete(p: Partial<ImagePreprocessing>): p is ImagePreprocessing {
  return p.layout !== undefined && p.width !== undefined && p.height !== undefined && p.channels !== undefined
    && p.scale !== undefined && p.mean !== undefined && p.std !== undefined;
}

function isGraphTopology(topology: unknown): boolean {
  return typeof topology === 'object' && topology !== null && 'node' in topology;
}

/**
 * Runs one forward and one backward pass on a zero input. If the wasm backend lacks a kernel the model
 * needs, switches to cpu (which has them all) and says so once.
 */
async function ensureKernels(model: Model, log: (line: string) => void): Promise<void> {
  try {
    await probe(model);
  } catch (err) {
    if (activeBackend() === 'wasm' && isMissingKernel(err)) {
      log(`glassbox: the wasm backend lacks a kernel that ${model.info.name} needs (${firstLine(err)}); using the cpu backend, which is slower`);
      await useBackend('cpu');
      await probe(model);
      return;
    }
    if (err instanceof GlassboxError) throw err;
    throw new GlassboxError(`model ${model.info.name} fails on a zero input: ${firstLine(err)}`,
      'check that the model runs in TF.js; a custom layer or op may be missing');
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
