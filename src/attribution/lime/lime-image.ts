import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { Model } from '../../models/model.js';
import { Random, checkSeed } from '../../util/random.js';
import type { ProgressCallback } from '../base.js';
import { TabularExplanation } from '../tabular-explanation.js';
import { checkFeatureSelection, type FeatureSelection } from './feature-selection.js';
import { imageGame } from './image-game.js';
import { limeOverGame } from './lime-game.js';
import { slic, type Segmentation, type SlicOptions } from './slic.js';

export interface LimeImageOptions {
  /** Default 0.25 (on cosine distance, as lime_image). */
  kernelWidth?: number;
  /** Default 0. */
  seed?: number;
}

export interface LimeImageExplainOptions {
  /** The explained class; default the model's predicted class for the image. */
  target?: number;
  /** Default 1000. */
  numSamples?: number;
  /** Default 100000 (lime_image's: every segment, ranked by highest weights). */
  numFeatures?: number;
  /** Default 'auto'. */
  featureSelection?: FeatureSelection;
  /** What hidden segments show: default each segment's mean colour (lime's hide_color=None); or one value, or one per channel. */
  hideColor?: number | number[];
  /** SLIC settings; default nSegments 50, compactness 0.1 for single-channel images, else skimage's 100 and 10 on Lab. */
  slic?: SlicOptions;
  /** A segmentation of your own instead of SLIC: one label per pixel (0..count-1), row by row. */
  segments?: Int32Array;
  /** Pictures per model call; default 50. */
  batchSize?: number;
  onProgress?: ProgressCallback;
}

/**
 * LIME for images over superpixels, with lime_image's semantics: each sample switches every segment
 * off with probability 1/2 (painting it with its mean colour or a given one), samples are weighted by
 * sqrt(exp(-cos_dist^2 / 0.25^2)) to the full picture, and a weighted ridge over segment presence
 * explains the target output. The result is a TabularExplanation with one feature per segment
 * ("segment 0", ...); extras carry the segment map (`segments`, row by row, with `height` and `width`)
 * so a renderer can draw the top segments.
 */
export class LimeImage {
  readonly kernelWidth: number;
  private readonly seed: number;

  constructor(readonly model: Model, options: LimeImageOptions = {}) {
    this.kernelWidth = options.kernelWidth ?? 0.25;
    if (!(this.kernelWidth > 0)) throw new UsageError(`kernelWidth must be positive, got ${options.kernelWidth}`, 'leave it out for lime_image\'s default 0.25');
    this.seed = checkSeed(options.seed ?? 0);
  }

  private async predictedClass(pixels: Float32Array): Promise<number> {
    const input = tf.tensor(pixels, [1, ...this.model.info.inputShape]);
    const out = await this.model.forward(input);
    const scores = Array.from(await out.data());
    input.dispose();
    out.dispose();
    return scores.indexOf(Math.max(...scores));
  }

  /** `image`: one input, [1, H, W, C] or [H, W, C] in the model's (NHWC) layout. */
  async explain(image: tf.Tensor, options: LimeImageExplainOptions = {}): Promise<TabularExplanation> {
    const started = performance.now();
    const shape = this.model.info.inputShape;
    if (shape.length !== 3) {
      throw new UsageError(`LIME for images needs a model that takes [height, width, channels] images; ${this.model.info.name} takes [${shape.join(', ')}]`, 'use LimeTabular for flat inputs');
    }
    if (this.model.info.preprocessing?.layout === 'NCHW') {
      throw new UsageError(`model ${this.model.info.name} takes NCHW images; LIME for images reads NHWC`, 'export the model with channels last');
    }
    const imageShape = image.shape[0] === 1 && image.rank === 4 ? image.shape.slice(1) : image.shape;
    if (imageShape.length !== 3 || imageShape.some((d, i) => d !== shape[i])) {
      throw new UsageError(`LIME explains one image of shape [${shape.join(', ')}] (or [1, ${shape.join(', ')}]); got [${image.shape.join(', ')}]`, 'pass a single image in the model\'s input shape');
    }
    const [height, width, channels] = shape;
    const pixels = Float32Array.from(await image.data());
    for (const v of pixels) if (!Number.isFinite(v)) throw new UsageError('the image has non-finite values', 'pass finite pixel values');

    const segmentation = options.segments
      ? checkSegments(options.segments, height, width)
      : slic(pixels, height, width, channels, { ...(channels === 3 ? {} : { nSegments: 50, compactness: 0.1 }), ...options.slic });
    const target = options.target ?? await this.predictedClass(pixels);
    if (!Number.isInteger(target) || target < 0 || target >= this.model.info.numOutputs) {
      throw new UsageError(`target ${target} is out of range: the model has ${this.model.info.numOutputs} outputs`, `pass a target from 0 to ${this.model.info.numOutputs - 1}`);
    }
    const numSamples = options.numSamples ?? 1000;
    const numFeatures = options.numFeatures ?? 100000;
    const featureSelection = checkFeatureSelection(options.featureSelection ?? 'auto');
    const batchSize = options.batchSize ?? 50;
    const game = imageGame(this.model, pixels, segmentation, { target, hideColor: options.hideColor, batchSize });
    const { surrogate, prediction } = await limeOverGame(game, {
      numSamples, numFeatures, featureSelection, kernelWidth: this.kernelWidth, distanceScale: 1,
      sampleMasks: coinFlips, rng: new Random(this.seed), batchSize, onProgress: options.onProgress,
    });
    return new TabularExplanation({
      method: 'lime-image',
      params: {
        numSamples, numFeatures, featureSelection, kernelWidth: this.kernelWidth, seed: this.seed,
        hideColor: options.hideColor ?? 'segment mean', segmentation: options.segments ? 'given' : 'slic',
        ...(options.segments ? {} : { slic: { ...(channels === 3 ? {} : { nSegments: 50, compactness: 0.1 }), ...options.slic } as Record<string, number | boolean> }),
      },
      model: this.model.info.name, target, output: this.model.info.outputKind === 'probabilities' ? 'probability' : this.model.info.outputKind === 'logits' ? 'margin' : 'value',
      featureNames: game.playerNames, values: [game.playerNames.map(() => 1)],
      attributions: [Array.from(surrogate.weights)], baseValues: [surrogate.intercept], predictions: [prediction],
      extras: [{
        intercept: surrogate.intercept, localPrediction: surrogate.localPrediction, score: surrogate.score,
        ranked: surrogate.ranked, height, width, segments: Array.from(segmentation.labels),
      }],
      timeMs: performance.now() - started,
    });
  }
}

/** lime_image's sampling: every segment of samples 1..n-1 is on or off with probability 1/2. */
function coinFlips(masks: Uint8Array, n: number, players: number, rng: Random): void {
  for (let v = players; v < n * players; v++) masks[v] = rng.uniform() < 0.5 ? 1 : 0;
}

function checkSegments(labels: Int32Array, height: number, width: number): Segmentation {
  if (labels.length !== height * width) {
    throw new UsageError(`the segment map has ${labels.length} labels for a ${height} x ${width} image`, 'give one label per pixel, row by row');
  }
  let max = -1;
  for (const l of labels) {
    if (!Number.isInteger(l) || l < 0) throw new UsageError(`segment labels must be integers from 0, got ${l}`, 'number segments 0, 1, 2, ...');
    max = Math.max(max, l);
  }
  return { height, width, labels, count: max + 1 };
}
