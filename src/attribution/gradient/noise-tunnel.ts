import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { Model, OutputSelector } from '../../models/model.js';
import { formatShape, isNdArray, sizeOf, type NdArray } from '../../tensor.js';
import { checkSeed, Random } from '../../util/random.js';
import { Attribution, batchSizeOf, type AttributeOptions, type Computed, type Target } from '../base.js';
import type { JsonValue } from '../result.js';
import { Saliency, type SaliencyOptions } from './saliency.js';

/** Captum's nt_type: the mean of the noisy attributions, the mean of their squares, or their variance. */
export type NoiseTunnelType = 'smoothgrad' | 'smoothgrad_sq' | 'vargrad';

export const NOISE_TUNNEL_TYPES: readonly NoiseTunnelType[] = ['smoothgrad', 'smoothgrad_sq', 'vargrad'];

/** The inner method's own options, without the ones the tunnel sets for it. */
export type InnerOptions<IO extends AttributeOptions> = Omit<IO, keyof AttributeOptions>;

export interface NoiseTunnelOptions<IO extends AttributeOptions = AttributeOptions> extends AttributeOptions {
  /** Default 'smoothgrad'. */
  ntType?: NoiseTunnelType;
  /** Noisy copies per input row. Default 25 (Captum: 5; the SmoothGrad paper finds 20-50 enough). */
  samples?: number;
  /**
   * Standard deviation of the gaussian noise, in input units (Captum's stdevs). Default: noiseLevel
   * times the row's value range (max - min), the SmoothGrad paper's advice, so one default fits
   * [0, 1] pixels, [0, 255] pixels and standardised features alike.
   */
  stdev?: number;
  /** Noise as a fraction of each row's value range, when stdev is not given. Default 0.15. */
  noiseLevel?: number;
  /** Seed of the noise. Default 0. */
  seed?: number;
  /** Options for the wrapped method (for integrated gradients: steps, baselines...). */
  methodOptions?: InnerOptions<IO>;
}

/**
 * Captum's NoiseTunnel: runs a method on `samples` noisy copies x + N(0, stdev^2) of every row and
 * combines the results: their mean (smoothgrad), the mean of their squares (smoothgrad_sq) or their
 * variance E[a^2] - E[a]^2 (vargrad). The copies go to the inner method in batches of at most
 * internalBatchSize rows, through its public attribute(); a baseline with one row per input is
 * repeated for that row's copies, as Captum does. The convergence delta (smoothgrad only, when the
 * inner method has one) is the mean of the copies' deltas.
 */
export class NoiseTunnel<IO extends AttributeOptions = AttributeOptions> extends Attribution<NoiseTunnelOptions<IO>> {
  readonly name: string = 'noise-tunnel';

  constructor(readonly inner: Attribution<IO>) {
    super(inner.model);
  }

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: NoiseTunnelOptions<IO>): Promise<Computed> {
    const ntType = options.ntType ?? 'smoothgrad';
    if (!NOISE_TUNNEL_TYPES.includes(ntType)) {
      throw new UsageError(`unknown noise tunnel type "${ntType as string}"`, `choose one of: ${NOISE_TUNNEL_TYPES.join(', ')}`);
    }
    const samples = options.samples ?? 25;
    if (!Number.isInteger(samples) || samples < 1) throw new UsageError(`samples must be a positive integer, got ${samples}`, 'pass e.g. samples: 25');
    const seed = checkSeed(options.seed ?? 0);
    const batchSize = batchSizeOf(options);
    const rowShape = inputs.shape.slice(1);
    const rowSize = sizeOf(rowShape);
    const batch = inputs.shape[0];
    const x = Float32Array.from(await inputs.data());
    const stdevs = noiseStdevs(x, batch, options.stdev, options.noiseLevel);
    const methodOptions = (options.methodOptions ?? {}) as Record<string, unknown>;
    const baselineRows = await perRowBaselines(methodOptions.baselines, batch, rowShape);

    const rng = new Random(seed);
    // Sized by the first result: a layer method's rows need not have the input's shape.
    let outShape: number[] | undefined;
    let sum = new Float64Array(0);
    let sumSq = new Float64Array(0);
    const deltaSum = new Float64Array(batch);
    let hasDelta = true;
    let innerParams: Record<string, JsonValue> = {};
    const total = batch * samples;
    // Copies laid out [row][sample], as Captum's repeat_interleave; drawn in order, so any batch size gives the same noise.
    for (let start = 0; start < total; start += batchSize) {
      const end = Math.min(total, start + batchSize);
      const n = end - start;
      const rowOf = (p: number) => Math.floor((start + p) / samples);
      const noisy = new Float32Array(n * rowSize);
      for (let p = 0; p < n; p++) {
        const row = rowOf(p);
        rng.fillNormal(noisy, stdevs[row], p * rowSize, (p + 1) * rowSize);
        for (let k = 0; k < rowSize; k++) noisy[p * rowSize + k] += x[row * rowSize + k];
      }
      const innerTarget: Target = target.kind === 'index'
        ? Array.from({ length: n }, (_, p) => target.indices[rowOf(p)])
        : target.fn;
      const inner = { ...methodOptions, target: innerTarget, internalBatchSize: batchSize } as Record<string, unknown>;
      if (baselineRows) inner.baselines = gatherRows(baselineRows, Array.from({ length: n }, (_, p) => rowOf(p)));
      const result = await this.inner.attribute({ shape: [n, ...rowShape], data: noisy }, inner as unknown as IO);
      const a = result.attributions;
      if (!outShape) {
        outShape = result.shape.slice(1);
        sum = new Float64Array(batch * sizeOf(outShape));
        sumSq = new Float64Array(batch * sizeOf(outShape));
      }
      const outSize = sizeOf(outShape);
      for (let p = 0; p < n; p++) {
        const offset = rowOf(p) * outSize;
        for (let k = 0; k < outSize; k++) {
          const v = a[p * outSize + k];
          sum[offset + k] += v;
          sumSq[offset + k] += v * v;
        }
        if (result.convergenceDelta) deltaSum[rowOf(p)] += result.convergenceDelta[p];
      }
      hasDelta &&= result.convergenceDelta !== undefined;
      const { internalBatchSize: _, ...params } = result.params;
      innerParams = params;
      options.onProgress?.(end, total);
    }

    const out = new Float32Array(sum.length);
    for (let i = 0; i < out.length; i++) {
      const mean = sum[i] / samples;
      const meanSq = sumSq[i] / samples;
      out[i] = ntType === 'smoothgrad' ? mean : ntType === 'smoothgrad_sq' ? meanSq : meanSq - mean * mean;
    }
    const explicit = options.stdev !== undefined;
    return {
      attributions: tf.tensor(out, [batch, ...outShape!]),
      ...(ntType === 'smoothgrad' && hasDelta ? { convergenceDelta: tf.tensor1d(Array.from(deltaSum, (d) => d / samples)) } : {}),
      params: {
        ntType,
        samples,
        stdev: explicit ? stdevs[0] : Array.from(stdevs),
        ...(explicit ? {} : { noiseLevel: options.noiseLevel ?? DEFAULT_NOISE_LEVEL }),
        seed,
        method: this.inner.name,
        methodParams: innerParams,
      },
    };
  }
}

/**
 * SmoothGrad (Smilkov et al. 2017): the mean gradient over noisy copies of the input, i.e. a noise
 * tunnel over signed saliency (abs: false; pass methodOptions: { abs: true } for the mean of |gradient|,
 * which is what Captum's NoiseTunnel(Saliency) gives by default).
 */
export class SmoothGrad extends NoiseTunnel<SaliencyOptions> {
  override readonly name: string = 'smoothgrad';

  constructor(model: Model) {
    super(new Saliency(model));
  }

  protected override async compute(inputs: tf.Tensor, target: OutputSelector, options: NoiseTunnelOptions<SaliencyOptions>): Promise<Computed> {
    return super.compute(inputs, target, { ...options, methodOptions: { abs: false, ...options.methodOptions } });
  }
}

const DEFAULT_NOISE_LEVEL = 0.15;

/** The noise's standard deviation for each row. */
function noiseStdevs(x: Float32Array, batch: number, stdev: number | undefined, noiseLevel: number | undefined): Float64Array {
  const out = new Float64Array(batch);
  if (stdev !== undefined) {
    if (!Number.isFinite(stdev) || stdev < 0) throw new UsageError(`stdev must be a finite number >= 0, got ${stdev}`, 'pass e.g. stdev: 0.1 (in input units)');
    return out.fill(stdev);
  }
  const level = noiseLevel ?? DEFAULT_NOISE_LEVEL;
  if (!Number.isFinite(level) || level < 0) throw new UsageError(`noiseLevel must be a finite number >= 0, got ${level}`, 'pass e.g. noiseLevel: 0.15');
  const rowSize = x.length / batch;
  for (let i = 0; i < batch; i++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = i * rowSize; k < (i + 1) * rowSize; k++) {
      lo = Math.min(lo, x[k]);
      hi = Math.max(hi, x[k]);
    }
    out[i] = level * (hi - lo);
  }
  return out;
}

/** A `baselines` option with one row per input row, as plain rows; anything else is passed on as it is. */
async function perRowBaselines(baselines: unknown, batch: number, rowShape: number[]): Promise<NdArray | undefined> {
  if (batch < 2 || !(baselines instanceof tf.Tensor || isNdArray(baselines))) return undefined;
  const shape: number[] = [...baselines.shape];
  if (shape.length !== rowShape.length + 1 || shape[0] !== batch) return undefined;
  if (shape.slice(1).some((d, i) => d !== rowShape[i])) {
    throw new UsageError(`baselines ${formatShape(shape)} do not fit inputs [${batch}, ${rowShape.join(', ')}]`,
      `give one baseline of shape ${formatShape(rowShape)} or one per row`);
  }
  const data = baselines instanceof tf.Tensor ? Float32Array.from(await baselines.data()) : baselines.data;
  return { shape, data };
}

function gatherRows(rows: NdArray, indices: number[]): NdArray {
  const size = sizeOf(rows.shape.slice(1));
  const data = new Float32Array(indices.length * size);
  indices.forEach((r, i) => data.set(rows.data.subarray(r * size, (r + 1) * size), i * size));
  return { shape: [indices.length, ...rows.shape.slice(1)], data };
}
