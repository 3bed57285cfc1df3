import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { Model } from '../../models/model.js';
import type { CoalitionGame } from '../coalition/game.js';
import type { Segmentation } from './slic.js';

/**
 * Superpixels as players: a coalition keeps its segments' pixels and paints the others with the hidden
 * image (each segment's mean colour by default, as lime_image with hide_color=None); its value is the
 * model's output `target` on that picture.
 */
export class ImageGame implements CoalitionGame {
  readonly players: number;
  readonly playerNames: string[];

  /**
   * `image` and `hidden` are one input without the batch dimension, in the model's layout;
   * `segmentOfValue` gives the segment of every value of it (a pixel's segment, repeated over channels).
   */
  constructor(
    readonly model: Model,
    readonly image: Float32Array,
    readonly hidden: Float32Array,
    readonly segmentOfValue: Int32Array,
    segments: number,
    readonly target: number,
    readonly batchSize = 50,
  ) {
    this.players = segments;
    this.playerNames = Array.from({ length: segments }, (_, s) => `segment ${s}`);
  }

  /** The pictures of n coalitions, [n, ...inputShape] values. */
  pictures(masks: Uint8Array, n: number): Float32Array {
    const size = this.image.length;
    const out = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      const mask = masks.subarray(i * this.players, (i + 1) * this.players);
      const base = i * size;
      for (let v = 0; v < size; v++) out[base + v] = mask[this.segmentOfValue[v]] ? this.image[v] : this.hidden[v];
    }
    return out;
  }

  async value(masks: Uint8Array, n: number): Promise<Float64Array> {
    const values = new Float64Array(n);
    const shape = this.model.info.inputShape;
    for (let start = 0; start < n; start += this.batchSize) {
      const end = Math.min(n, start + this.batchSize);
      const batch = tf.tensor(this.pictures(masks.subarray(start * this.players, end * this.players), end - start), [end - start, ...shape]);
      try {
        const out = await this.model.forward(batch);
        const data = await out.data();
        const width = out.shape[1];
        out.dispose();
        for (let i = 0; i < end - start; i++) values[start + i] = data[i * width + this.target];
      } finally {
        batch.dispose();
      }
    }
    return values;
  }
}

/**
 * The game of one image (NHWC values without the batch dimension, [H, W, C]) over its segments:
 * hidden segments show their mean colour (lime_image's hide_color=None) or `hideColor` (one value,
 * or one per channel).
 */
export function imageGame(model: Model, pixels: Float32Array, segmentation: Segmentation, options: { target: number; hideColor?: number | number[]; batchSize?: number }): ImageGame {
  const channels = pixels.length / (segmentation.height * segmentation.width);
  if (!Number.isInteger(channels) || segmentation.labels.length !== segmentation.height * segmentation.width) {
    throw new UsageError(`a ${segmentation.height} x ${segmentation.width} segmentation does not fit an image of ${pixels.length} values`, 'segment the image you explain');
  }
  const hidden = hiddenImage(pixels, segmentation, channels, options.hideColor);
  const segmentOfValue = new Int32Array(pixels.length);
  for (let v = 0; v < pixels.length; v++) segmentOfValue[v] = segmentation.labels[Math.floor(v / channels)];
  return new ImageGame(model, pixels, hidden, segmentOfValue, segmentation.count, options.target, options.batchSize);
}

/** lime_image's "fudged image": each segment's mean colour, or the given colour everywhere. */
function hiddenImage(pixels: Float32Array, seg: Segmentation, channels: number, hideColor?: number | number[]): Float32Array {
  const out = new Float32Array(pixels.length);
  if (hideColor !== undefined) {
    const colour = typeof hideColor === 'number' ? new Array<number>(channels).fill(hideColor) : hideColor;
    if (colour.length !== channels || colour.some((c) => !Number.isFinite(c))) {
      throw new UsageError(`hideColor needs one finite value or ${channels} (one per channel), got ${JSON.stringify(hideColor)}`, 'pass e.g. hideColor: 0');
    }
    for (let v = 0; v < out.length; v++) out[v] = colour[v % channels];
    return out;
  }
  const sums = new Float64Array(seg.count * channels);
  const counts = new Float64Array(seg.count);
  for (let p = 0; p < seg.labels.length; p++) {
    counts[seg.labels[p]]++;
    for (let c = 0; c < channels; c++) sums[seg.labels[p] * channels + c] += pixels[p * channels + c];
  }
  for (let p = 0; p < seg.labels.length; p++) {
    for (let c = 0; c < channels; c++) out[p * channels + c] = sums[seg.labels[p] * channels + c] / counts[seg.labels[p]];
  }
  return out;
}
