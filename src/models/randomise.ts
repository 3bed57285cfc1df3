import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import type { Graph, TensorValue } from '../engines/native/graph.js';
import { checkSeed, Random } from '../util/random.js';
import type { Model } from './model.js';
import { NativeModel } from './native.js';
import { TfjsLayersModel } from './tfjs-layers.js';

/*
 * Copies of a model with some layers' weights re-drawn, for the model parameter randomisation test
 * (Adebayo et al. 2018, "Sanity Checks for Saliency Maps").
 *
 * Re-draw rule: every parameter tensor of a named layer (kernel and bias alike) is replaced by draws from a
 * normal distribution N(0, s^2) truncated at +-2s (re-drawn until inside), where s is the standard deviation
 * of the tensor being replaced (its root mean square when all its values are equal; a zero tensor stays
 * zero). Adebayo et al. re-initialise with the layer's truncated-normal initializer; scaling by the trained
 * tensor's own spread keeps the same magnitude without knowing the initializer, which ONNX files do not record.
 * Each layer draws from its own stream, seeded by (seed, layer name), so a layer gets the same weights whichever
 * other layers are randomised with it: a cascading step adds one layer to the previous copy.
 */

/** Statistics of the moving averages are not parameters the model learned by gradient descent. */
const NOT_LEARNED = /\/(moving_mean|moving_variance)$/;
/** ONNX ops whose initializer inputs are a layer's weights in a plain ONNX file. */
const WEIGHTED_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/** The layers of `model` that hold weights, from input to output (the names `randomisedModelCopy` takes). */
export function parameterLayers(model: Model): string[] {
  if (model instanceof TfjsLayersModel) return tfjsParameterLayers(model.net).map((l) => l.name);
  if (model instanceof NativeModel) return nativeParameterGroups(model).map((g) => g.layer);
  throw unsupported(model);
}

/**
 * A new model whose named layers' weights (and biases) are re-drawn (seeded, see the rule above) and whose
 * other weights are the original's. `model` itself is untouched; the caller disposes the copy.
 */
export async function randomisedModelCopy(model: Model, layers: readonly string[], seed: number): Promise<Model> {
  checkSeed(seed);
  if (model instanceof TfjsLayersModel) return tfjsCopy(model, layers, seed);
  if (model instanceof NativeModel) return nativeCopy(model, layers, seed);
  throw unsupported(model);
}

function unsupported(model: Model): UsageError {
  return new UsageError(`cannot randomise the weights of model ${model.info.name} (engine ${model.info.engine}): only TF.js layers models and ONNX graphs expose their weights`,
    'load the model from a TF.js LayersModel model.json or an ONNX file (glassbox loads the built-in digits model that way)');
}

/** Layer names not in `known` are a UsageError listing the known ones. */
function checkLayers(model: Model, layers: readonly string[], known: readonly string[]): void {
  const unknown = layers.filter((l) => !known.includes(l));
  if (unknown.length > 0) {
    throw new UsageError(`model ${model.info.name} has no layer with weights named ${unknown.map((l) => `"${l}"`).join(', ')}`,
      `choose among: ${known.join(', ')}`);
  }
}

/** The random stream of one layer: a 32-bit FNV-1a hash of its name mixed with the seed. */
function layerRandom(seed: number, layer: string): Random {
  let h = 0x811c9dc5;
  for (let i = 0; i < layer.length; i++) h = Math.imul(h ^ layer.charCodeAt(i), 0x01000193);
  return new Random((Math.imul(h ^ seed, 0x9e3779b1) ^ seed) >>> 0);
}

/** Truncated-normal draws scaled to the spread of `original` (see the rule at the top of this file). */
export function redrawLike(original: ArrayLike<number>, random: Random): Float32Array {
  const n = original.length;
  let mean = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    mean += original[i];
    squares += original[i] * original[i];
  }
  mean /= Math.max(1, n);
  const variance = Math.max(0, squares / Math.max(1, n) - mean * mean);
  const s = variance > 1e-30 ? Math.sqrt(variance) : Math.sqrt(squares / Math.max(1, n));
  const out = new Float32Array(n);
  if (s === 0) return out;
  for (let i = 0; i < n; i++) {
    let z = random.normal();
    while (Math.abs(z) > 2) z = random.normal();
    out[i] = s * z;
  }
  return out;
}

// ---- TF.js layers models -------------------------------------------------------------------------

function tfjsParameterLayers(net: tf.LayersModel): tf.layers.Layer[] {
  return net.layers.filter((l) => l.trainableWeights.length > 0);
}

async function tfjsCopy(model: TfjsLayersModel, layers: readonly string[], seed: number): Promise<Model> {
  const withWeights = tfjsParameterLayers(model.net);
  checkLayers(model, layers, withWeights.map((l) => l.name));
  // A copy through the model's own serialisation: topology and weights, no shared variables.
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.net.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const net = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
  for (const name of layers) {
    const layer = net.getLayer(name);
    const random = layerRandom(seed, name);
    const trainable = new Set(layer.trainableWeights);
    // getWeights() hands out the variables' own values: read them, never dispose them.
    const current = layer.getWeights();
    const drawn: tf.Tensor[] = [];
    const next = layer.weights.map((w, i) => {
      if (!trainable.has(w)) return current[i];
      const t = tf.tensor(redrawLike(current[i].dataSync(), random), current[i].shape, 'float32');
      drawn.push(t);
      return t;
    });
    layer.setWeights(next);
    tf.dispose(drawn);
  }
  const { classNames, outputKind, preprocessing, description } = model.info;
  return new TfjsLayersModel(net, { name: copyName(model, layers), classNames, outputKind, preprocessing, description });
}

// ---- native (ONNX) models ------------------------------------------------------------------------

interface ParameterGroup {
  layer: string;
  initializers: string[];
}

/**
 * Weights by layer. Graphs converted from TF.js name their weights "<layer>/<weight>" after the TF.js layers;
 * plain ONNX files get one group per Conv / ConvTranspose / Gemm / MatMul node with initializer inputs, named
 * by the node, with the bias of an Add that directly follows it.
 */
function nativeParameterGroups(model: NativeModel): ParameterGroup[] {
  const graph = model.onnxGraph;
  const isWeight = (name: string) => {
    const v = graph.initializers.get(name);
    return v !== undefined && (v.dtype === 'float32' || v.dtype === 'float64') && v.data.length > 0;
  };
  const byLayer = new Map<string, string[]>(model.info.layers.map((l) => [l.name, []]));
  for (const name of graph.initializers.keys()) {
    const cut = name.lastIndexOf('/');
    if (cut <= 0 || !isWeight(name) || NOT_LEARNED.test(name)) continue;
    byLayer.get(name.slice(0, cut))?.push(name);
  }
  const converted = [...byLayer].filter(([, inits]) => inits.length > 0).map(([layer, initializers]) => ({ layer, initializers }));
  return converted.length > 0 ? converted : onnxNodeGroups(graph, isWeight);
}

function onnxNodeGroups(graph: Readonly<Graph>, isWeight: (name: string) => boolean): ParameterGroup[] {
  const consumers = new Map<string, Graph['nodes']>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  }
  const groups: ParameterGroup[] = [];
  const taken = new Set<string>();
  graph.nodes.forEach((node, index) => {
    if (!WEIGHTED_OPS.has(node.op)) return;
    const initializers = node.inputs.filter((name) => isWeight(name) && !taken.has(name));
    if (initializers.length === 0) return;
    const next = consumers.get(node.outputs[0]) ?? [];
    if (next.length === 1 && next[0].op === 'Add') {
      const bias = next[0].inputs.find((name) => name !== node.outputs[0] && isWeight(name) && !taken.has(name));
      if (bias) initializers.push(bias);
    }
    initializers.forEach((name) => taken.add(name));
    groups.push({ layer: node.name || `${node.op}_${index}`, initializers });
  });
  return groups;
}

async function nativeCopy(model: NativeModel, layers: readonly string[], seed: number): Promise<Model> {
  const groups = nativeParameterGroups(model);
  checkLayers(model, layers, groups.map((g) => g.layer));
  const replacements = new Map<string, TensorValue>();
  for (const group of groups.filter((g) => layers.includes(g.layer))) {
    const random = layerRandom(seed, group.layer);
    for (const name of group.initializers) {
      const old = model.onnxGraph.initializers.get(name)!;
      const drawn = redrawLike(old.data as Float32Array | Float64Array, random);
      replacements.set(name, { dtype: old.dtype, shape: [...old.shape], data: old.dtype === 'float64' ? Float64Array.from(drawn) : drawn });
    }
  }
  return model.withInitializers(replacements, { name: copyName(model, layers) });
}

function copyName(model: Model, layers: readonly string[]): string {
  return layers.length === 0 ? model.info.name : `${model.info.name} (randomised: ${layers.join(', ')})`;
}
