/**
 * TF.js LayersModel -> native Graph, so TF.js models (the built-in digit model and users' models) run on
 * the native engine.
 *
 * The graph's inputs and outputs keep the model's own layout (NHWC for images), so the same input
 * tensors feed both engines. Inside, conv and pooling run channels-first (ONNX's layout): the first one
 * transposes its input once, and values go back to TF's layout only where the layout matters (Flatten,
 * Reshape, Dense, LayerNormalization, a merge with an input in TF's layout, the outputs). Layer outputs
 * are also made available in TF's layout, for Grad-CAM and friends (`layers`, `layerOutputs`); those
 * Transposes are side branches, which onnxruntime runs even when nothing reads them (it does not prune
 * them), so ask only for the layers you need (`layerOutputs` option; tfjsToGraph asks for none).
 *
 * Opset: 17 by default (LayerNormalization is one op from 17); anything from 13 (single-axis Softmax)
 * to 23 is accepted. Below 17 LayerNormalization is decomposed; from 20 gelu uses ONNX Gelu.
 *
 * The layers converted are the keys of CONVERTERS (from-tfjs/layers.ts); anything else, and any option
 * the converter cannot reproduce exactly, throws an UnsupportedLayerError naming the layer, so the caller
 * can fall back to the TF.js engine.
 */
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import { type Dim, type DType, emptyGraph, type Graph } from './graph.js';
import { Context, permute, type Produced, type Sym, toCfPerm, toTfPerm, UnsupportedLayerError } from './from-tfjs/context.js';
import { CONVERTERS, LayerConfig } from './from-tfjs/layers.js';

export { UnsupportedLayerError } from './from-tfjs/context.js';

export const DEFAULT_OPSET = 17;
export const MIN_OPSET = 13;
export const MAX_OPSET = 23;

/** The layer classes tfjsToOnnx converts (besides InputLayer and nested models). */
export const SUPPORTED_LAYERS: readonly string[] = Object.keys(CONVERTERS);

export interface TfjsToOnnxOptions {
  /** Default-domain opset, 13 to 23. Default 17. */
  opset?: number;
  /**
   * The batch dimension of the graph's inputs and outputs: a fixed size, or 'dynamic' (the symbolic
   * dimension "batch"). Default: the model's own batch size when it has one, else 'dynamic'.
   */
  batch?: number | 'dynamic';
  /**
   * Which layers' outputs the graph should hold in TF.js's layout (a Transpose for each layer computed
   * channels-first): 'all' (tfjsToOnnx's default), 'none' (tfjsToGraph's), or a list of layer names.
   */
  layerOutputs?: 'all' | 'none' | readonly string[];
}

/** Where one layer's output lives in the graph. */
export interface LayerOutput {
  /**
   * The value the rest of the graph is computed from. Differentiate with respect to this one: `tf` may
   * be a side branch (a Transpose nothing else reads), whose gradient would be zero.
   */
  native: string;
  /** The Transpose perm from `native` to TF.js's layout, or null when `native` is in TF.js's layout. */
  perm: number[] | null;
  /**
   * The value in TF.js's layout (what `tf.model({ inputs, outputs: layer.output })` returns), when the
   * graph has it: always for layers asked for by the `layerOutputs` option.
   */
  tf?: string;
}

export interface TfjsConversion {
  graph: Graph;
  /** Layer name -> the value holding its output in TF.js's layout (the layers that have one). */
  layerOutputs: Record<string, string>;
  /** Layer name -> where its output is, for every layer (input layers included). */
  layers: Record<string, LayerOutput>;
}

/** What the walk through the layer graph carries along. */
interface Walk {
  cx: Context;
  batch: Dim;
  /** Whether a layer (by its recorded name) gets its output in TF's layout eagerly. */
  wanted: (name: string) => boolean;
  /** Every converted layer output, by recorded name; their Syms may gain a TF-layout view later. */
  records: Map<string, Sym>;
}

/**
 * Converts a TF.js LayersModel (Sequential or functional, nested models included) to a Graph with
 * the model's weights as initializers. Graph inputs are named after the model's input layers, graph
 * outputs after its output layers. Shapes of inputs, outputs and layer outputs are set in graph.values.
 * Layers called more than once are recorded under their name for the first call converted and
 * `name@2`, `name@3`, ... for the others; layers inside a nested model as `outer/inner`.
 */
export function tfjsToOnnx(net: tf.LayersModel, options: TfjsToOnnxOptions = {}): TfjsConversion {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new UsageError(`opset ${opset} is not supported by the TF.js converter`, `choose an opset from ${MIN_OPSET} to ${MAX_OPSET} (default ${DEFAULT_OPSET})`);
  }
  const batch = batchDim(net, options.batch);
  const graph = emptyGraph(net.name, opset);
  const cx = new Context(graph);
  const which = options.layerOutputs ?? 'all';
  const walk: Walk = {
    cx, batch, records: new Map(),
    wanted: which === 'all' ? () => true : which === 'none' ? () => false : (name) => which.includes(name),
  };

  const inputs = net.inputs.map((t) => {
    const dtype = tensorDtype(t, t.sourceLayer.name);
    const name = cx.b.fresh(t.sourceLayer.name);
    const shape = symShape(t, batch);
    graph.inputs.push({ name, dtype, shape });
    graph.values.set(name, { name, dtype, shape });
    const sym: Sym = { shape, dtype, tf: name, primary: 'tf' };
    walk.records.set(uniqueKey(walk, t.sourceLayer.name), sym);
    return sym;
  });
  const outputs = convertContainer(walk, net, inputs, '');

  const taken = new Set(graph.inputs.map((v) => v.name));
  outputs.forEach((s, i) => {
    let name = cx.tfValue(s);
    // An output that is also an input, or listed twice, needs its own node.
    if (taken.has(name)) name = cx.b.op('Identity', [name], {}, `${net.outputs[i].sourceLayer.name}_output`);
    taken.add(name);
    graph.outputs.push({ name, dtype: s.dtype, shape: s.shape });
    graph.values.set(name, { name, dtype: s.dtype, shape: s.shape });
  });

  if (Array.isArray(which)) {
    const unknown = which.filter((name) => !walk.records.has(name));
    if (unknown.length > 0) {
      throw new UsageError(`model ${net.name} has no layer ${unknown.map((n) => `"${n}"`).join(', ')}`,
        `choose among: ${[...walk.records.keys()].join(', ')}`);
    }
  }
  const conversion: TfjsConversion = { graph, layerOutputs: {}, layers: {} };
  for (const [name, sym] of walk.records) {
    const native = sym.primary === 'cf' ? sym.cf! : sym.tf!;
    conversion.layers[name] = { native, perm: sym.primary === 'cf' ? toTfPerm(sym.shape.length) : null, ...(sym.tf ? { tf: sym.tf } : {}) };
    if (sym.tf) conversion.layerOutputs[name] = sym.tf;
  }
  return conversion;
}

/** tfjsToOnnx's graph alone, with no layer outputs beyond what the model computes. */
export function tfjsToGraph(net: tf.LayersModel, options: TfjsToOnnxOptions = {}): Graph {
  return tfjsToOnnx(net, { layerOutputs: 'none', ...options }).graph;
}

function batchDim(net: tf.LayersModel, batch: TfjsToOnnxOptions['batch']): Dim {
  if (batch === undefined) {
    const own = net.inputs[0]?.shape[0];
    return typeof own === 'number' ? own : 'batch';
  }
  if (batch === 'dynamic') return 'batch';
  if (!Number.isInteger(batch) || batch < 1) {
    throw new UsageError(`batch ${String(batch)} is not a positive integer`, "pass a batch size, or 'dynamic'");
  }
  return batch;
}

function symShape(t: tf.SymbolicTensor, batch: Dim): Dim[] {
  return t.shape.map((d, i) => (i === 0 ? batch : d));
}

function tensorDtype(t: tf.SymbolicTensor, layerName: string): DType {
  if (t.dtype === 'float32' || t.dtype === 'int32') return t.dtype;
  throw new UnsupportedLayerError(layerName, t.sourceLayer.getClassName(), `tensors of dtype ${t.dtype} are not supported`);
}

type TfNode = tf.layers.Layer['inboundNodes'][number];

/**
 * Converts the layer graph of `model` from its inputs (already converted: `inputs`) to its outputs,
 * depth first through the inbound nodes, so Sequential and functional models (and models nested as
 * layers) take the same path.
 */
function convertContainer(walk: Walk, model: tf.LayersModel, inputs: Sym[], prefix: string): Sym[] {
  const memo = new Map<number, Sym>();
  model.inputs.forEach((t, i) => memo.set(t.id, inputs[i]));
  const visit = (t: tf.SymbolicTensor): Sym => {
    const known = memo.get(t.id);
    if (known) return known;
    const layer = t.sourceLayer;
    const node: TfNode | undefined = layer.inboundNodes[t.nodeIndex];
    if (!node || layer.getClassName() === 'InputLayer') {
      throw new UnsupportedLayerError(layer.name, layer.getClassName(), `tensor ${t.name} is not computed from the model's inputs`);
    }
    const ins = node.inputTensors.map(visit);
    const syms = convertNode(walk, node, ins, prefix);
    node.outputTensors.forEach((o, i) => memo.set(o.id, syms[i]));
    const result = memo.get(t.id);
    if (!result) throw new UnsupportedLayerError(layer.name, layer.getClassName(), `output ${t.name} not produced`);
    return result;
  };
  return model.outputs.map(visit);
}

function convertNode(walk: Walk, node: TfNode, inputs: Sym[], prefix: string): Sym[] {
  const { cx, batch } = walk;
  const layer = node.outboundLayer;
  const key = uniqueKey(walk, `${prefix}${layer.name}`);
  const start = cx.graph.nodes.length;
  let produced: Array<Produced | Sym>;
  if (isContainer(layer)) {
    produced = convertContainer(walk, layer, inputs, `${key}/`);
  } else {
    const converter = CONVERTERS[layer.getClassName()];
    if (!converter) {
      throw new UnsupportedLayerError(layer.name, layer.getClassName(), 'this layer class is not supported');
    }
    cx.prefix = `${key}/`;
    produced = converter(cx, new LayerConfig(layer), inputs);
  }
  cx.prefix = `${key}/`;
  if (produced.length !== node.outputTensors.length) {
    throw new UnsupportedLayerError(layer.name, layer.getClassName(), `produced ${produced.length} outputs, TF.js has ${node.outputTensors.length}`);
  }
  const syms = produced.map((p, i) => {
    const t = node.outputTensors[i];
    const name = i === 0 ? key : `${key}:${i}`;
    let sym: Sym;
    if ('layout' in p) {
      sym = { shape: symShape(t, batch), dtype: tensorDtype(t, layer.name), primary: p.layout };
      if (p.layout === 'tf') sym.tf = p.value; else sym.cf = p.value;
      // The value in TF's layout is named after the layer; the channels-first one gets "/nchw".
      if (walk.wanted(name)) cx.tfValue(sym);
      if (sym.tf !== undefined) {
        sym.tf = renameIfNew(cx, start, inputs, sym.tf, name);
        cx.graph.values.set(sym.tf, { name: sym.tf, dtype: sym.dtype, shape: sym.shape });
      }
      if (sym.cf !== undefined) {
        sym.cf = renameIfNew(cx, start, inputs, sym.cf, `${name}/nchw`);
        cx.graph.values.set(sym.cf, { name: sym.cf, dtype: sym.dtype, shape: permute(sym.shape, toCfPerm(sym.shape.length)) });
      }
    } else {
      // A tensor passed on unchanged (Dropout) or a nested model's output: it already has its names.
      sym = p;
      if (walk.wanted(name)) cx.tfValue(sym);
    }
    walk.records.set(name, sym);
    return sym;
  });
  return syms;
}

/** A model used as a layer. Duck-typed too, in case the model comes from another copy of tfjs. */
function isContainer(layer: tf.layers.Layer): layer is tf.LayersModel {
  if (layer instanceof tf.LayersModel) return true;
  const l = layer as Partial<Pick<tf.LayersModel, 'inputs' | 'outputs' | 'layers'>>;
  return Array.isArray(l.inputs) && Array.isArray(l.outputs) && Array.isArray(l.layers);
}

function uniqueKey(walk: Walk, name: string): string {
  if (!walk.records.has(name)) return name;
  let k = 2;
  while (walk.records.has(`${name}@${k}`)) k++;
  return `${name}@${k}`;
}

/**
 * Renames `value` to a fresh name based on `hint` when a node added since `start` produced it (so only
 * those nodes can refer to it). Values from earlier layers, and views of this layer's inputs (which
 * their Syms hold by name), keep their names.
 */
function renameIfNew(cx: Context, start: number, inputs: Sym[], value: string, hint: string): string {
  const nodes = cx.graph.nodes;
  const producer = nodes.slice(start).find((n) => n.outputs.includes(value));
  if (!producer || inputs.some((s) => s.tf === value || s.cf === value)) return value;
  const name = cx.b.fresh(hint);
  for (let i = start; i < nodes.length; i++) {
    nodes[i].inputs = nodes[i].inputs.map((v) => (v === value ? name : v));
    nodes[i].outputs = nodes[i].outputs.map((v) => (v === value ? name : v));
  }
  const info = cx.graph.values.get(value);
  if (info) {
    cx.graph.values.delete(value);
    cx.graph.values.set(name, { ...info, name });
  }
  return name;
}
