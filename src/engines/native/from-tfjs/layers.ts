/**
 * One converter per TF.js layer class. Each reads the layer's config and weights, takes its inputs in
 * the layout it needs (Context.value), and returns its outputs in the layout it computed them in.
 * Each is written against what tfjs-layers actually computes (its `call`), not Keras' documentation.
 */
import type * as tf from '@tensorflow/tfjs';
import { attr, type AttrValue, type Dim } from '../graph.js';
import { type ActivationName, applyActivation, isActivation } from './activations.js';
import {
  cfAxis, type Context, type Layout, layerWeights, permute, type Produced, type Sym, transposeData, UnsupportedLayerError,
} from './context.js';

type ConfigDict = Record<string, unknown>;

/** Typed reads of a layer's getConfig(), failing with the layer's name when a value is not as expected. */
export class LayerConfig {
  readonly className: string;
  private readonly config: ConfigDict;

  constructor(readonly layer: tf.layers.Layer) {
    this.className = layer.getClassName();
    this.config = layer.getConfig() as ConfigDict;
  }

  fail(reason: string): never {
    throw new UnsupportedLayerError(this.layer.name, this.className, reason);
  }

  has(key: string): boolean {
    return this.config[key] !== undefined && this.config[key] !== null;
  }

  num(key: string, fallback?: number): number {
    const v = this.config[key];
    if (typeof v === 'number') return v;
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    return this.fail(`option ${key} = ${JSON.stringify(v)} is not a number`);
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.config[key];
    if (typeof v === 'boolean') return v;
    if (v === undefined || v === null) return fallback;
    return this.fail(`option ${key} = ${JSON.stringify(v)} is not a boolean`);
  }

  str(key: string, fallback: string): string {
    const v = this.config[key];
    if (typeof v === 'string') return v;
    if (v === undefined || v === null) return fallback;
    return this.fail(`option ${key} = ${JSON.stringify(v)} is not a string`);
  }

  /** A number or an array of `n` numbers (TF.js accepts either for sizes, strides and rates). */
  nums(key: string, n: number, fallback?: number): number[] {
    const v = this.config[key];
    if (typeof v === 'number') return new Array<number>(n).fill(v);
    if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
      if (v.length === n) return v as number[];
      if (v.length === 1) return new Array<number>(n).fill(v[0] as number);
    }
    if ((v === undefined || v === null) && fallback !== undefined) return new Array<number>(n).fill(fallback);
    return this.fail(`option ${key} = ${JSON.stringify(v)} is not ${n} numbers`);
  }

  raw(key: string): unknown {
    return this.config[key];
  }

  /** The layer's `activation` option, checked against the activations the converter knows. */
  activation(key = 'activation'): ActivationName {
    const name = this.str(key, 'linear');
    if (!isActivation(name)) return this.fail(`activation "${name}" is not supported`);
    return name;
  }

  /** 'channelsLast' (TF.js's default) or 'channelsFirst'. */
  channelsFirst(): boolean {
    const format = this.str('dataFormat', 'channelsLast');
    if (format !== 'channelsLast' && format !== 'channelsFirst') this.fail(`dataFormat "${format}" is not supported`);
    return format === 'channelsFirst';
  }
}

export type LayerConverter = (cx: Context, c: LayerConfig, inputs: Sym[]) => Array<Produced | Sym>;

function one(c: LayerConfig, inputs: Sym[]): Sym {
  if (inputs.length !== 1) c.fail(`expected one input, got ${inputs.length}`);
  return inputs[0];
}

/** TF's last axis in the given layout of a rank-`rank` tensor. */
function lastAxis(layout: Layout, rank: number): number {
  return layout === 'cf' ? 1 : rank - 1;
}

function activate(cx: Context, c: LayerConfig, value: string, layout: Layout, rank: number, key = 'activation'): string {
  return applyActivation(cx, c.activation(key), value, lastAxis(layout, rank));
}

function weight(c: LayerConfig, weights: ReturnType<typeof layerWeights>, name: string): { data: Float32Array; shape: number[] } {
  const w = weights.get(name);
  if (!w) c.fail(`weight "${name}" not found (has ${[...weights.keys()].join(', ') || 'none'})`);
  return w;
}

/**
 * ONNX pads for TF padding over known spatial sizes: 'same' puts the odd pixel at the end (TF's rule,
 * ONNX's SAME_UPPER). Unknown sizes fall back to auto_pad SAME_UPPER, which computes the same at run time.
 */
function padAttrs(c: LayerConfig, padding: string, spatial: Dim[], kernel: number[], strides: number[], dilations: number[]): Record<string, AttrValue> {
  if (padding === 'valid') return {};
  if (padding !== 'same') c.fail(`padding "${padding}" is not supported`);
  if (!spatial.every((d): d is number => typeof d === 'number')) return { auto_pad: attr.string('SAME_UPPER') };
  const begin: number[] = [];
  const end: number[] = [];
  spatial.forEach((size, i) => {
    const effective = (kernel[i] - 1) * dilations[i] + 1;
    const out = Math.ceil(size / strides[i]);
    const total = Math.max((out - 1) * strides[i] + effective - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return begin.some((p) => p > 0) || end.some((p) => p > 0) ? { pads: attr.ints([...begin, ...end]) } : {};
}

/** The input's channels-first value and spatial sizes: TF's channels-last tensor is transposed, a channels-first one is used as is. */
function spatialInput(cx: Context, c: LayerConfig, x: Sym, spatialRank: number): { value: string; spatial: Dim[]; layout: Layout } {
  if (x.shape.length !== spatialRank + 2) c.fail(`expected a rank-${spatialRank + 2} input, got rank ${x.shape.length}`);
  if (c.channelsFirst()) return { value: cx.tfValue(x), spatial: x.shape.slice(2), layout: 'tf' };
  return { value: cx.cfValue(x), spatial: x.shape.slice(1, -1), layout: 'cf' };
}

const conv: LayerConverter = (cx, c, inputs) => {
  const x = one(c, inputs);
  const w = layerWeights(c.layer);
  const kernel = weight(c, w, 'kernel');
  const n = kernel.shape.length - 2;
  if (c.str('padding', 'valid') === 'causal') c.fail('padding "causal" is not supported');
  const sizes = c.nums('kernelSize', n);
  const strides = c.nums('strides', n, 1);
  const dilations = c.nums('dilationRate', n, 1);
  const input = spatialInput(cx, c, x, n);
  // TF [k..., in, out] -> ONNX [out, in, k...].
  const W = transposeData(kernel.data, kernel.shape, [n + 1, n, ...sizes.map((_, i) => i)]);
  const inputsOnnx = [input.value, cx.tensor(W, permute(kernel.shape, [n + 1, n, ...sizes.map((_, i) => i)]), `${c.layer.name}/kernel`)];
  if (c.bool('useBias', true)) inputsOnnx.push(biasConstant(cx, c, w));
  const y = cx.op('Conv', inputsOnnx, {
    kernel_shape: attr.ints(sizes), strides: attr.ints(strides), dilations: attr.ints(dilations),
    ...padAttrs(c, c.str('padding', 'valid'), input.spatial, sizes, strides, dilations),
  }, 'conv');
  return [{ value: activate(cx, c, y, input.layout, n + 2), layout: input.layout }];
};

function biasConstant(cx: Context, c: LayerConfig, w: ReturnType<typeof layerWeights>): string {
  const bias = weight(c, w, 'bias');
  return cx.tensor(bias.data, bias.shape, `${c.layer.name}/bias`);
}

/** TF depthwise kernel [kh, kw, C, m] -> ONNX grouped-conv weight [C*m, 1, kh, kw]: output channel c*m + j is group c. */
function depthwiseWeight(kernel: { data: Float32Array; shape: number[] }): { data: Float32Array; shape: number[] } {
  const [kh, kw, channels, multiplier] = kernel.shape;
  return { data: transposeData(kernel.data, kernel.shape, [2, 3, 0, 1]), shape: [channels * multiplier, 1, kh, kw] };
}

const depthwiseConv2d: LayerConverter = (cx, c, inputs) => {
  const x = one(c, inputs);
  const w = layerWeights(c.layer);
  // tfjs-layers' DepthwiseConv2D passes no dilation to its kernel, so a dilated layer does not compute
  // what its config says; rather than copy that, the native engine declines.
  if (c.nums('dilationRate', 2, 1).some((d) => d !== 1)) c.fail('dilationRate other than 1 (TF.js ignores it in DepthwiseConv2D)');
  const kernel = weight(c, w, 'depthwise_kernel');
  const W = depthwiseWeight(kernel);
  const sizes = kernel.shape.slice(0, 2);
  const strides = c.nums('strides', 2, 1);
  const input = spatialInput(cx, c, x, 2);
  const inputsOnnx = [input.value, cx.tensor(W.data, W.shape, `${c.layer.name}/depthwise_kernel`)];
  if (c.bool('useBias', true)) inputsOnnx.push(biasConstant(cx, c, w));
  const y = cx.op('Conv', inputsOnnx, {
    kernel_shape: attr.ints(sizes), strides: attr.ints(strides), group: attr.int(kernel.shape[2]),
    ...padAttrs(c, c.str('padding', 'valid'), input.spatial, sizes, strides, [1, 1]),
  }, 'depthwise');
  return [{ value: activate(cx, c, y, input.layout, 4), layout: input.layout }];
};

const separableConv2d: LayerConverter = (cx, c, inputs) => {
  const x = one(c, inputs);
  // tfjs-layers transposes a channels-first input but adds the bias as if channels-first afterwards.
  if (c.channelsFirst()) c.fail('dataFormat "channelsFirst" is not supported');
  const w = layerWeights(c.layer);
  const depthwise = weight(c, w, 'depthwise_kernel');
  const pointwise = weight(c, w, 'pointwise_kernel');
  const sizes = depthwise.shape.slice(0, 2);
  const strides = c.nums('strides', 2, 1);
  const dilations = c.nums('dilationRate', 2, 1);
  const input = spatialInput(cx, c, x, 2);
  const D = depthwiseWeight(depthwise);
  const mid = cx.op('Conv', [input.value, cx.tensor(D.data, D.shape, `${c.layer.name}/depthwise_kernel`)], {
    kernel_shape: attr.ints(sizes), strides: attr.ints(strides), dilations: attr.ints(dilations), group: attr.int(depthwise.shape[2]),
    ...padAttrs(c, c.str('padding', 'valid'), input.spatial, sizes, strides, dilations),
  }, 'depthwise');
  // Pointwise [1, 1, in, out] -> [out, in, 1, 1].
  const P = transposeData(pointwise.data, pointwise.shape, [3, 2, 0, 1]);
  const pointInputs = [mid, cx.tensor(P, permute(pointwise.shape, [3, 2, 0, 1]), `${c.layer.name}/pointwise_kernel`)];
  if (c.bool('useBias', true)) pointInputs.push(biasConstant(cx, c, w));
  const y = cx.op('Conv', pointInputs, { kernel_shape: attr.ints([1, 1]) }, 'pointwise');
  return [{ value: activate(cx, c, y, 'cf', 4), layout: 'cf' }];
};

function pool(kind: 'MaxPool' | 'AveragePool', n: number): LayerConverter {
  return (cx, c, inputs) => {
    const x = one(c, inputs);
    const sizes = c.nums('poolSize', n, 2);
    const strides = c.has('strides') ? c.nums('strides', n) : sizes;
    const input = spatialInput(cx, c, x, n);
    // AveragePool's default count_include_pad=0 leaves the padding out of the average, as TF does.
    const y = cx.op(kind, [input.value], {
      kernel_shape: attr.ints(sizes), strides: attr.ints(strides),
      ...padAttrs(c, c.str('padding', 'valid'), input.spatial, sizes, strides, sizes.map(() => 1)),
    }, kind === 'MaxPool' ? 'maxpool' : 'avgpool');
    return [{ value: y, layout: input.layout }];
  };
}

function globalPool(kind: 'GlobalMaxPool' | 'GlobalAveragePool', n: number): LayerConverter {
  return (cx, c, inputs) => {
    const x = one(c, inputs);
    if (c.bool('keepDims', false)) c.fail('keepDims is not supported');
    const input = spatialInput(cx, c, x, n);
    // [N, C, 1, ...] -> [N, C].
    const pooled = cx.op(kind, [input.value], {}, kind === 'GlobalMaxPool' ? 'global_maxpool' : 'global_avgpool');
    return [{ value: cx.op('Flatten', [pooled], { axis: attr.int(1) }, 'flatten'), layout: 'tf' }];
  };
}

const dense: LayerConverter = (cx, c, inputs) => {
  const x = one(c, inputs);
  const w = layerWeights(c.layer);
  const kernel = weight(c, w, 'kernel');
  // Dense acts on TF's last axis, so a rank-4 input goes back to TF's layout first. MatMul (not Gemm)
  // because TF.js Dense accepts any rank.
  let y = cx.op('MatMul', [cx.tfValue(x), cx.tensor(kernel.data, kernel.shape, `${c.layer.name}/kernel`)], {}, 'matmul');
  if (c.bool('useBias', true)) y = cx.op('Add', [y, biasConstant(cx, c, w)], {}, 'bias_add');
  return [{ value: activate(cx, c, y, 'tf', x.shape.length), layout: 'tf' }];
};

const flatten: LayerConverter = (cx, c, inputs) => {
  const x = one(c, inputs);
  const rank = x.shape.length;
  if (rank <= 2) return [x];
  let v = cx.tfValue(x);
  // tfjs-layers moves a channels-first tensor's channels last before flattening.
  if (c.channelsFirst()) v = cx.op('Transpose', [v], { perm: attr.ints([0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1]) });
  return [{ value: cx.op('Flatten', [v], { axis: attr.int(1) }, 'flatten'), layout: 'tf' }];
};

const reshape: LayerConverter = (cx, c, inputs) => {
  const x = one(c, inputs);
  const target = c.raw('targetShape');
  if (!Array.isArray(target) || !target.every((d) => typeof d === 'number')) c.fail(`targetShape ${JSON.stringify(target)} is not a list of numbers`);
  // 0 copies the batch dimension (allowzero is 0), -1 in the target is inferred as in TF.
  const shape = cx.int64s([0, ...(target as number[])], 'shape');
  return [{ value: cx.op('Reshape', [cx.tfValue(x), shape], {}, 'reshape'), layout: 'tf' }];
};

const permuteLayer: LayerConverter = (cx, c, inputs) => {
  const x = one(c, inputs);
  const dims = c.raw('dims');
  if (!Array.isArray(dims) || !dims.every((d) => typeof d === 'number')) c.fail(`dims ${JSON.stringify(dims)} is not a list of numbers`);
  return [{ value: cx.op('Transpose', [cx.tfValue(x)], { perm: attr.ints([0, ...(dims as number[])]) }, 'permute'), layout: 'tf' }];
};

const identity: LayerConverter = (_cx, c, inputs) => [one(c, inputs)];

/** An elementwise op in the input's own layout. */
function elementwise(fn: (cx: Context, c: LayerConfig, v: string, layout: Layout, rank: number) => string): LayerConverter {
  return (cx, c, inputs) => {
    const x = one(c, inputs);
    const layout = cx.natural(x);
    return [{ value: fn(cx, c, cx.value(x, layout), layout, x.shape.length), layout }];
  };
}

const activationLayer = elementwise((cx, c, v, layout, rank) => activate(cx, c, v, layout, rank));

const relu = elementwise((cx, c, v) => {
  if (!c.has('maxValue')) return cx.op('Relu', [v]);
  return cx.op('Clip', [v, cx.scalar(0, 'zero'), cx.scalar(c.num('maxValue'), 'max_value')], {}, 'relu');
});

const leakyRelu = elementwise((cx, c, v) => cx.op('LeakyRelu', [v], { alpha: attr.float(c.num('alpha', 0.3)) }));
// TF.js's ELU layer refuses any alpha but 1 at construction.
const elu = elementwise((cx, _c, v) => cx.op('Elu', [v], { alpha: attr.float(1) }));
const thresholdedRelu = elementwise((cx, c, v) => cx.op('ThresholdedRelu', [v], { alpha: attr.float(c.num('theta', 1)) }));

const softmaxLayer = elementwise((cx, c, v, layout, rank) => {
  const raw = c.raw('axis');
  const axes = raw === undefined || raw === null ? [-1] : Array.isArray(raw) ? raw : [raw];
  if (axes.length !== 1 || typeof axes[0] !== 'number') c.fail(`softmax over axis ${JSON.stringify(raw)} is not supported (one axis only)`);
  const axis = (axes[0] as number) < 0 ? (axes[0] as number) + rank : (axes[0] as number);
  // As TF.js, which throws at run time for any other axis.
  if (axis !== rank - 1) c.fail(`softmax over axis ${JSON.stringify(raw)} is not supported (the last axis only, as in TF.js)`);
  return cx.op('Softmax', [v], { axis: attr.int(lastAxis(layout, rank)) });
});

const prelu: LayerConverter = (cx, c, inputs) => {
  const x = one(c, inputs);
  const alpha = weight(c, layerWeights(c.layer), 'alpha');
  const layout = cx.natural(x);
  const rank = x.shape.length;
  // alpha has the input's shape without the batch (1 along shared axes); ONNX PRelu broadcasts it from
  // the right, so in the channels-first view its channel axis moves first.
  let slope = alpha;
  if (layout === 'cf') {
    const perm = [rank - 2, ...Array.from({ length: rank - 2 }, (_, i) => i)];
    slope = { data: transposeData(alpha.data, alpha.shape, perm), shape: permute(alpha.shape, perm) };
  }
  const y = cx.op('PRelu', [cx.value(x, layout), cx.tensor(slope.data, slope.shape, `${c.layer.name}/alpha`)], {}, 'prelu');
  return [{ value: y, layout }];
};

const batchNormalization: LayerConverter = (cx, c, inputs) => {
  const x = one(c, inputs);
  const rank = x.shape.length;
  let axis = c.num('axis', -1);
  if (axis < 0) axis += rank;
  // TF.js's batchNorm kernels index the statistics by the position along the last axis whatever their
  // shape, so BatchNormalization over any other axis computes something else than its config says.
  if (axis !== rank - 1) c.fail(`axis ${c.num('axis', -1)} (TF.js normalises correctly only over the last axis)`);
  const w = layerWeights(c.layer);
  const mean = weight(c, w, 'moving_mean');
  const variance = weight(c, w, 'moving_variance');
  const gamma = c.bool('scale', true) ? weight(c, w, 'gamma').data : undefined;
  const beta = c.bool('center', true) ? weight(c, w, 'beta').data : undefined;
  const epsilon = c.num('epsilon', 1e-3);
  const layout = cx.natural(x);
  const at = layout === 'cf' ? cfAxis(axis, rank) : axis;
  const shape = Array.from({ length: rank }, (_, i) => (i === at ? mean.data.length : 1));
  // (x - mean) * (gamma / sqrt(var + eps)) + beta: the order TF.js's batchNorm uses, in basic ops that
  // fold into a preceding Conv in onnxruntime and have trivial gradients.
  const k = Float32Array.from(variance.data, (v, i) => (gamma ? gamma[i] : 1) / Math.sqrt(v + epsilon));
  const name = c.layer.name;
  let y = cx.op('Sub', [cx.value(x, layout), cx.tensor(mean.data, shape, `${name}/moving_mean`)], {}, 'bn_center');
  y = cx.op('Mul', [y, cx.tensor(k, shape, `${name}/scale`)], {}, 'bn_scale');
  if (beta) y = cx.op('Add', [y, cx.tensor(beta, shape, `${name}/beta`)], {}, 'bn_shift');
  return [{ value: y, layout }];
};

const layerNormalization: LayerConverter = (cx, c, inputs) => {
  const x = one(c, inputs);
  const rank = x.shape.length;
  const raw = c.raw('axis');
  const listed = raw === undefined || raw === null ? [-1] : Array.isArray(raw) ? raw : [raw];
  if (!listed.every((a): a is number => typeof a === 'number')) c.fail(`axis ${JSON.stringify(raw)} is not supported`);
  const axes = (listed as number[]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  const w = layerWeights(c.layer);
  const epsilon = c.num('epsilon', 1e-3);
  const name = c.layer.name;
  // TF.js reshapes gamma and beta to the input's rank with the normalised axes kept, in ascending order.
  const paramShape = axes.map((a) => x.shape[a]);
  if (!paramShape.every((d): d is number => typeof d === 'number')) c.fail('normalised axes of unknown size');
  const gamma = c.bool('scale', true) ? weight(c, w, 'gamma').data : undefined;
  const beta = c.bool('center', true) ? weight(c, w, 'beta').data : undefined;
  const v = cx.tfValue(x);
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (trailing && cx.opset >= 17) {
    const size = (paramShape as number[]).reduce((a, b) => a * b, 1);
    const scale = cx.tensor(gamma ?? new Float32Array(size).fill(1), paramShape as number[], `${name}/gamma`);
    const ins = [v, scale, ...(beta ? [cx.tensor(beta, paramShape as number[], `${name}/beta`)] : [])];
    return [{ value: cx.op('LayerNormalization', ins, { axis: attr.int(axes[0]), epsilon: attr.float(epsilon) }, 'layer_norm'), layout: 'tf' }];
  }
  // Before opset 17, or over non-trailing axes: mean and (biased) variance as TF.js's moments computes them.
  const broadcast = Array.from({ length: rank }, (_, i) => (axes.includes(i) ? x.shape[i] as number : 1));
  const mean = reduceMean(cx, v, axes);
  const centred = cx.op('Sub', [v, mean], {}, 'ln_center');
  const variance = reduceMean(cx, cx.op('Mul', [centred, centred], {}, 'ln_square'), axes);
  const std = cx.op('Sqrt', [cx.op('Add', [variance, cx.scalar(epsilon, 'epsilon')])], {}, 'ln_std');
  let y = cx.op('Div', [centred, std], {}, 'ln_normalised');
  if (gamma) y = cx.op('Mul', [y, cx.tensor(gamma, broadcast, `${name}/gamma`)], {}, 'ln_scale');
  if (beta) y = cx.op('Add', [y, cx.tensor(beta, broadcast, `${name}/beta`)], {}, 'ln_shift');
  return [{ value: y, layout: 'tf' }];
};

/** ReduceMean with kept dims; its axes moved from an attribute to an input in opset 18. */
function reduceMean(cx: Context, v: string, axes: number[]): string {
  if (cx.opset >= 18) return cx.op('ReduceMean', [v, cx.int64s(axes, 'axes')], { keepdims: attr.int(1) }, 'mean');
  return cx.op('ReduceMean', [v], { axes: attr.ints(axes), keepdims: attr.int(1) }, 'mean');
}

const embedding: LayerConverter = (cx, c, inputs) => {
  const x = one(c, inputs);
  const table = weight(c, layerWeights(c.layer), 'embeddings');
  // TF.js casts non-int32 indices to int32 (truncating), as ONNX Cast does.
  let indices = cx.tfValue(x);
  if (x.dtype !== 'int32' && x.dtype !== 'int64') indices = cx.op('Cast', [indices], { to: attr.int(ONNX_INT32) }, 'indices');
  const y = cx.op('Gather', [cx.tensor(table.data, table.shape, `${c.layer.name}/embeddings`), indices], { axis: attr.int(0) }, 'embedding');
  return [{ value: y, layout: 'tf' }];
};

/** onnx.TensorProto.DataType.INT32. */
const ONNX_INT32 = 6;

/** Merge layers: elementwise over several inputs of one rank, in a layout they share. */
function merge(fn: (cx: Context, c: LayerConfig, values: string[], layout: Layout, rank: number) => string): LayerConverter {
  return (cx, c, inputs) => {
    if (inputs.length < 2) c.fail(`expected at least two inputs, got ${inputs.length}`);
    const rank = inputs[0].shape.length;
    // tfjs-layers expands lower-rank inputs at axis 1; not needed by common models, so not copied.
    if (inputs.some((s) => s.shape.length !== rank)) c.fail('inputs of different ranks are not supported');
    const layout = cx.common(inputs);
    return [{ value: fn(cx, c, inputs.map((s) => cx.value(s, layout)), layout, rank), layout }];
  };
}

const chain = (op: string) => (cx: Context, _c: LayerConfig, values: string[]) =>
  values.slice(1).reduce((acc, v) => cx.op(op, [acc, v], {}, op.toLowerCase()), values[0]);

const concatenate = merge((cx, c, values, layout, rank) => {
  let axis = c.num('axis', -1);
  if (axis < 0) axis += rank;
  return cx.op('Concat', values, { axis: attr.int(layout === 'cf' ? cfAxis(axis, rank) : axis) }, 'concat');
});

const average = merge((cx, c, values) => {
  const sum = chain('Add')(cx, c, values);
  return cx.op('Mul', [sum, cx.scalar(1 / values.length, 'inverse_count')], {}, 'average');
});

const zeroPadding2d: LayerConverter = (cx, c, inputs) => {
  const x = one(c, inputs);
  const raw = c.raw('padding');
  const valid = Array.isArray(raw) && raw.length === 2 && raw.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number'));
  if (!valid) c.fail(`padding ${JSON.stringify(raw)} is not [[top, bottom], [left, right]]`);
  const [[top, bottom], [left, right]] = raw as number[][];
  const input = spatialInput(cx, c, x, 2);
  const pads = cx.int64s([0, 0, top, left, 0, 0, bottom, right], 'pads');
  return [{ value: cx.op('Pad', [input.value, pads], { mode: attr.string('constant') }, 'pad'), layout: input.layout }];
};

/** Converters by TF.js class name. */
export const CONVERTERS: Record<string, LayerConverter> = {
  Dense: dense,
  Conv1D: conv,
  Conv2D: conv,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  MaxPooling1D: pool('MaxPool', 1),
  AveragePooling1D: pool('AveragePool', 1),
  MaxPooling2D: pool('MaxPool', 2),
  AveragePooling2D: pool('AveragePool', 2),
  GlobalAveragePooling1D: globalPool('GlobalAveragePool', 1),
  GlobalMaxPooling1D: globalPool('GlobalMaxPool', 1),
  GlobalAveragePooling2D: globalPool('GlobalAveragePool', 2),
  GlobalMaxPooling2D: globalPool('GlobalMaxPool', 2),
  Flatten: flatten,
  Reshape: reshape,
  Permute: permuteLayer,
  ZeroPadding2D: zeroPadding2d,
  // Identities at inference.
  Dropout: identity,
  SpatialDropout1D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  Activation: activationLayer,
  ReLU: relu,
  LeakyReLU: leakyRelu,
  ELU: elu,
  ThresholdedReLU: thresholdedRelu,
  Softmax: softmaxLayer,
  PReLU: prelu,
  BatchNormalization: batchNormalization,
  LayerNormalization: layerNormalization,
  Embedding: embedding,
  Add: merge(chain('Add')),
  Multiply: merge(chain('Mul')),
  Maximum: merge(chain('Max')),
  Minimum: merge(chain('Min')),
  Average: average,
  Concatenate: concatenate,
};

