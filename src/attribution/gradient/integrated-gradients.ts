import * as tf from '@tensorflow/tfjs';
import { GlassboxError } from '../../errors.js';
import type { Model, OutputSelector } from '../../models/model.js';
import { sizeOf } from '../../tensor.js';
import {
  Attribution, batchSizeOf, describeBaseline, gradientsInChunks, repeatTarget, resolveBaseline, selectedOutputs, sliceTarget,
  type AttributeOptions, type Baseline, type Computed,
} from '../base.js';
import { integrationGrid, type IntegrationMethod } from '../integration.js';

export interface IntegratedGradientsOptions extends AttributeOptions {
  /** Default 50. */
  steps?: number;
  /** Default 'gausslegendre', as in Captum. */
  integration?: IntegrationMethod;
  /** Default 0 (a black image for pixel inputs in [0, 1]). */
  baselines?: Baseline;
  /** Multiply the path-averaged gradient by (input - baseline). Default true. */
  multiplyByInputs?: boolean;
  /**
   * Let a model that can (the native engine, on models whose first layer is affine) fold the straight
   * path through its first layers instead of taking one full gradient per path point: the same result
   * within float32 rounding, faster. Default true; false always takes the gradients point by point.
   */
  pathShortcut?: boolean;
}

/**
 * Integrated gradients (Sundararajan et al. 2017): (x - x0) times the average gradient along the
 * straight path from the baseline x0 to x. The attributions of a row sum to f(x) - f(x0) up to the
 * integration error, which is returned per row as the convergence delta.
 */
export class IntegratedGradients extends Attribution<IntegratedGradientsOptions> {
  readonly name = 'integrated-gradients';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: IntegratedGradientsOptions): Promise<Computed> {
    const steps = options.steps ?? 50;
    const integration = options.integration ?? 'gausslegendre';
    const multiplyByInputs = options.multiplyByInputs ?? true;
    const { alphas, weights } = integrationGrid(integration, steps);
    const batch = inputs.shape[0];
    const rowSize = sizeOf(inputs.shape.slice(1));
    const batchSize = batchSizeOf(options);
    const baselines = resolveBaseline(this.model, inputs, options.baselines);
    try {
      const diff = tf.sub(inputs, baselines);
      const shortcut = options.pathShortcut ?? true
        ? await sumWithShortcut(this.model, inputs, baselines, target, alphas, weights, batchSize, options.onProgress)
        : undefined;
      const sum = shortcut ?? await sumPointByPoint(this.model, baselines, diff, target, alphas, weights, batchSize, options.onProgress);
      const averaged = sum.reshape(inputs.shape);
      sum.dispose();
      const attributions = multiplyByInputs ? tf.mul(averaged, diff) : averaged.clone();
      const fx = await selectedOutputs(this.model, inputs, target, batchSize);
      const f0 = await selectedOutputs(this.model, baselines, target, batchSize);
      const convergenceDelta = tf.tidy(() => {
        const total = tf.sum(tf.mul(averaged, diff).reshape([batch, rowSize]), 1);
        return tf.sub(total, tf.sub(fx, f0));
      });
      tf.dispose([averaged, diff, fx, f0]);
      return {
        attributions,
        convergenceDelta,
        params: { steps, integration, multiplyByInputs, baselines: describeBaseline(options.baselines) },
      };
    } finally {
      baselines.dispose();
    }
  }
}

type Progress = ((done: number, total: number) => void) | undefined;

/** The weighted gradient sum [B, rowSize], one model gradient per path point, in chunks of `batchSize` points. */
async function sumPointByPoint(
  model: Model, baselines: tf.Tensor, diff: tf.Tensor, target: OutputSelector, alphas: Float64Array, weights: Float64Array,
  batchSize: number, onProgress: Progress,
): Promise<tf.Tensor> {
  const batch = diff.shape[0];
  const steps = alphas.length;
  const rowSize = sizeOf(diff.shape.slice(1));
  // Path points laid out [row][step], generated chunk by chunk so memory stays bounded.
  const points = batch * steps;
  const stepTarget = repeatTarget(target, steps);
  // Path points are filled in plain JS: wasm's Gather took 47 ms of a 160 ms run for 800 points.
  const baseData = await baselines.data();
  const diffData = await diff.data();
  let sum = tf.zeros([batch, rowSize]);
  for (let start = 0; start < points; start += batchSize) {
    const end = Math.min(points, start + batchSize);
    const rows = Int32Array.from({ length: end - start }, (_, i) => Math.floor((start + i) / steps));
    const path = new Float32Array((end - start) * rowSize);
    for (let i = 0; i < end - start; i++) {
      const alpha = alphas[(start + i) % steps];
      const from = rows[i] * rowSize;
      for (let j = 0; j < rowSize; j++) path[i * rowSize + j] = baseData[from + j] + alpha * diffData[from + j];
    }
    const pathInputs = tf.tensor(path, [end - start, ...diff.shape.slice(1)]);
    const grads = await gradientsInChunks(model, pathInputs, sliceTarget(stepTarget, start, end), end - start,
      (g) => g.inputGradients);
    pathInputs.dispose();
    const next = tf.tidy(() => {
      // Weighted sum of each row's gradients as one matrix product: [B, chunk] x [chunk, rowSize].
      const assign = new Float32Array(batch * (end - start));
      rows.forEach((row, i) => { assign[row * (end - start) + i] = weights[(start + i) % steps]; });
      return tf.add(sum, tf.matMul(tf.tensor2d(assign, [batch, end - start]), grads.reshape([end - start, rowSize])));
    });
    grads.dispose();
    sum.dispose();
    sum = next;
    onProgress?.(end, points);
  }
  return sum;
}

/**
 * The weighted gradient sum [B, rowSize] through the model's straight-path shortcut, in calls of at
 * most `batchSize` path points (whole rows of steps, or a range of one row's steps when a row's
 * steps alone exceed it); undefined when the model has no shortcut for this request.
 */
async function sumWithShortcut(
  model: Model, inputs: tf.Tensor, baselines: tf.Tensor, target: OutputSelector, alphas: Float64Array, weights: Float64Array,
  batchSize: number, onProgress: Progress,
): Promise<tf.Tensor | undefined> {
  if (!model.straightPathGradients || target.kind !== 'index') return undefined;
  const batch = inputs.shape[0];
  const steps = alphas.length;
  const rowsPerCall = Math.max(1, Math.floor(batchSize / steps));
  const stepsPerCall = Math.min(steps, batchSize);
  const parts: tf.Tensor[] = [];
  try {
    for (let row = 0; row < batch; row += rowsPerCall) {
      const rows = Math.min(rowsPerCall, batch - row);
      const x = tf.slice(inputs, row, rows);
      const b = tf.slice(baselines, row, rows);
      let rowSum: tf.Tensor | undefined;
      try {
        for (let step = 0; step < steps; step += stepsPerCall) {
          const end = Math.min(steps, step + stepsPerCall);
          const result = await model.straightPathGradients(x, b, {
            alphas: alphas.subarray(step, end), weights: weights.subarray(step, end), target: sliceTarget(target, row, row + rows),
          });
          if (!result) {
            // The model decides per model and request, so only a first call can decline.
            if (parts.length > 0 || rowSum) throw new GlassboxError('the model declined its path shortcut midway', 'this is a bug in Glassbox; pass pathShortcut: false');
            return undefined;
          }
          const next = rowSum ? tf.add(rowSum, result.weightedSum) : result.weightedSum;
          if (rowSum) tf.dispose([rowSum, result.weightedSum]);
          rowSum = next;
          onProgress?.(row * steps + rows * end, batch * steps);
        }
      } finally {
        tf.dispose([x, b]);
      }
      parts.push(rowSum!);
    }
    return tf.tidy(() => tf.concat(parts, 0).reshape([batch, -1]));
  } finally {
    tf.dispose(parts);
  }
}
