import * as tf from '@tensorflow/tfjs';
import type { Model, OutputSelector } from '../../models/model.js';
import { selectOutputs } from '../../models/select.js';
import { selectedOutputs, type ProgressCallback } from '../base.js';

/**
 * One batch of perturbations: which input row each perturbed copy comes from, and which of its
 * elements take the baseline value (a bool tensor [n, ...rowShape], built by the method).
 */
export interface AblationPlan {
  /** Number of perturbed copies in all. */
  count: number;
  /** Input row of perturbed copy k. */
  rowOf(k: number): number;
  /** Bool mask of copies [start, end): true where the element is replaced by the baseline. */
  maskOf(start: number, end: number): tf.Tensor;
}

/**
 * The shared engine of the ablation methods (Captum's FeatureAblation loop): evaluates the model on
 * the perturbed copies in chunks of at most `batchSize` rows and returns, for each copy k,
 * f(x_row) - f(copy k), where f is the selected output. Tensor memory is bounded by one chunk.
 */
export async function ablationDiffs(
  model: Model,
  inputs: tf.Tensor,
  baselines: tf.Tensor,
  target: OutputSelector,
  plan: AblationPlan,
  batchSize: number,
  onProgress?: ProgressCallback,
): Promise<Float64Array> {
  const batch = inputs.shape[0];
  const total = batch + plan.count;
  const base = await selectedOutputs(model, inputs, target, batchSize);
  const fx = await base.data();
  base.dispose();
  onProgress?.(batch, total);
  const diffs = new Float64Array(plan.count);
  for (let start = 0; start < plan.count; start += batchSize) {
    const end = Math.min(plan.count, start + batchSize);
    const rows = Int32Array.from({ length: end - start }, (_, i) => plan.rowOf(start + i));
    const chunkTarget: OutputSelector = target.kind === 'index'
      ? { kind: 'index', indices: rows.map((r) => target.indices[r]) }
      : target;
    const perturbed = tf.tidy(() => {
      const idx = tf.tensor1d(rows, 'int32');
      // where() rather than x*(1-m) + b*m: exact, and the same values Captum's blend gives for m in {0, 1}.
      return tf.where(plan.maskOf(start, end), tf.gather(baselines, idx), tf.gather(inputs, idx));
    });
    const output = await model.forward(perturbed);
    perturbed.dispose();
    const selected = tf.tidy(() => selectOutputs(output, chunkTarget));
    output.dispose();
    const values = await selected.data();
    selected.dispose();
    for (let i = 0; i < values.length; i++) diffs[start + i] = fx[rows[i]] - values[i];
    onProgress?.(batch + end, total);
  }
  return diffs;
}
