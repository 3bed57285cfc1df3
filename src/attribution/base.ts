import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import type { BackwardRule, Gradients, Model, OutputSelector } from '../models/model.js';
import { selectOutputs } from '../models/select.js';
import { formatShape, isNdArray, sizeOf, toTensor, type InputLike } from '../tensor.js';
import { AttributionResult, type JsonValue } from './result.js';

/** Which output to explain: an index for every row, one index per row, or a function of the output. */
export type Target = number | readonly number[] | ((output: tf.Tensor) => tf.Tensor);

/** A reference input: a constant, one input broadcast to every row, or one per row. */
export type Baseline = number | InputLike;

/** Reports progress of long work: `done` out of `total` units (model evaluations). */
export type ProgressCallback = (done: number, total: number) => void;

export interface AttributeOptions {
  /** Default: the model's top output for each row. */
  target?: Target;
  /** Most inputs sent to the model at once, to bound memory (Captum's internal_batch_size). Default 64. */
  internalBatchSize?: number;
  onProgress?: ProgressCallback;
}

/** What a method's compute step hands back; the base downloads and disposes it. */
export interface Computed {
  attributions: tf.Tensor;
  /** One value per row. */
  convergenceDelta?: tf.Tensor;
  params: Record<string, JsonValue>;
}

export const DEFAULT_INTERNAL_BATCH_SIZE = 64;

/**
 * The shared shape of every method, after Captum's attr/_core: a method is built on a model, and
 * `attribute(inputs, options)` validates the inputs, resolves the target, runs the method's
 * `compute`, and returns a typed result. Methods hold no tensors between calls.
 */
export abstract class Attribution<O extends AttributeOptions = AttributeOptions> {
  /** Registry name, e.g. "saliency". */
  abstract readonly name: string;

  constructor(readonly model: Model) {}

  async attribute(inputs: InputLike, options: O = {} as O): Promise<AttributionResult> {
    const start = performance.now();
    const x = prepareInputs(this.model, inputs);
    try {
      const target = await resolveTarget(this.model, x, options.target);
      const computed = await this.compute(x, target, options);
      try {
        const attributions = Float32Array.from(await computed.attributions.data());
        const delta = computed.convergenceDelta ? Array.from(await computed.convergenceDelta.data()) : undefined;
        return new AttributionResult({
          method: this.name,
          params: { ...computed.params, internalBatchSize: batchSizeOf(options) },
          target: target.kind === 'index' ? Array.from(target.indices) : null,
          shape: [...computed.attributions.shape],
          attributions,
          ...(delta ? { convergenceDelta: delta } : {}),
          timeMs: performance.now() - start,
          model: this.model.info.name,
        });
      } finally {
        computed.attributions.dispose();
        computed.convergenceDelta?.dispose();
      }
    } finally {
      x.dispose();
    }
  }

  /** The method itself, on validated inputs [B, ...] and a resolved target. Returns tensors the base disposes. */
  protected abstract compute(inputs: tf.Tensor, target: OutputSelector, options: O): Promise<Computed>;
}

export function batchSizeOf(options: AttributeOptions): number {
  const size = options.internalBatchSize ?? DEFAULT_INTERNAL_BATCH_SIZE;
  if (!Number.isInteger(size) || size < 1) {
    throw new UsageError(`internalBatchSize must be a positive integer, got ${size}`, 'pass e.g. internalBatchSize: 64');
  }
  return size;
}

/** Checks inputs against the model (shape, finite values) and returns a tensor with a batch dimension. */
export function prepareInputs(model: Model, inputs: InputLike): tf.Tensor {
  const expected = model.info.inputShape;
  const shape = inputs instanceof tf.Tensor ? inputs.shape : isNdArray(inputs) ? inputs.shape : undefined;
  if (!shape) throw new UsageError('inputs must be a tf.Tensor or { shape, data }', 'pass a tensor in the model\'s input layout');
  const withBatch = shape.length === expected.length ? [1, ...shape] : [...shape];
  if (withBatch.length !== expected.length + 1 || withBatch.slice(1).some((d, i) => d !== expected[i])) {
    throw new UsageError(`input shape ${formatShape(shape)} does not fit model ${model.info.name}, which takes ${formatShape([null, ...expected])}`,
      `give inputs of shape ${formatShape(expected)} (one row) or ${formatShape(['batch' as never, ...expected])}`);
  }
  if (withBatch[0] === 0) throw new UsageError('the batch is empty', 'give at least one input row');
  const x = toTensor(inputs);
  const values = x.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const row = Math.floor(i / sizeOf(expected));
      x.dispose();
      throw new UsageError(`input row ${row} holds a ${Number.isNaN(values[i]) ? 'NaN' : 'infinite'} value (at flat index ${i})`,
        'clean the input: attributions of non-finite inputs are meaningless');
    }
  }
  const batched = x.reshape(withBatch);
  x.dispose();
  return batched;
}

/** Turns the user's target into one output index per row (default: the model's top output). */
export async function resolveTarget(model: Model, inputs: tf.Tensor, target: Target | undefined): Promise<OutputSelector> {
  const batch = inputs.shape[0];
  const n = model.info.numOutputs;
  if (typeof target === 'function') return { kind: 'function', fn: target };
  let indices: Int32Array;
  if (target === undefined) {
    const out = await model.forward(inputs);
    indices = tf.tidy(() => out.argMax(1).dataSync() as Int32Array);
    out.dispose();
  } else if (typeof target === 'number') {
    indices = new Int32Array(batch).fill(target);
  } else {
    if (target.length !== batch) {
      throw new UsageError(`${target.length} targets given for ${batch} input rows`, 'give one target for every row, or a single target for all');
    }
    indices = Int32Array.from(target);
  }
  for (const t of indices) {
    if (!Number.isInteger(t) || t < 0 || t >= n) {
      throw new UsageError(`target ${t} is out of range: model ${model.info.name} has ${n} outputs (0 to ${n - 1})`,
        `choose a target between 0 and ${n - 1}`);
    }
  }
  return { kind: 'index', indices: Int32Array.from(indices) };
}

/** Rows [start, end) of a target. */
export function sliceTarget(target: OutputSelector, start: number, end: number): OutputSelector {
  return target.kind === 'index' ? { kind: 'index', indices: target.indices.slice(start, end) } : target;
}

/** Each row's target repeated `times` times in a row: the target of inputs laid out [row][repeat]. */
export function repeatTarget(target: OutputSelector, times: number): OutputSelector {
  if (target.kind !== 'index') return target;
  const out = new Int32Array(target.indices.length * times);
  target.indices.forEach((t, i) => out.fill(t, i * times, (i + 1) * times));
  return { kind: 'index', indices: out };
}

/** A baseline as a tensor of the inputs' shape. */
export function resolveBaseline(model: Model, inputs: tf.Tensor, baseline: Baseline | undefined): tf.Tensor {
  if (baseline === undefined || typeof baseline === 'number') {
    return tf.fill(inputs.shape, baseline ?? 0);
  }
  const b = toTensor(baseline);
  const rowShape = model.info.inputShape;
  const fits = (s: readonly number[]) => s.length === rowShape.length && s.every((d, i) => d === rowShape[i]);
  const broadcast = () => {
    const out = tf.tidy(() => tf.broadcastTo(b.reshape([1, ...rowShape]), inputs.shape));
    b.dispose();
    return out;
  };
  if (fits(b.shape)) return broadcast();
  if (b.shape.length === rowShape.length + 1 && fits(b.shape.slice(1))) {
    if (b.shape[0] === inputs.shape[0]) return b;
    if (b.shape[0] === 1) return broadcast();
  }
  b.dispose();
  throw new UsageError(`baseline shape ${formatShape(b.shape)} does not fit inputs ${formatShape(inputs.shape)}`,
    `give a number, one input of shape ${formatShape(rowShape)}, or one per row`);
}

/**
 * Runs model.gradients over rows in chunks of at most `batchSize`, keeps what `reduce` makes of each
 * chunk (in a tidy scope) and concatenates the kept tensors along the batch dimension.
 */
export async function gradientsInChunks(
  model: Model,
  inputs: tf.Tensor,
  target: OutputSelector,
  batchSize: number,
  reduce: (grads: Gradients, start: number, end: number) => tf.Tensor,
  options: { layer?: string; rule?: BackwardRule; onProgress?: ProgressCallback } = {},
): Promise<tf.Tensor> {
  const n = inputs.shape[0];
  const whole = n <= batchSize;
  const parts: tf.Tensor[] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const chunk = whole ? inputs : tf.slice(inputs, start, end - start);
      const rule = options.rule?.kind === 'deeplift-rescale' && !whole
        ? { ...options.rule, baselines: tf.slice(options.rule.baselines, start, end - start) }
        : options.rule;
      try {
        const grads = await model.gradients(chunk, { target: sliceTarget(target, start, end), layer: options.layer, rule });
        let kept: tf.Tensor | undefined;
        try {
          kept = tf.tidy(() => reduce(grads, start, end));
          parts.push(kept);
        } finally {
          disposeGradients(grads, kept);
        }
      } finally {
        if (!whole) chunk.dispose();
        if (rule !== options.rule && rule?.kind === 'deeplift-rescale') rule.baselines.dispose();
      }
      options.onProgress?.(end, n);
    }
    return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  } finally {
    if (parts.length > 1) tf.dispose(parts);
  }
}

/** Disposes what model.gradients returned, except `keep` (a reducer may hand one of them on). */
export function disposeGradients(g: Gradients, keep?: tf.Tensor): void {
  for (const t of [g.selected, g.inputGradients, g.layerActivations, g.layerGradients]) {
    if (t && t !== keep) t.dispose();
  }
}

/** Input gradients of the selected outputs, in chunks: the workhorse of the plain gradient methods. */
export function inputGradients(model: Model, inputs: tf.Tensor, target: OutputSelector, options: AttributeOptions,
  extra: { rule?: BackwardRule } = {}): Promise<tf.Tensor> {
  return gradientsInChunks(model, inputs, target, batchSizeOf(options), (g) => g.inputGradients,
    { rule: extra.rule, onProgress: options.onProgress });
}

/** The explained output of each row under the model, [B]. */
export async function selectedOutputs(model: Model, inputs: tf.Tensor, target: OutputSelector, batchSize: number): Promise<tf.Tensor1D> {
  const n = inputs.shape[0];
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const chunk = n <= batchSize ? inputs : tf.slice(inputs, start, end - start);
    const out = await model.forward(chunk);
    if (chunk !== inputs) chunk.dispose();
    parts.push(tf.tidy(() => selectOutputs(out, sliceTarget(target, start, end))));
    out.dispose();
  }
  if (parts.length === 1) return parts[0] as tf.Tensor1D;
  const all = tf.concat(parts, 0) as tf.Tensor1D;
  tf.dispose(parts);
  return all;
}

/** How a baseline is named in a result's params: the number, or the shape of the tensor given. */
export function describeBaseline(baseline: Baseline | undefined): string | number {
  if (baseline === undefined) return 0;
  if (typeof baseline === 'number') return baseline;
  return `tensor [${baseline.shape.join(', ')}]`;
}
