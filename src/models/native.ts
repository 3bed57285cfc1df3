import * as tf from '@tensorflow/tfjs';
import { GlassboxError, UsageError } from '../errors.js';
import { buildGradientGraph, type BackwardRuleOption, type GradientGraph } from '../engines/native/autodiff/index.js';
import { tfjsToOnnx, type LayerOutput } from '../engines/native/from-tfjs.js';
import type { Graph, TensorValue } from '../engines/native/graph.js';
import { readOnnxFile } from '../engines/native/read.js';
import { OnnxSession } from '../engines/native/runtime.js';
import { inferShapes } from '../engines/native/shapes.js';
import { TARGET_OPSET, upgradeOpset } from '../engines/native/upgrade.js';
import { buildPathFoldGraph, type PathFoldGraph, type PathFoldShortcut } from '../engines/native/straight-path/build-path-fold-graph.js';
import { baselinesConstantPerChannel } from '../engines/native/straight-path/constant-baselines.js';
import { findPathFold, type PathFold } from '../engines/native/straight-path/find-path-fold.js';
import { formatShape } from '../tensor.js';
import type {
  BackwardRule, GradientRequest, Gradients, LayerActivations, LayerInfo, Model, ModelDescription, ModelInfo, StraightPathGradients, StraightPathRequest,
} from './model.js';
import { inferImagePreprocessing } from './preprocessing.js';
import { selectOutputs } from './select.js';

export interface NativeModelOptions extends ModelDescription {
  /** Threads onnxruntime uses for one op. Default 2. */
  threads?: number;
  /** Where each named layer's output is (from the TF.js converter); default: every intermediate value. */
  layers?: Record<string, LayerOutput>;
}

interface GradientSession {
  session: OnnxSession;
  gradients: GradientGraph;
}

/**
 * The native engine behind the Model interface: the model's ONNX graph, its backward graphs derived by
 * Glassbox's own autodiff (src/engines/native/autodiff), both run on onnxruntime-node on every core.
 * Sessions are compiled once per kind of request (plain, a layer, a backward rule) and cached.
 */
export class NativeModel implements Model {
  readonly info: ModelInfo;
  private readonly inputName: string;
  private readonly outputName: string;
  /** The graph's batch size when it fixes one (exports often do: [1, ...]). */
  private readonly fixedBatch: number | undefined;
  private readonly layerOutputs: Map<string, LayerOutput>;
  private forwardSession: Promise<OnnxSession> | undefined;
  private readonly gradientSessions = new Map<string, Promise<GradientSession>>();
  /** Sessions whose outputs are a layer's value (and the model's output), by layer and whether the output is included. */
  private readonly layerSessions = new Map<string, Promise<OnnxSession>>();
  private readonly threads: number;
  /** Where the straight path folds (null: it does not), looked for on first use. */
  private pathFold: PathFold | null | undefined;
  /** Folded straight-path sessions by shortcut; undefined where the graph could not be built. */
  private readonly pathSessions = new Map<PathFoldShortcut, Promise<{ session: OnnxSession; names: PathFoldGraph } | undefined>>();

  constructor(private readonly graph: Graph, options: NativeModelOptions = {}) {
    if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
      throw new UsageError(`model ${graph.name} has ${graph.inputs.length} inputs and ${graph.outputs.length} outputs`,
        'Glassbox explains models with one input and one output');
    }
    const input = graph.inputs[0];
    const output = graph.values.get(graph.outputs[0].name) ?? graph.outputs[0];
    this.inputName = input.name;
    this.outputName = output.name;
    const rest = input.shape.slice(1);
    if (rest.some((d) => typeof d !== 'number')) {
      throw new UsageError(`model input ${input.name} has shape ${formatShape(input.shape.map((d) => (typeof d === 'number' ? d : null)))}`,
        'export the model with a fixed input shape (only the batch dimension may vary)');
    }
    const numOutputs = output.shape[1];
    if (output.shape.length !== 2 || typeof numOutputs !== 'number') {
      throw new UsageError(`model output ${output.name} has shape [${output.shape.join(', ')}]`, 'the output must be [batch, outputs]');
    }
    this.fixedBatch = typeof input.shape[0] === 'number' ? input.shape[0] : undefined;
    this.threads = options.threads ?? 2;
    const inputShape = rest as number[];
    const channelsFirstImages = inferImagePreprocessing(inputShape)?.layout === 'NCHW';
    // The input is not a layer to explain (TF.js's InputLayer comes along from the converter).
    this.layerOutputs = new Map(Object.entries(options.layers ?? intermediateLayers(graph, channelsFirstImages))
      .filter(([, where]) => where.native !== input.name));
    this.info = {
      name: options.name ?? graph.name,
      engine: 'native (onnxruntime)',
      inputShape,
      numOutputs,
      outputKind: options.outputKind ?? 'logits',
      classNames: options.classNames,
      layers: [...this.layerOutputs].map(([name, where]) => describeLayer(graph, name, where)),
      preprocessing: options.preprocessing ?? inferImagePreprocessing(inputShape),
      description: options.description,
    };
  }

  /** Reads an ONNX file. Its batch dimension may be symbolic or fixed; the rest must be fixed. */
  static fromOnnxFile(path: string, options: NativeModelOptions = {}): NativeModel {
    const graph = readOnnxFile(path);
    inferShapes(graph);
    // Backward rules are written against opset 13; older graphs are rewritten to it (and checked again).
    if (graph.opset < TARGET_OPSET) {
      upgradeOpset(graph);
      inferShapes(graph);
    }
    return new NativeModel(graph, options);
  }

  /** Converts a TF.js LayersModel (throws UnsupportedLayerError, a GlassboxError, when it cannot). */
  static fromTfjs(net: tf.LayersModel, options: NativeModelOptions = {}): NativeModel {
    const conversion = tfjsToOnnx(net, { layerOutputs: 'none', batch: 'dynamic' });
    inferShapes(conversion.graph);
    return new NativeModel(conversion.graph, { layers: conversion.layers, ...options });
  }

  /** The model's ONNX graph, read-only: its weights are the initializers (parameter randomisation reads them). */
  get onnxGraph(): Readonly<Graph> {
    return this.graph;
  }

  /**
   * A new model on the same graph with some initializers replaced (same input, layers, description and
   * threads); this model is untouched. The caller owns (and disposes) the copy.
   */
  withInitializers(replacements: ReadonlyMap<string, TensorValue>, description: ModelDescription = {}): NativeModel {
    for (const [name, value] of replacements) {
      const old = this.graph.initializers.get(name);
      if (!old || old.shape.join() !== value.shape.join() || old.dtype !== value.dtype) {
        throw new UsageError(`model ${this.info.name} has no ${value.dtype} initializer "${name}" of shape [${value.shape.join(', ')}]`,
          'replace only existing initializers, with values of the same dtype and shape');
      }
    }
    // Nodes and value infos are shared: nothing mutates them (autodiff works on its own clone).
    const graph: Graph = { ...this.graph, initializers: new Map([...this.graph.initializers, ...replacements]) };
    const { name, classNames, outputKind, preprocessing, description: text } = this.info;
    const copy = new NativeModel(graph, {
      name, classNames, outputKind, preprocessing, description: text, ...description,
      threads: this.threads, layers: Object.fromEntries(this.layerOutputs),
    });
    copy.info.gradientsUnavailable = this.info.gradientsUnavailable;
    return copy;
  }

  supportsRule(kind: BackwardRule['kind']): boolean {
    return kind === 'standard' || kind === 'guided-backprop' || kind === 'deeplift-rescale';
  }

  async forward(inputs: tf.Tensor): Promise<tf.Tensor2D> {
    if (!this.forwardSession) {
      const created = OnnxSession.create(this.graph, { threads: this.threads });
      // A failed compile is not cached: the next call reports the same error afresh.
      created.catch(() => { if (this.forwardSession === created) this.forwardSession = undefined; });
      this.forwardSession = created;
    }
    const session = await this.forwardSession;
    const parts = await this.inBatches(inputs, async (rows) => {
      const out = await session.run({ [this.inputName]: await tensorValue(rows) }, [this.outputName]);
      return [toTensor(out[this.outputName])];
    });
    return parts[0] as tf.Tensor2D;
  }

  async activations(inputs: tf.Tensor, layer: string, options: { output?: boolean } = {}): Promise<LayerActivations> {
    const where = this.layer(layer);
    const withOutput = options.output ?? false;
    const key = `${layer}\u0000${withOutput}`;
    let created = this.layerSessions.get(key);
    if (!created) {
      const value = this.graph.values.get(where.native);
      const output = this.graph.values.get(this.outputName);
      if (!value || !output) throw new GlassboxError(`layer ${layer} has no known type in the ONNX graph`, 'this is a bug in Glassbox; use --engine tfjs');
      // The same nodes with the layer's value as an output: onnxruntime drops what it does not need.
      created = OnnxSession.create({ ...this.graph, outputs: withOutput ? [value, output] : [value] }, { threads: this.threads });
      created.catch(() => { if (this.layerSessions.get(key) === created) this.layerSessions.delete(key); });
      this.layerSessions.set(key, created);
    }
    const session = await created;
    const fetch = withOutput ? [where.native, this.outputName] : [where.native];
    const [values, output] = await this.inBatches(inputs, async (rows) => {
      const out = await session.run({ [this.inputName]: await tensorValue(rows) }, fetch);
      return fetch.map((name) => toTensor(out[name]));
    }, fetch.length);
    let activations = values;
    if (where.perm) {
      activations = tf.transpose(values, where.perm);
      values.dispose();
    }
    return output ? { activations, output: output as tf.Tensor2D } : { activations };
  }

  async gradients(inputs: tf.Tensor, request: GradientRequest): Promise<Gradients> {
    if (this.info.gradientsUnavailable) {
      throw new UsageError(`gradient methods cannot run on model ${this.info.name}: ${this.info.gradientsUnavailable}`,
        'use a perturbation method: occlusion, feature-ablation or shapley-values');
    }
    const rule = request.rule ?? { kind: 'standard' };
    const layer = request.layer === undefined ? undefined : this.layer(request.layer);
    const batch = inputs.shape[0];
    const deeplift = rule.kind === 'deeplift-rescale';
    if (deeplift && this.fixedBatch !== undefined) {
      throw new UsageError(`DeepLIFT runs inputs and baselines as one batch, and model ${this.info.name} fixes its batch size at ${this.fixedBatch}`,
        'export the model with a dynamic batch dimension, or use integrated-gradients');
    }
    const { session, gradients: gg } = await this.gradientSession(rule, layer?.native);
    const fullInputs = deeplift ? tf.concat([inputs, rule.baselines], 0) : inputs;
    const weights = await this.outputWeights(inputs, request, fullInputs.shape[0]);
    try {
      const inputGrad = gg.gradients[this.inputName];
      const fetch = [gg.output, inputGrad, ...(layer ? [gg.intermediates[layer.native], gg.gradients[layer.native]] : [])];
      const [output, inputGradients, activations, layerGradients] = await this.inBatches(fullInputs, async (rows, start) => {
        const w = tf.slice(weights, start, rows.shape[0]);
        const feeds = { [this.inputName]: await tensorValue(rows), [gg.outputWeights]: await tensorValue(w) };
        w.dispose();
        const out = await session.run(feeds, fetch);
        return fetch.map((name) => toTensor(out[name]));
      }, fetch.length);
      // Tensors handed on as they are are not copied: the gradients of a large batch are megabytes.
      const rows = (t: tf.Tensor) => {
        if (!deeplift) return t;
        const first = tf.slice(t, 0, batch);
        t.dispose();
        return first;
      };
      const toLayerLayout = (t: tf.Tensor) => {
        const r = rows(t);
        if (!layer?.perm) return r;
        const out = tf.transpose(r, layer.perm);
        r.dispose();
        return out;
      };
      const outputRows = rows(output);
      const result: Gradients = {
        selected: tf.tidy(() => selectOutputs(outputRows, request.target)),
        inputGradients: rows(inputGradients),
      };
      outputRows.dispose();
      if (layer) {
        result.layerActivations = toLayerLayout(activations);
        result.layerGradients = toLayerLayout(layerGradients);
      }
      return result;
    } finally {
      weights.dispose();
      if (fullInputs !== inputs) fullInputs.dispose();
    }
  }

  /**
   * Integrated gradients' weighted gradient sum along each row's straight path, with the first affine
   * layer (and a Relu and MaxPool after it) run once per row instead of once per path point (see
   * src/engines/native/straight-path/). Undefined when the graph has no such first layer, fixes its
   * batch size, the target is a function, or the folded graph cannot be built.
   */
  async straightPathGradients(inputs: tf.Tensor, baselines: tf.Tensor, request: StraightPathRequest): Promise<StraightPathGradients | undefined> {
    if (this.info.gradientsUnavailable || this.fixedBatch !== undefined || request.target.kind !== 'index') return undefined;
    const rows = inputs.shape[0];
    const steps = request.alphas.length;
    if (request.weights.length !== steps) {
      throw new UsageError(`${steps} alphas and ${request.weights.length} weights were given`, 'give one weight per alpha');
    }
    if (baselines.shape.join() !== inputs.shape.join()) {
      throw new UsageError(`baselines of shape ${formatShape(baselines.shape)} for inputs of shape ${formatShape(inputs.shape)}`, 'give one baseline per input row');
    }
    if (request.target.indices.length !== rows) {
      throw new UsageError(`${request.target.indices.length} targets for ${rows} rows`, 'give one target per row');
    }
    if (this.pathFold === undefined) this.pathFold = findPathFold(this.graph) ?? null;
    const fold = this.pathFold;
    if (!fold || rows === 0 || steps === 0) return undefined;
    const baseValue = await tensorValue(baselines);
    const alphas = Float32Array.from(request.alphas);
    const pooled = fold.reluPool !== undefined && alphas.every((a) => a > 0) && baselinesConstantPerChannel(baseValue.data as Float32Array, baselines.shape, fold);
    const shortcut: PathFoldShortcut = pooled ? 'first-layer-relu-maxpool' : 'first-layer';
    const built = await this.pathSession(fold, shortcut);
    if (!built) return undefined;
    const n = this.info.numOutputs;
    const cotangent = new Float32Array(rows * steps * n);
    request.target.indices.forEach((t, r) => {
      for (let k = 0; k < steps; k++) cotangent[(r * steps + k) * n + t] = request.weights[k];
    });
    const { session, names } = built;
    const out = await session.run({
      [names.inputs]: await tensorValue(inputs),
      [names.baselines]: baseValue,
      [names.alphas]: { dtype: 'float32', shape: [steps], data: alphas },
      [names.outputWeights]: { dtype: 'float32', shape: [rows * steps, n], data: cotangent },
    }, [names.weightedSum]);
    return { weightedSum: toTensor(out[names.weightedSum]), shortcut };
  }

  dispose(): void {
    const sessions: Promise<OnnxSession>[] = [
      ...(this.forwardSession ? [this.forwardSession] : []),
      ...[...this.gradientSessions.values()].map((p) => p.then((g) => g.session)),
      ...this.layerSessions.values(),
    ];
    this.forwardSession = undefined;
    this.gradientSessions.clear();
    this.layerSessions.clear();
    for (const p of this.pathSessions.values()) void p.then((b) => b?.session.release(), () => undefined);
    this.pathSessions.clear();
    for (const s of sessions) void s.then((x) => x.release(), () => undefined);
  }

  /** The cotangent of the output: one-hot target rows, or d target(output) / d output for a function target. */
  private async outputWeights(inputs: tf.Tensor, request: GradientRequest, rows: number): Promise<tf.Tensor> {
    const batch = inputs.shape[0];
    const n = this.info.numOutputs;
    if (request.target.kind === 'index') {
      const w = new Float32Array(rows * n);
      request.target.indices.forEach((t, i) => { w[i * n + t] = 1; });
      return tf.tensor2d(w, [rows, n]);
    }
    const fn = request.target.fn;
    const out = await this.forward(inputs);
    const w = tf.tidy(() => {
      const g = tf.grad((o: tf.Tensor) => tf.sum(fn(o)))(out);
      return rows > batch ? tf.concat([g, tf.zeros([rows - batch, n])], 0) : g;
    });
    out.dispose();
    return w;
  }

  private gradientSession(rule: BackwardRule, layerValue: string | undefined): Promise<GradientSession> {
    const native: BackwardRuleOption = rule.kind === 'standard' ? 'standard'
      : rule.kind === 'guided-backprop' ? 'guided-backprop' : { deeplift: true, eps: rule.eps ?? 1e-10 };
    const key = `${layerValue ?? ''}|${JSON.stringify(native)}`;
    let cached = this.gradientSessions.get(key);
    if (!cached) {
      cached = (async () => {
        const gradients = buildGradientGraph(this.graph, {
          output: this.outputName,
          inputs: [this.inputName],
          intermediates: layerValue ? [layerValue] : [],
          outputIntermediates: layerValue !== undefined,
          rule: native,
        });
        return { session: await OnnxSession.create(gradients.graph, { threads: this.threads }), gradients };
      })();
      // A failed build is not cached: the next call reports the same error afresh.
      cached.catch(() => this.gradientSessions.delete(key));
      this.gradientSessions.set(key, cached);
    }
    return cached;
  }

  private pathSession(fold: PathFold, shortcut: PathFoldShortcut): Promise<{ session: OnnxSession; names: PathFoldGraph } | undefined> {
    let cached = this.pathSessions.get(shortcut);
    if (!cached) {
      cached = (async () => {
        try {
          const names = buildPathFoldGraph(this.graph, fold, shortcut);
          return { session: await OnnxSession.create(names.graph, { threads: this.threads }), names };
        } catch {
          // A graph the fold cannot rewrite (an op shape inference or autodiff lacks past the first
          // layer) keeps the point-by-point path, whose own errors then speak for it.
          return undefined;
        }
      })();
      this.pathSessions.set(shortcut, cached);
    }
    return cached;
  }

  /** Runs `fn` on row chunks the graph accepts (all rows, or its fixed batch size) and concatenates. */
  private async inBatches(inputs: tf.Tensor, fn: (rows: tf.Tensor, start: number) => Promise<tf.Tensor[]>, outputs = 1): Promise<tf.Tensor[]> {
    const n = inputs.shape[0];
    const step = this.fixedBatch ?? n;
    if (this.fixedBatch !== undefined && n % step !== 0) {
      throw new UsageError(`model ${this.info.name} takes batches of exactly ${step}, and ${n} rows were given`,
        `give a multiple of ${step} rows`);
    }
    if (step === n) return fn(inputs, 0);
    const parts: tf.Tensor[][] = Array.from({ length: outputs }, () => []);
    for (let start = 0; start < n; start += step) {
      const rows = tf.slice(inputs, start, step);
      try {
        (await fn(rows, start)).forEach((t, i) => parts[i].push(t));
      } finally {
        rows.dispose();
      }
    }
    return parts.map((p) => {
      const all = tf.concat(p, 0);
      tf.dispose(p);
      return all;
    });
  }

  private layer(name: string): LayerOutput {
    const where = this.layerOutputs.get(name);
    if (!where) {
      throw new UsageError(`model ${this.info.name} has no layer named "${name}"`,
        `choose one of: ${[...this.layerOutputs.keys()].slice(0, 40).join(', ')}`);
    }
    return where;
  }
}

/**
 * The layers of a plain ONNX graph: every floating-point intermediate value with a batch dimension.
 * In a channels-first image model, rank-4 values are reported channels-last (as Grad-CAM reads them).
 */
function intermediateLayers(graph: Graph, channelsFirst: boolean): Record<string, LayerOutput> {
  const out: Record<string, LayerOutput> = {};
  const outputs = new Set(graph.outputs.map((o) => o.name));
  for (const node of graph.nodes) {
    for (const name of node.outputs) {
      const info = graph.values.get(name);
      if (!info || outputs.has(name) || !info.dtype.startsWith('float') || info.shape.length < 2) continue;
      out[name] = { native: name, perm: channelsFirst && info.shape.length === 4 ? [0, 2, 3, 1] : null };
    }
  }
  return out;
}

function describeLayer(graph: Graph, name: string, where: LayerOutput): LayerInfo {
  const producer = graph.nodes.find((n) => n.outputs.includes(where.native));
  const shape = graph.values.get(where.native)?.shape ?? [];
  const layout = where.perm ? where.perm.map((p) => shape[p]) : shape;
  return {
    name,
    className: producer?.op ?? 'Input',
    outputShape: layout.slice(1).map((d) => (typeof d === 'number' ? d : null)),
  };
}

async function tensorValue(t: tf.Tensor): Promise<TensorValue> {
  // data() already returns a fresh copy for float32 tensors; only other dtypes need converting.
  const data = await t.data();
  return { dtype: 'float32', shape: [...t.shape], data: data instanceof Float32Array ? data : Float32Array.from(data) };
}

function toTensor(v: TensorValue): tf.Tensor {
  if (v.dtype !== 'float32' && v.dtype !== 'float64') {
    throw new GlassboxError(`the native engine returned ${v.dtype} values where floats were expected`, 'this is a bug in Glassbox; use --engine tfjs');
  }
  return tf.tensor(v.data as Float32Array, v.shape, 'float32');
}
