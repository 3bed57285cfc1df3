import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { OutputSelector } from '../../models/model.js';
import type { ImagePreprocessing } from '../../models/preprocessing.js';
import { formatShape, sizeOf } from '../../tensor.js';
import { Attribution, describeBaseline, batchSizeOf, resolveBaseline, type AttributeOptions, type Baseline, type Computed } from '../base.js';
import { ablationDiffs } from './ablation.js';

/**
 * A feature id for every element of an input row (row-major, the model's own layout), or for every
 * element of every row ([B, ...] flattened). Elements with the same id are ablated together.
 */
export type FeatureMask = Int32Array | readonly number[];

export interface FeatureAblationOptions extends AttributeOptions {
  /** The value a removed feature takes. Default 0. */
  baselines?: Baseline;
  /** Default: every element is its own feature. See elementMask, pixelMask, blockMask and groupMask. */
  featureMask?: FeatureMask;
}

/**
 * Feature ablation (Captum's FeatureAblation): each feature's attribution is f(x) minus f(x with that
 * feature set to the baseline), given to every element of the feature. One model evaluation per
 * feature and row, in chunks of at most internalBatchSize.
 */
export class FeatureAblation extends Attribution<FeatureAblationOptions> {
  readonly name = 'feature-ablation';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: FeatureAblationOptions): Promise<Computed> {
    const batch = inputs.shape[0];
    const rowShape = inputs.shape.slice(1);
    const rowSize = sizeOf(rowShape);
    const batchSize = batchSizeOf(options);
    const mask = resolveFeatureMask(options.featureMask, batch, rowShape);
    const maskRow = (b: number) => (mask.perRow ? b * rowSize : 0);

    // One evaluation per (row, feature present in that row's mask), row-major, ids in increasing order.
    const rowIds: Int32Array[] = [];
    for (let b = 0; b < batch; b++) {
      rowIds.push(mask.perRow || b === 0 ? uniqueSorted(mask.ids.subarray(maskRow(b), maskRow(b) + rowSize)) : rowIds[0]);
    }
    const pairRow: number[] = [];
    const pairId: number[] = [];
    rowIds.forEach((ids, b) => ids.forEach((id) => { pairRow.push(b); pairId.push(id); }));

    const baselines = resolveBaseline(this.model, inputs, options.baselines);
    const maskTensor = tf.tensor(mask.ids, [mask.perRow ? batch : 1, rowSize], 'int32');
    let diffs: Float64Array;
    try {
      diffs = await ablationDiffs(this.model, inputs, baselines, target, {
        count: pairRow.length,
        rowOf: (k) => pairRow[k],
        maskOf: (start, end) => {
          const ids = tf.tensor2d(pairId.slice(start, end), [end - start, 1], 'int32');
          const rows = mask.perRow ? tf.gather(maskTensor, pairRow.slice(start, end)) : maskTensor;
          return tf.equal(rows, ids).reshape([end - start, ...rowShape]);
        },
      }, batchSize, options.onProgress);
    } finally {
      tf.dispose([baselines, maskTensor]);
    }

    // Spread each feature's output difference over all of its elements.
    const out = new Float32Array(batch * rowSize);
    let k = 0;
    for (let b = 0; b < batch; b++) {
      const diffOf = new Map<number, number>();
      for (const id of rowIds[b]) diffOf.set(id, diffs[k++]);
      const ids = mask.ids.subarray(maskRow(b), maskRow(b) + rowSize);
      for (let i = 0; i < rowSize; i++) out[b * rowSize + i] = diffOf.get(ids[i])!;
    }
    const features = mask.perRow ? 'per row' : `${rowIds[0].length} features`;
    return {
      attributions: tf.tensor(out, inputs.shape),
      params: {
        baselines: describeBaseline(options.baselines),
        featureMask: options.featureMask === undefined ? 'per element' : features,
        evaluations: pairRow.length,
      },
    };
  }
}

export interface ResolvedMask {
  ids: Int32Array;
  /** One mask per row ([B, rowSize]) rather than one shared by all rows. */
  perRow: boolean;
}

export function resolveFeatureMask(featureMask: FeatureMask | undefined, batch: number, rowShape: number[]): ResolvedMask {
  const rowSize = sizeOf(rowShape);
  if (featureMask === undefined) return { ids: elementMask(rowShape), perRow: false };
  const n = featureMask.length;
  if (n !== rowSize && n !== batch * rowSize) {
    throw new UsageError(`featureMask has ${n} values, but input rows have shape ${formatShape(rowShape)} (${rowSize} values)`
      + (batch > 1 ? ` and there are ${batch} rows` : ''),
    `give one feature id per element of a row (${rowSize} values)${batch > 1 ? `, or per element of every row (${batch * rowSize})` : ''}; `
      + 'pixelMask, blockMask and groupMask build masks for images');
  }
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = featureMask[i];
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new UsageError(`featureMask value ${v} at index ${i} is not an integer feature id`, 'feature ids are integers (32-bit)');
    }
    ids[i] = v;
  }
  return { ids, perRow: n !== rowSize };
}

function uniqueSorted(values: Int32Array): Int32Array {
  return Int32Array.from(new Set(values)).sort();
}

// ---- Mask builders -------------------------------------------------------------------------------------

export type ImageLayout = ImagePreprocessing['layout'];

/** Height, width and channels of an image row, and the flat index of pixel (y, x) channel c. */
export interface ImageGeometry {
  height: number;
  width: number;
  channels: number;
  index(y: number, x: number, c: number): number;
}

/**
 * Reads an image row shape: [H, W] (one channel), or [H, W, C] / [C, H, W] by `layout`. Without a
 * layout, channels are where a size of 1, 3 or 4 is (last place first, as TF.js models are NHWC).
 */
export function imageGeometry(rowShape: readonly number[], layout?: ImageLayout): ImageGeometry {
  if (rowShape.length === 2) {
    const [height, width] = rowShape;
    return { height, width, channels: 1, index: (y, x) => y * width + x };
  }
  if (rowShape.length !== 3) {
    throw new UsageError(`an image mask needs an input row of shape [H, W], [H, W, C] or [C, H, W], not ${formatShape(rowShape)}`,
      'give a featureMask with one id per input element instead');
  }
  const [a, b, c] = rowShape;
  const resolved = layout ?? ([1, 3, 4].includes(c) ? 'NHWC' : [1, 3, 4].includes(a) ? 'NCHW' : undefined);
  if (resolved === 'NHWC') return { height: a, width: b, channels: c, index: (y, x, ch) => (y * b + x) * c + ch };
  if (resolved === 'NCHW') return { height: b, width: c, channels: a, index: (y, x, ch) => (ch * b + y) * c + x };
  throw new UsageError(`cannot tell which axis of ${formatShape(rowShape)} holds the channels`, "pass the layout: 'NHWC' or 'NCHW'");
}

/** Every element its own feature (the default): ids 0 .. n-1 in row-major order. */
export function elementMask(rowShape: readonly number[]): Int32Array {
  return Int32Array.from({ length: sizeOf(rowShape) }, (_, i) => i);
}

/**
 * Square blocks of size x size pixels, all channels together; ids run row-major over the grid of
 * blocks (those at the right and bottom edges are cut short when size does not divide W or H).
 */
export function blockMask(rowShape: readonly number[], size: number, layout?: ImageLayout): Int32Array {
  if (!Number.isInteger(size) || size < 1) throw new UsageError(`block size must be a positive integer, got ${size}`, 'pass e.g. 4');
  const g = imageGeometry(rowShape, layout);
  const across = Math.ceil(g.width / size);
  const labels = new Int32Array(g.height * g.width);
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) labels[y * g.width + x] = Math.floor(y / size) * across + Math.floor(x / size);
  }
  return spreadOverChannels(labels, g, sizeOf(rowShape));
}

/** One feature per pixel (its channels together): ids y * W + x. */
export function pixelMask(rowShape: readonly number[], layout?: ImageLayout): Int32Array {
  return blockMask(rowShape, 1, layout);
}

/**
 * A feature mask from a label map of H x W pixels (row-major; e.g. superpixels), shared by all
 * channels. A label array with one value per input element is taken as it is.
 */
export function groupMask(labels: FeatureMask, rowShape: readonly number[], layout?: ImageLayout): Int32Array {
  const rowSize = sizeOf(rowShape);
  const asInt = (v: number, i: number) => {
    if (!Number.isInteger(v) || Math.abs(v) > 2147483647) throw new UsageError(`label ${v} at index ${i} is not an integer`, 'labels are integer group ids');
    return v;
  };
  if (labels.length === rowSize) return Int32Array.from(labels, asInt);
  const g = imageGeometry(rowShape, layout);
  if (labels.length !== g.height * g.width) {
    throw new UsageError(`the label map has ${labels.length} values, but the image is ${g.height} x ${g.width} (${g.height * g.width} pixels)`,
      `give one label per pixel, row by row, or one per input element (${rowSize})`);
  }
  return spreadOverChannels(Int32Array.from(labels, asInt), g, rowSize);
}

function spreadOverChannels(labels: Int32Array, g: ImageGeometry, rowSize: number): Int32Array {
  const mask = new Int32Array(rowSize);
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      for (let c = 0; c < g.channels; c++) mask[g.index(y, x, c)] = labels[y * g.width + x];
    }
  }
  return mask;
}
