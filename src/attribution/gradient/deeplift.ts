import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { OutputSelector } from '../../models/model.js';
import { sizeOf } from '../../tensor.js';
import {
  Attribution, batchSizeOf, describeBaseline, gradientsInChunks, resolveBaseline, selectedOutputs,
  type AttributeOptions, type Baseline, type Computed,
} from '../base.js';

export interface DeepLiftOptions extends AttributeOptions {
  /** Reference input: a constant, one input for every row, or one per row. Default 0. */
  baselines?: Baseline;
  /** Below this input difference a nonlinearity falls back to its gradient. Default 1e-10, as in Captum. */
  eps?: number;
  /** Return (x - x0) times the multipliers (Captum's default); false returns the multipliers alone. Default true. */
  multiplyByInputs?: boolean;
}

/**
 * DeepLIFT with the rescale rule (Shrikumar et al. 2017), as Captum's DeepLift: backpropagation in
 * which each nonlinearity's derivative is replaced by the ratio of its output and input differences
 * between the input and the baseline (max-pooling routes the output difference through the argmax,
 * as Captum does). The attributions (x - x0) * multipliers of a row then sum to f(x) - f(x0); the
 * remainder, float rounding, is returned as the convergence delta. Models without a rule for some
 * layer reject the method in model.gradients.
 */
export class DeepLift extends Attribution<DeepLiftOptions> {
  readonly name = 'deeplift';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: DeepLiftOptions): Promise<Computed> {
    const eps = options.eps ?? 1e-10;
    if (!Number.isFinite(eps) || eps < 0) throw new UsageError(`eps must be a finite number >= 0, got ${eps}`, 'pass e.g. eps: 1e-10');
    const multiplyByInputs = options.multiplyByInputs ?? true;
    const batch = inputs.shape[0];
    const batchSize = batchSizeOf(options);
    const baselines = resolveBaseline(this.model, inputs, options.baselines);
    const owned: tf.Tensor[] = [baselines];
    try {
      const multipliers = await gradientsInChunks(this.model, inputs, target, batchSize, (g) => g.inputGradients,
        { rule: { kind: 'deeplift-rescale', baselines, eps }, onProgress: options.onProgress });
      owned.push(multipliers);
      const contributions = tf.tidy(() => tf.mul(multipliers, tf.sub(inputs, baselines)));
      owned.push(contributions);
      const fx = await selectedOutputs(this.model, inputs, target, batchSize);
      const f0 = await selectedOutputs(this.model, baselines, target, batchSize);
      owned.push(fx, f0);
      const convergenceDelta = tf.tidy(() => {
        const total = tf.sum(contributions.reshape([batch, sizeOf(inputs.shape.slice(1))]), 1);
        return tf.sub(total, tf.sub(fx, f0));
      });
      const attributions = multiplyByInputs ? contributions : multipliers;
      owned.splice(owned.indexOf(attributions), 1);
      return {
        attributions,
        convergenceDelta,
        params: { baselines: describeBaseline(options.baselines), eps, multiplyByInputs, rule: 'rescale' },
      };
    } finally {
      tf.dispose(owned);
    }
  }
}
