import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { Model, OutputSelector } from '../../models/model.js';
import { formatShape, sizeOf, toTensor } from '../../tensor.js';
import { checkSeed, Random } from '../../util/random.js';
import {
  Attribution, batchSizeOf, describeBaseline, gradientsInChunks, repeatTarget, selectedOutputs, sliceTarget,
  type AttributeOptions, type Baseline, type Computed,
} from '../base.js';

export interface GradientShapOptions extends AttributeOptions {
  /**
   * The baseline distribution: a constant, one input, or N inputs [N, ...] to draw from (Captum
   * requires it; here it defaults to a single all-zero input).
   */
  baselines?: Baseline;
  /** Random points per input row. Default 50 (Captum: 5, which leaves the estimate noisy). */
  samples?: number;
  /** Standard deviation of gaussian noise added to the inputs, in input units. Default 0, as Captum. */
  stdev?: number;
  /** Seed of the draws. Default 0. */
  seed?: number;
}

/**
 * GradientSHAP (Lundberg and Lee 2017), as Captum's GradientShap: an estimate of expected gradients.
 * For each of `samples` points per row it draws a baseline b from the distribution, noise n ~ N(0, stdev^2)
 * and alpha ~ U[0, 1], and takes grad f(b + alpha (x + n - b)) * (x + n - b); the attributions are the
 * mean over the points. With one baseline and no noise this is integrated gradients with random steps.
 * The convergence delta per row is the mean over its points of Captum's per-point delta
 * sum(attribution) - (f(x + n) - f(b)), i.e. sum(attributions) - mean(f(x + n) - f(b)).
 */
export class GradientShap extends Attribution<GradientShapOptions> {
  readonly name = 'gradient-shap';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: GradientShapOptions): Promise<Computed> {
    const samples = options.samples ?? 50;
    if (!Number.isInteger(samples) || samples < 1) throw new UsageError(`samples must be a positive integer, got ${samples}`, 'pass e.g. samples: 50');
    const stdev = options.stdev ?? 0;
    if (!Number.isFinite(stdev) || stdev < 0) throw new UsageError(`stdev must be a finite number >= 0, got ${stdev}`, 'pass e.g. stdev: 0.1 (in input units)');
    const seed = checkSeed(options.seed ?? 0);
    const batchSize = batchSizeOf(options);
    const batch = inputs.shape[0];
    const rowShape = inputs.shape.slice(1);
    const rowSize = sizeOf(rowShape);
    const distribution = baselineDistribution(this.model, options.baselines);
    const rng = new Random(seed);
    const points = batch * samples;
    const pointTarget = repeatTarget(target, samples);
    // Points are assembled in plain JS: wasm's Gather is slow on rows this wide.
    const inputData = await inputs.data();
    const distributionData = await distribution.data();
    let sum = tf.zeros([batch, rowSize]);
    let deltaSum = tf.zeros([batch, 1]);
    try {
      // Points laid out [row][sample] and drawn in order (baseline, alpha, noise), so any batch size gives the same draws.
      for (let start = 0; start < points; start += batchSize) {
        const end = Math.min(points, start + batchSize);
        const n = end - start;
        const rows = Int32Array.from({ length: n }, (_, p) => Math.floor((start + p) / samples));
        const drawn = new Int32Array(n);
        const alpha = new Float32Array(n);
        const noise = new Float32Array(stdev > 0 ? n * rowSize : 0);
        for (let p = 0; p < n; p++) {
          drawn[p] = rng.int(distribution.shape[0]);
          alpha[p] = rng.uniform();
          if (stdev > 0) rng.fillNormal(noise, stdev, p * rowSize, (p + 1) * rowSize);
        }
        const xs = new Float32Array(n * rowSize);
        const bs = new Float32Array(n * rowSize);
        const ds = new Float32Array(n * rowSize);
        const ss = new Float32Array(n * rowSize);
        for (let p = 0; p < n; p++) {
          const from = rows[p] * rowSize;
          const base = drawn[p] * rowSize;
          for (let j = 0; j < rowSize; j++) {
            const xv = inputData[from + j] + (stdev > 0 ? noise[p * rowSize + j] : 0);
            const bv = distributionData[base + j];
            const i = p * rowSize + j;
            xs[i] = xv;
            bs[i] = bv;
            ds[i] = xv - bv;
            ss[i] = bv + alpha[p] * (xv - bv);
          }
        }
        const shape = [n, ...rowShape];
        const [x, b, diff, scaled] = [xs, bs, ds, ss].map((a) => tf.tensor(a, shape));
        const chunkTarget = sliceTarget(pointTarget, start, end);
        const grads = await gradientsInChunks(this.model, scaled, chunkTarget, n, (g) => g.inputGradients);
        const fx = await selectedOutputs(this.model, x, chunkTarget, n);
        const fb = await selectedOutputs(this.model, b, chunkTarget, n);
        const [nextSum, nextDelta] = tf.tidy(() => {
          const contributions = tf.mul(grads, diff).reshape([n, rowSize]);
          const pointDelta = tf.sub(tf.sum(contributions, 1), tf.sub(fx, fb)).reshape([n, 1]);
          // Each row's mean over its points as one matrix product: [B, n] x [n, ...].
          const assign = new Float32Array(batch * n);
          rows.forEach((row, p) => { assign[row * n + p] = 1 / samples; });
          const mean = tf.tensor2d(assign, [batch, n]);
          return [tf.add(sum, tf.matMul(mean, contributions)), tf.add(deltaSum, tf.matMul(mean, pointDelta))];
        });
        tf.dispose([sum, deltaSum, x, b, diff, scaled, grads, fx, fb]);
        sum = nextSum;
        deltaSum = nextDelta;
        options.onProgress?.(end, points);
      }
      return {
        attributions: sum.reshape(inputs.shape),
        convergenceDelta: deltaSum.reshape([batch]),
        params: { baselines: describeBaseline(options.baselines), baselineCount: distribution.shape[0], samples, stdev, seed },
      };
    } finally {
      tf.dispose([sum, deltaSum, distribution]);
    }
  }
}

/** The baselines as N rows [N, ...row] to draw from. */
function baselineDistribution(model: Model, baselines: Baseline | undefined): tf.Tensor {
  const rowShape = model.info.inputShape;
  if (baselines === undefined || typeof baselines === 'number') {
    if (baselines !== undefined && !Number.isFinite(baselines)) throw new UsageError(`baseline ${baselines} is not finite`, 'pass a finite number');
    return tf.fill([1, ...rowShape], baselines ?? 0);
  }
  const shape = baselines.shape;
  const fits = (s: readonly number[]) => s.length === rowShape.length && s.every((d, i) => d === rowShape[i]);
  if (!fits(shape) && !(shape.length === rowShape.length + 1 && shape[0] > 0 && fits(shape.slice(1)))) {
    throw new UsageError(`baselines ${formatShape(shape)} do not fit model ${model.info.name}, which takes ${formatShape(rowShape)}`,
      `give a number, one input of shape ${formatShape(rowShape)}, or N of them as [N, ${rowShape.join(', ')}]`);
  }
  const b = toTensor(baselines);
  if (shape.length === rowShape.length + 1) return b;
  const row = b.reshape([1, ...rowShape]);
  b.dispose();
  return row;
}
