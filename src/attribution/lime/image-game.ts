import * as tf from '@tensorflow/tfjs';
import type { Model } from '../../models/model.js';
import type { CoalitionGame } from '../coalition/game.js';

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
