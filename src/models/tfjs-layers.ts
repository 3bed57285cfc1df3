import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import { formatShape } from '../tensor.js';
import type { BackwardRule, GradientRequest, Gradients, LayerActivations, LayerInfo, Model, ModelDescription, ModelInfo } from './model.js';
import { selectOutputs } from './select.js';
import { fastConv2d, fastConvApplies } from './tfjs-fast-conv.js';
import { guidedRelu, rescaleMaxPool, rescaleNonlinearity } from './tfjs-rules.js';

/** The parts of a TF.js layer that rules and layer capture patch for the length of one call. */
interface PatchableLayer {
  name: string;
  getClassName(): string;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
  activation?: { apply(x: tf.Tensor): tf.Tensor; getClassName(): string };
  poolSize?: [number, number];
  strides?: [number, number];
  padding?: 'valid' | 'same' | 'causal';
  dataFormat?: 'channelsFirst' | 'channelsLast';
  dilationRate?: number | [number, number];
  kernel?: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  outputShape: tf.Shape | tf.Shape[];
}

/** Activations that are elementwise, so DeepLIFT's rescale rule applies to them. */
const ELEMENTWISE_ACTIVATIONS = new Set([
  'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'softplus', 'softsign', 'tanh',
  'swish', 'mish', 'gelu', 'gelu_new',
]);
/** Activation layers (tf.layers.reLU() and friends) that are elementwise. */
const ELEMENTWISE_LAYERS = new Set(['ReLU', 'LeakyReLU', 'ELU', 'ThresholdedReLU']);
/** Layers that are linear (or the identity) at inference, so every rule leaves them alone. */
const LINEAR_LAYERS = new Set([
  'InputLayer', 'Dense', 'Conv1D', 'Conv2D', 'Conv3D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv2DTranspose',
  'Flatten', 'Reshape', 'Permute', 'Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
  'BatchNormalization', 'AveragePooling1D', 'AveragePooling2D', 'GlobalAveragePooling1D', 'GlobalAveragePooling2D',
  'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'Add', 'Concatenate', 'Average', 'Activation', 'Embedding',
  'RepeatVector', 'Sequential', 'Model', 'Functional',
]);

export type TfjsLayersModelOptions = ModelDescription;

/** A TF.js LayersModel (Sequential or functional) behind the Model interface. */
export class TfjsLayersModel implements Model {
  readonly info: ModelInfo;
  private readonly layersByName: Map<string, PatchableLayer>;
  /** Models from the input to one layer's output (and the net's), built on first use; they share the net's weights. */
  private readonly layerModels = new Map<string, tf.LayersModel>();

  constructor(readonly net: tf.LayersModel, options: TfjsLayersModelOptions = {}) {
    if (net.inputs.length !== 1 || net.outputs.length !== 1) {
      throw new UsageError(`model ${net.name} has ${net.inputs.length} inputs and ${net.outputs.length} outputs`,
        'Glassbox explains models with one input and one output; wrap the model to select them');
    }
    const inputShape = net.inputs[0].shape.slice(1);
    const outputShape = net.outputs[0].shape.slice(1);
    if (inputShape.some((d) => d === null) || outputShape.length !== 1 || outputShape[0] === null) {
      throw new UsageError(`model ${net.name} has input ${formatShape(net.inputs[0].shape)} and output ${formatShape(net.outputs[0].shape)}`,
        'the input needs a fixed shape and the output must be [batch, outputs]');
    }
    const layers = net.layers as unknown as PatchableLayer[];
    this.layersByName = new Map(layers.map((l) => [l.name, l]));
    this.info = {
      name: options.name ?? net.name,
      engine: 'tfjs-layers',
      inputShape: inputShape as number[],
      numOutputs: outputShape[0] as number,
      outputKind: options.outputKind ?? 'logits',
      classNames: options.classNames,
      layers: layers.map(describeLayer),
      preprocessing: options.preprocessing,
      description: options.description,
    };
  }

  async forward(inputs: tf.Tensor): Promise<tf.Tensor2D> {
    return tf.tidy(() => this.net.apply(inputs, { training: false }) as tf.Tensor2D);
  }

  async activations(inputs: tf.Tensor, layer: string, options: { output?: boolean } = {}): Promise<LayerActivations> {
    const withOutput = options.output ?? false;
    const key = `${layer}\u0000${withOutput}`;
    let head = this.layerModels.get(key);
    if (!head) {
      const output = (this.layer(layer) as unknown as { output: tf.SymbolicTensor | tf.SymbolicTensor[] }).output;
      if (Array.isArray(output)) throw new UsageError(`layer ${layer} has several outputs`, 'choose a layer with one output');
      head = tf.model({ inputs: this.net.inputs, outputs: withOutput ? [output, this.net.outputs[0]] : output });
      this.layerModels.set(key, head);
    }
    const net = head;
    return tf.tidy(() => {
      const out = net.apply(inputs, { training: false }) as tf.Tensor | tf.Tensor[];
      return (Array.isArray(out) ? { activations: out[0], output: out[1] as tf.Tensor2D } : { activations: out }) as unknown as tf.TensorContainer;
    }) as unknown as LayerActivations;
  }

  supportsRule(kind: BackwardRule['kind']): boolean {
    if (kind === 'standard') return true;
    return this.unsupportedLayers(kind).length === 0;
  }

  async gradients(inputs: tf.Tensor, request: GradientRequest): Promise<Gradients> {
    return this.gradientsSync(inputs, request);
  }

  private gradientsSync(inputs: tf.Tensor, request: GradientRequest): Gradients {
    const rule = request.rule ?? { kind: 'standard' };
    const unsupported = rule.kind === 'standard' ? [] : this.unsupportedLayers(rule.kind);
    if (unsupported.length > 0) {
      throw new UsageError(`${rule.kind} cannot pass through layer(s) ${unsupported.join(', ')} of model ${this.info.name}`,
        'use a gradient method without a modified rule (saliency, integrated-gradients) or a perturbation method');
    }
    const captureLayer = request.layer === undefined ? undefined : this.layer(request.layer);
    const batch = inputs.shape[0];
    const deeplift = rule.kind === 'deeplift-rescale' ? rule : undefined;
    if (deeplift && !sameShape(deeplift.baselines.shape, inputs.shape)) {
      throw new UsageError(`DeepLIFT baselines ${formatShape(deeplift.baselines.shape)} do not match inputs ${formatShape(inputs.shape)}`,
        'give one baseline per input row, or a single baseline to broadcast');
    }
    const restore = this.patch(rule);
    let captured: tf.Tensor | undefined;
    try {
      return tf.tidy(() => {
        // DeepLIFT runs inputs and references as one batch: its rules compare the two halves.
        const fullInputs = deeplift ? tf.concat([inputs, deeplift.baselines], 0) : inputs;
        const fullBatch = fullInputs.shape[0];
        let selected: tf.Tensor1D | undefined;
        const explained = (x: tf.Tensor, delta?: tf.Tensor): tf.Scalar => {
          const out = this.net.apply(x, { training: false }) as tf.Tensor;
          const rows = deeplift ? tf.slice(out, 0, batch) : out;
          // Kept: tensors made inside the gradient function are otherwise freed when it returns.
          selected = tf.keep(selectOutputs(rows, request.target));
          return tf.sum(selected) as tf.Scalar;
        };
        let layerDelta: tf.Tensor | undefined;
        let restoreCapture = () => {};
        if (captureLayer) {
          const shape = [fullBatch, ...(captureLayer.outputShape as number[]).slice(1)];
          layerDelta = tf.zeros(shape);
          restoreCapture = patchCall(captureLayer, (orig) => (layerInputs, kwargs) => {
            const out = orig(layerInputs, kwargs);
            if (Array.isArray(out)) throw new UsageError(`layer ${captureLayer.name} has several outputs`, 'choose a layer with one output');
            captured = tf.keep(out);
            // Adding a zero tensor leaves the forward pass unchanged and makes d out / d delta = d out / d layer.
            return tf.add(out, layerDelta!);
          });
        }
        try {
          const wrt = layerDelta ? [fullInputs, layerDelta] : [fullInputs];
          const { grads } = tf.valueAndGrads((...args: tf.Tensor[]) => explained(args[0], args[1]))(wrt);
          const inputGradients = deeplift ? tf.slice(grads[0], 0, batch) : grads[0];
          // A clone, not the kept tensor itself: kept tensors outlive every tidy, so callers that
          // rely on a tidy scope (gradientsInChunks) would leak one per call.
          const result: Gradients = { selected: selected!.clone(), inputGradients };
          selected!.dispose();
          if (captureLayer) {
            result.layerActivations = deeplift ? tf.slice(captured!, 0, batch) : captured!.clone();
            result.layerGradients = deeplift ? tf.slice(grads[1], 0, batch) : grads[1];
          }
          return result as unknown as tf.TensorContainer;
        } finally {
          restoreCapture();
        }
      }) as unknown as Gradients;
    } finally {
      captured?.dispose();
      restore();
    }
  }

  dispose(): void {
    this.net.dispose();
  }

  private layer(name: string): PatchableLayer {
    const layer = this.layersByName.get(name);
    if (!layer) {
      throw new UsageError(`model ${this.info.name} has no layer named "${name}"`,
        `choose one of: ${[...this.layersByName.keys()].join(', ')}`);
    }
    return layer;
  }

  private unsupportedLayers(kind: BackwardRule['kind']): string[] {
    if (kind !== 'deeplift-rescale') return [];
    const bad: string[] = [];
    for (const layer of this.layersByName.values()) {
      const cls = layer.getClassName();
      const act = layer.activation?.getClassName();
      const actOk = act === undefined || act === 'linear' || ELEMENTWISE_ACTIVATIONS.has(act);
      const layerOk = LINEAR_LAYERS.has(cls) || ELEMENTWISE_LAYERS.has(cls) || isMaxPool2d(layer);
      if (!actOk || !layerOk) bad.push(`${layer.name} (${act && !actOk ? `activation ${act}` : cls})`);
    }
    return bad;
  }

  /** Swaps in a rule's nonlinearities on every layer; returns what undoes it. */
  private patch(rule: BackwardRule): () => void {
    const undo: (() => void)[] = [];
    const eps = rule.kind === 'deeplift-rescale' ? rule.eps ?? 1e-10 : 0;
    for (const layer of this.layersByName.values()) {
      const cls = layer.getClassName();
      if (UNFUSED_LAYERS.has(cls)) {
        undo.push(patchCall(layer, () => (inputs) => unfusedCall(layer, single(inputs))));
      }
      if (rule.kind === 'standard') continue;
      const activation = layer.activation;
      if (activation && activation.getClassName() !== 'linear') {
        const name = activation.getClassName();
        let replacement: ((x: tf.Tensor) => tf.Tensor) | undefined;
        if (rule.kind === 'guided-backprop' && name === 'relu') replacement = guidedRelu;
        if (rule.kind === 'deeplift-rescale') replacement = rescaleNonlinearity((x) => activation.apply(x), eps);
        if (replacement) {
          const apply = replacement;
          // A name of its own: conv and dense layers fuse known activations (relu...) into one kernel,
          // which would bypass the replacement.
          layer.activation = { apply, getClassName: () => `${name}:${rule.kind}` };
          undo.push(() => { layer.activation = activation; });
        }
      }
      if (rule.kind === 'guided-backprop' && cls === 'ReLU') {
        undo.push(patchCall(layer, () => (inputs) => guidedRelu(single(inputs))));
      } else if (rule.kind === 'deeplift-rescale' && ELEMENTWISE_LAYERS.has(cls)) {
        undo.push(patchCall(layer, (orig) => (inputs, kwargs) =>
          rescaleNonlinearity((x) => single(orig(x, kwargs)), eps)(single(inputs))));
      } else if (rule.kind === 'deeplift-rescale' && isMaxPool2d(layer)) {
        const geometry = { poolSize: layer.poolSize!, strides: layer.strides!, padding: layer.padding as 'valid' | 'same' };
        const channelsFirst = layer.dataFormat === 'channelsFirst';
        const pool = rescaleMaxPool(geometry, eps);
        undo.push(patchCall(layer, () => (inputs) => {
          const x = single(inputs);
          return channelsFirst ? tf.transpose(pool(tf.transpose(x, [0, 2, 3, 1])), [0, 3, 1, 2]) : pool(x);
        }));
      }
    }
    return () => undo.reverse().forEach((u) => u());
  }
}

type CallFn = PatchableLayer['call'];

/** Layers that gradients() runs as plain ops instead of TF.js's fused kernels (see unfusedCall). */
const UNFUSED_LAYERS = new Set(['Dense', 'Conv2D']);

/**
 * Dense and Conv2D as separate matmul/conv, bias and activation ops. Inside a gradient TF.js's layers
 * call fused kernels, which apply relu, elu and linear themselves and so bypass a rule's patched
 * activation, and whose conv gradient always computes the filter gradient, a kernel wasm lacks. Plain
 * stride-1 convolutions take fastConv2d, whose input gradient is a forward convolution (much faster on wasm).
 */
function unfusedCall(layer: PatchableLayer, x: tf.Tensor): tf.Tensor {
  const kernel = layer.kernel!.read();
  const bias = layer.bias ? layer.bias.read() : undefined;
  let y: tf.Tensor;
  if (layer.getClassName() === 'Dense') {
    const units = kernel.shape[1] as number;
    const flat = x.rank === 2 ? x : tf.reshape(x, [-1, x.shape[x.rank - 1]]);
    y = tf.matMul(flat as tf.Tensor2D, kernel as tf.Tensor2D);
    if (x.rank !== 2) y = tf.reshape(y, [...x.shape.slice(0, -1), units]);
    if (bias) y = tf.add(y, bias);
  } else {
    const channelsFirst = layer.dataFormat === 'channelsFirst';
    const nhwc = (channelsFirst ? tf.transpose(x, [0, 2, 3, 1]) : x) as tf.Tensor4D;
    const dilations = layer.dilationRate ?? 1;
    const padding = layer.padding as 'valid' | 'same';
    y = fastConvApplies({ kernelShape: kernel.shape, strides: layer.strides!, dilations, padding })
      ? fastConv2d(nhwc, kernel as tf.Tensor4D, padding)
      : tf.conv2d(nhwc, kernel as tf.Tensor4D, layer.strides!, padding, 'NHWC', dilations);
    if (bias) y = tf.add(y, bias);
    if (channelsFirst) y = tf.transpose(y, [0, 3, 1, 2]);
  }
  return layer.activation ? layer.activation.apply(y) : y;
}

function patchCall(layer: PatchableLayer, wrap: (orig: CallFn) => CallFn): () => void {
  const own = Object.prototype.hasOwnProperty.call(layer, 'call');
  const previous = layer.call;
  layer.call = wrap(previous.bind(layer));
  return () => {
    if (own) layer.call = previous;
    else delete (layer as Partial<PatchableLayer>).call;
  };
}

function single(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(x) ? x[0] : x;
}

function isMaxPool2d(layer: PatchableLayer): boolean {
  return layer.getClassName() === 'MaxPooling2D';
}

function describeLayer(layer: PatchableLayer): LayerInfo {
  const shape = Array.isArray(layer.outputShape[0]) ? (layer.outputShape[0] as (number | null)[]) : (layer.outputShape as (number | null)[]);
  const act = layer.activation?.getClassName();
  return {
    name: layer.name,
    className: act && act !== 'linear' ? `${layer.getClassName()}(${act})` : layer.getClassName(),
    outputShape: shape.slice(1),
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
