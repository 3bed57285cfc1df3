import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors.js';
import type { BackwardRule, Model, OutputSelector } from '../models/model.js';
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
      const target = resolveTarget(this.model, x, options.target);
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
export function resolveTarget(model: Model, inputs: tf.Tensor, target: Target | undefined): OutputSelector {
  const batch = inputs.shape[0];
  const n = model.info.numOutputs;
  if (typeof target === 'function') return { kind: 'function', fn: target };
  let indices: Int32Array;
  if (target === undefined) {
    indices = tf.tidy(() => model.forward(inputs).argMax(1).dataSync() as Int32Array);
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
export function gradientsInChunks(
  model: Model,
  inputs: tf.Tensor,
  target: OutputSelector,
  batchSize: number,
  reduce: (grads: ReturnType<Model['gradients']>, start: number, end: number) => tf.Tensor,
  options: { layer?: string; rule?: BackwardRule; onProgress?: ProgressCallback } = {},
): tf.Tensor {
  const n = inputs.shape[0];
  const parts: tf.Tensor[] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      parts.push(tf.tidy(() => {
        const chunk = n <= batchSize ? inputs : tf.slice(inputs, start, end - start);
        const rule = options.rule?.kind === 'deeplift-rescale'
          ? { ...options.rule, baselines: n <= batchSize ? options.rule.baselines : tf.slice(options.rule.baselines, start, end - start) }
          : options.rule;
        const grads = model.gradients(chunk, { target: sliceTarget(target, start, end), layer: options.layer, rule });
        return reduce(grads, start, end);
      }));
      options.onProgress?.(end, n);
    }
    return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  } finally {
    if (parts.length > 1) tf.dispose(parts);
  }
}

/** Input gradients of the selected outputs, in chunks: the workhorse of the plain gradient methods. */
export function inputGradients(model: Model, inputs: tf.Tensor, target: OutputSelector, options: AttributeOptions,
  extra: { rule?: BackwardRule } = {}): tf.Tensor {
  return gradientsInChunks(model, inputs, target, batchSizeOf(options), (g) => g.inputGradients,
    { rule: extra.rule, onProgress: options.onProgress });
}

/** The explained output of each row under the model, [B]. */
export function selectedOutputs(model: Model, inputs: tf.Tensor, target: OutputSelector, batchSize: number): tf.Tensor1D {
  const n = inputs.shape[0];
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    parts.push(tf.tidy(() => {
      const out = model.forward(n <= batchSize ? inputs : tf.slice(inputs, start, end - start));
      return selectOutputs(out, sliceTarget(target, start, end));
    }));
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
