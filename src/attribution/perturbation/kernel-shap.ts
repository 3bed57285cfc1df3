import * as tf from '@tensorflow/tfjs';
import type { OutputSelector } from '../../models/model.js';
import { sizeOf } from '../../tensor.js';
import { Random, checkSeed } from '../../util/random.js';
import { Attribution, batchSizeOf, type AttributeOptions, type Computed } from '../base.js';
import { checkL1Reg, kernelShapGame, type L1Reg } from '../coalition/kernel-shap.js';
import type { JsonValue } from '../result.js';
import {
  absentValues, describeAbsent, rowSelector, SegmentGame, segmentRows, slicSettings, type AbsentValue, type SegmentationOptions,
} from './segment-game.js';

export interface KernelShapImageOptions extends AttributeOptions, SegmentationOptions {
  /** What an absent segment takes. Default 0 (Captum's KernelShap); 'segment-mean' paints it with its mean colour, as lime_image. */
  baselines?: AbsentValue;
  /** Coalitions per row; 'auto' = 2M + 2048 for M segments (shap), capped at 2^M - 2 (then exact). Default 'auto'. */
  samples?: number | 'auto';
  /** Segment selection before the regression (shap's l1_reg). Default 'none'. */
  l1Reg?: L1Reg;
  /** Default 0. Rows draw from one seeded stream in order. */
  seed?: number;
}

/**
 * KernelSHAP over segments of a tensor input (Captum's KernelShap with a feature mask; shap's
 * KernelExplainer semantics through kernelShapGame: its coalition plan, Shapley kernel weights and
 * efficiency constraint). A coalition keeps its segments' values and sets the others to the baseline;
 * every element gets its segment's Shapley value estimate. The segment values of a row add up to
 * f(x) - f(every segment absent); convergenceDelta reports sum over segments (each counted once) minus
 * that difference, which is zero up to rounding.
 */
export class KernelShapImage extends Attribution<KernelShapImageOptions> {
  readonly name = 'kernel-shap';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: KernelShapImageOptions): Promise<Computed> {
    const batch = inputs.shape[0];
    const rowShape = inputs.shape.slice(1);
    const rowSize = sizeOf(rowShape);
    const batchSize = batchSizeOf(options);
    const samples = options.samples ?? 'auto';
    const l1Reg = checkL1Reg(options.l1Reg ?? 'none');
    const seed = checkSeed(options.seed ?? 0);
    const layout = this.model.info.preprocessing?.layout;

    const values = Float32Array.from(await inputs.data());
    const segments = segmentRows(values, batch, rowShape, options, layout);
    const hidden = await absentValues(this.model, inputs, values, segments, options.baselines, 'zero', layout);
    const random = new Random(seed);
    const out = new Float32Array(batch * rowSize);
    const delta = new Float32Array(batch);
    const evaluations: number[] = [];
    const exact: boolean[] = [];
    const notes: string[] = [];
    for (let b = 0; b < batch; b++) {
      const row = values.subarray(b * rowSize, (b + 1) * rowSize);
      const game = new SegmentGame(this.model, row, hidden.subarray(b * rowSize, (b + 1) * rowSize), segments[b], rowSelector(target, b), batchSize);
      const result = await kernelShapGame(game, {
        nsamples: samples, l1Reg, random,
        onProgress: options.onProgress && ((done, total) => options.onProgress!(b * total + done, batch * total)),
      });
      let sum = 0;
      for (const v of result.values) sum += v;
      delta[b] = sum - (result.fullValue - result.baseValue);
      for (let v = 0; v < rowSize; v++) out[b * rowSize + v] = result.values[segments[b].segmentOfValue[v]];
      evaluations.push(result.evaluations + 2); // the coalition plan plus v(all) and v(none)
      exact.push(result.exact);
      if (typeof result.details?.note === 'string') notes.push(`row ${b}: ${result.details.note}`);
    }
    const params: Record<string, JsonValue> = {
      samples, seed,
      l1Reg: typeof l1Reg === 'object' ? { numFeatures: l1Reg.numFeatures } : l1Reg,
      baselines: describeAbsent(options.baselines, 'zero'),
      segmentation: options.featureMask !== undefined ? 'featureMask' : 'slic',
      segments: segments.map((s) => s.count),
      evaluations,
      exact,
    };
    if (options.featureMask === undefined) params.slic = { ...slicSettings(rowShape, options.slic, layout) } as Record<string, JsonValue>;
    if (notes.length > 0) params.notes = notes;
    return { attributions: tf.tensor(out, inputs.shape), convergenceDelta: tf.tensor1d(delta), params };
  }
}
