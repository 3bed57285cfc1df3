import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { OutputSelector } from '../../models/model.js';
import { sizeOf } from '../../tensor.js';
import { Random, checkSeed } from '../../util/random.js';
import { Attribution, batchSizeOf, type AttributeOptions, type Computed } from '../base.js';
import { checkFeatureSelection, type FeatureSelection } from '../lime/feature-selection.js';
import { limeOverGame } from '../lime/lime-game.js';
import type { JsonValue } from '../result.js';
import {
  absentValues, describeAbsent, rowSelector, SegmentGame, segmentRows, slicSettings, type AbsentValue, type SegmentationOptions,
} from './segment-game.js';

export interface LimeOptions extends AttributeOptions, SegmentationOptions {
  /** What a switched-off segment shows. Default 'segment-mean' (lime_image's hide_color=None); a number or input tensor as a baseline. */
  baselines?: AbsentValue;
  /** Perturbed samples per row, the row itself included (lime's num_samples). Default 1000. */
  samples?: number;
  /** Width of the exponential kernel on the cosine distance to the full picture. Default 0.25 (lime_image). */
  kernelWidth?: number;
  /** Segments the surrogate may use (lime's num_features). Default 100000: all of them. */
  numFeatures?: number;
  /** Default 'auto' (lime's). */
  featureSelection?: FeatureSelection;
  /** Default 0. Rows draw from one seeded stream in order. */
  seed?: number;
}

/**
 * LIME over segments (Captum's Lime with a feature mask; lime_image's sampling and kernel): each
 * sample switches every segment off with probability 1/2, is weighted by sqrt(exp(-d^2 / width^2))
 * of its cosine distance d to the full picture, and a weighted ridge (alpha 1) over segment presence
 * fits the target output. Every element gets its segment's weight. Segments are SLIC superpixels of
 * each row, or the featureMask's features. There is no convergence delta: a surrogate's weights need
 * not add up to anything.
 */
export class Lime extends Attribution<LimeOptions> {
  readonly name = 'lime';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: LimeOptions): Promise<Computed> {
    const batch = inputs.shape[0];
    const rowShape = inputs.shape.slice(1);
    const rowSize = sizeOf(rowShape);
    const batchSize = batchSizeOf(options);
    const samples = options.samples ?? 1000;
    if (!Number.isInteger(samples) || samples < 2) throw new UsageError(`samples must be an integer >= 2, got ${samples}`, 'pass e.g. samples: 1000');
    const kernelWidth = options.kernelWidth ?? 0.25;
    if (!(kernelWidth > 0) || !Number.isFinite(kernelWidth)) throw new UsageError(`kernelWidth must be a positive number, got ${kernelWidth}`, 'leave it out for lime_image\'s 0.25');
    const numFeatures = options.numFeatures ?? 100000;
    const featureSelection = checkFeatureSelection(options.featureSelection ?? 'auto');
    const seed = checkSeed(options.seed ?? 0);
    const layout = this.model.info.preprocessing?.layout;

    const values = Float32Array.from(await inputs.data());
    const segments = segmentRows(values, batch, rowShape, options, layout);
    const hidden = await absentValues(this.model, inputs, values, segments, options.baselines, 'segment-mean', layout);
    const rng = new Random(seed);
    const out = new Float32Array(batch * rowSize);
    const scores: number[] = [];
    const intercepts: number[] = [];
    for (let b = 0; b < batch; b++) {
      const row = values.subarray(b * rowSize, (b + 1) * rowSize);
      const game = new SegmentGame(this.model, row, hidden.subarray(b * rowSize, (b + 1) * rowSize), segments[b], rowSelector(target, b), batchSize);
      const { surrogate } = await limeOverGame(game, {
        numSamples: samples, numFeatures, featureSelection, kernelWidth, distanceScale: 1,
        sampleMasks: coinFlips, rng, batchSize,
        onProgress: options.onProgress && ((done) => options.onProgress!(b * samples + done, batch * samples)),
      });
      for (let v = 0; v < rowSize; v++) out[b * rowSize + v] = surrogate.weights[segments[b].segmentOfValue[v]];
      scores.push(surrogate.score);
      intercepts.push(surrogate.intercept);
    }
    const params: Record<string, JsonValue> = {
      samples, kernelWidth, numFeatures, featureSelection, seed,
      baselines: describeAbsent(options.baselines, 'segment-mean'),
      segmentation: options.featureMask !== undefined ? 'featureMask' : 'slic',
      segments: segments.map((s) => s.count),
      score: scores,
      intercept: intercepts,
      evaluations: batch * samples,
    };
    if (options.featureMask === undefined) {
      params.slic = { ...slicSettings(rowShape, options.slic, layout) } as Record<string, JsonValue>;
    }
    return { attributions: tf.tensor(out, inputs.shape), params };
  }
}

/** lime_image's sampling: in samples 1..n-1 every segment is on or off with probability 1/2 (sample 0 is the row). */
function coinFlips(masks: Uint8Array, n: number, players: number, rng: Random): void {
  for (let v = players; v < n * players; v++) masks[v] = rng.uniform() < 0.5 ? 1 : 0;
}
