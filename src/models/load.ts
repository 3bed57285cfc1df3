import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { activeBackend, isMissingKernel, useBackend, type BackendName } from '../backend.js';
import { GlassboxError, UsageError } from '../errors.js';
import type { Model, ModelInfo } from './model.js';
import { inferImagePreprocessing, type ImagePreprocessing } from './preprocessing.js';
import { fileHandler } from './tfjs-file-io.js';
import { TfjsGraphModel } from './tfjs-graph.js';
import { TfjsLayersModel } from './tfjs-layers.js';

/** Models that ship with Glassbox, by name. */
export const BUILTIN_MODELS: Record<string, { path: string; description: string }> = {
  digits: {
    path: fileURLToPath(new URL('../../models/digits/model.json', import.meta.url)),
    description: 'CNN for 28x28 handwritten digits (MNIST), trained by scripts/train-digits.ts',
  },
};

export interface LoadModelOptions {
  /** Default 'wasm'. When wasm lacks a kernel the model needs, cpu is used instead (with one log line). */
  backend?: BackendName;
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
 * Loads a TF.js model (LayersModel or GraphModel) from a local model.json, or a built-in model by name
 * ("digits"), on the chosen backend, and checks that a forward and a backward pass run there.
 */
export async function loadModel(pathOrName: string, options: LoadModelOptions = {}): Promise<Model> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await useBackend(options.backend ?? 'wasm');
  const builtin = BUILTIN_MODELS[pathOrName];
  const path = builtin ? builtin.path : pathOrName;
  if (!existsSync(path)) {
    throw new UsageError(`model not found: ${pathOrName}`,
      `pass the path of a TF.js model.json, or a built-in model name (${Object.keys(BUILTIN_MODELS).join(', ')})`);
  }
  const handler = fileHandler(path);
  const artifacts = await handler.load!();
  const meta = ((artifacts.userDefinedMetadata ?? {}) as { glassbox?: GlassboxMetadata }).glassbox ?? {};
  const isGraph = artifacts.format === 'graph-model' || isGraphTopology(artifacts.modelTopology);
  const fromArtifacts: tf.io.IOHandler = { load: async () => artifacts };
  let model: Model;
  try {
    if (isGraph) {
      const net = await tf.loadGraphModel(fromArtifacts);
      model = new TfjsGraphModel(net, modelOptions(meta, options, path, undefined));
    } else {
      const net = await tf.loadLayersModel(fromArtifacts);
      model = new TfjsLayersModel(net, modelOptions(meta, options, path, net.inputs[0].shape.slice(1) as number[]));
    }
  } catch (err) {
    if (err instanceof GlassboxError) throw err;
    throw new GlassboxError(`cannot load model ${path}: ${firstLine(err)}`,
      'the model file is corrupt or was written by an incompatible tool: export it again with model.save() or tensorflowjs_converter');
  }
  await ensureKernels(model, log);
  return model;
}

function modelOptions(meta: GlassboxMetadata, options: LoadModelOptions, path: string, inputShape: number[] | undefined) {
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
  const probe = async () => {
    const x = tf.zeros([1, ...model.info.inputShape]);
    try {
      (await model.forward(x)).dispose();
      const g = await model.gradients(x, { target: { kind: 'index', indices: new Int32Array([0]) } });
      tf.dispose([g.selected, g.inputGradients]);
    } finally {
      x.dispose();
    }
  };
  try {
    await probe();
  } catch (err) {
    if (activeBackend() === 'wasm' && isMissingKernel(err)) {
      log(`glassbox: the wasm backend lacks a kernel that ${model.info.name} needs (${firstLine(err)}); using the cpu backend, which is slower`);
      await useBackend('cpu');
      await probe();
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
