import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { Model, OutputSelector } from '../../models/model.js';
import { selectOutputs } from '../../models/select.js';
import { formatShape, sizeOf } from '../../tensor.js';
import { describeBaseline, resolveBaseline, type Baseline } from '../base.js';
import type { JsonValue } from '../result.js';
import { ImageGame } from '../lime/image-game.js';
import { slic, type SlicOptions } from '../lime/slic.js';
import { imageGeometry, resolveFeatureMask, type FeatureMask, type ImageGeometry, type ImageLayout, type ResolvedMask } from './feature-ablation.js';

/**
 * What a segment left out of a coalition shows: a baseline like the other perturbation methods (a
 * number, one input, or one per row), or 'segment-mean': each segment's mean value per channel
 * (lime_image's hide_color=None).
 */
export type AbsentValue = Baseline | 'segment-mean';

/** How the inputs are cut into segments (the players of LIME and KernelSHAP). */
export interface SegmentationOptions {
  /**
   * A feature id per element of a row (or of every row), as FeatureAblation: elements with one id form
   * one segment. blockMask and groupMask (a per-pixel label map) build them. Default: SLIC superpixels.
   */
  featureMask?: FeatureMask;
  /** SLIC settings when no featureMask is given. Default nSegments 50 and compactness 0.1 unless the image has 3 channels (then skimage's 100 and 10, on Lab). */
  slic?: SlicOptions;
}

/** lime_image's SLIC settings: skimage's defaults for RGB (on Lab), nSegments 50 and compactness 0.1 otherwise (values in [0, 1]). */
export function slicSettings(rowShape: readonly number[], given: SlicOptions | undefined, layout?: ImageLayout): SlicOptions {
  const channels = imageGeometry(rowShape, layout).channels;
  return { ...(channels === 3 ? {} : { nSegments: 50, compactness: 0.1 }), ...given };
}

/** One row's segments: segment index 0..count-1 of every element. */
export interface RowSegments {
  segmentOfValue: Int32Array;
  count: number;
}

/**
 * Segments every row: the featureMask's ids renumbered 0..count-1 in increasing order, or SLIC on the
 * row's pixels (rows in NHWC or NCHW, read through the model's layout).
 */
export function segmentRows(inputs: Float32Array, batch: number, rowShape: number[], options: SegmentationOptions, layout?: ImageLayout): RowSegments[] {
  const rowSize = sizeOf(rowShape);
  if (options.featureMask !== undefined) {
    const mask: ResolvedMask = resolveFeatureMask(options.featureMask, batch, rowShape);
    const shared = mask.perRow ? undefined : renumber(mask.ids);
    return Array.from({ length: batch }, (_, b) => shared ?? renumber(mask.ids.subarray(b * rowSize, (b + 1) * rowSize)));
  }
  let g: ImageGeometry;
  try {
    g = imageGeometry(rowShape, layout);
  } catch (e) {
    const why = e instanceof UsageError ? `: ${e.message}` : '';
    throw new UsageError(`SLIC superpixels need image inputs ([H, W], [H, W, C] or [C, H, W]); rows here have shape ${formatShape(rowShape)}${why}`,
      'give a featureMask with one segment id per input element (blockMask or groupMask build them for images)');
  }
  const settings = slicSettings(rowShape, options.slic, layout);
  const out: RowSegments[] = [];
  for (let b = 0; b < batch; b++) {
    const row = inputs.subarray(b * rowSize, (b + 1) * rowSize);
    const pixels = new Float32Array(g.height * g.width * g.channels);
    for (let y = 0; y < g.height; y++) {
      for (let x = 0; x < g.width; x++) {
        for (let c = 0; c < g.channels; c++) pixels[(y * g.width + x) * g.channels + c] = row[g.index(y, x, c)];
      }
    }
    const seg = slic(pixels, g.height, g.width, g.channels, settings);
    const segmentOfValue = new Int32Array(rowSize);
    for (let y = 0; y < g.height; y++) {
      for (let x = 0; x < g.width; x++) {
        for (let c = 0; c < g.channels; c++) segmentOfValue[g.index(y, x, c)] = seg.labels[y * g.width + x];
      }
    }
    out.push({ segmentOfValue, count: seg.count });
  }
  return out;
}

function renumber(ids: Int32Array): RowSegments {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const index = new Map(sorted.map((id, i) => [id, i]));
  return { segmentOfValue: Int32Array.from(ids, (id) => index.get(id)!), count: sorted.length };
}

/**
 * The value every element takes when its segment is absent, for all rows ([B * rowSize]): the
 * baseline, or each segment's mean per channel (channels as the image layout says; one channel for
 * inputs that are not images).
 */
export async function absentValues(model: Model, inputs: tf.Tensor, values: Float32Array, segments: RowSegments[], absent: AbsentValue | undefined, fallback: 'zero' | 'segment-mean', layout?: ImageLayout): Promise<Float32Array> {
  const chosen = absent ?? (fallback === 'zero' ? 0 : 'segment-mean');
  if (chosen !== 'segment-mean') {
    if (typeof chosen === 'string') throw new UsageError(`unknown baseline "${String(chosen)}"`, "give a number, an input tensor, or 'segment-mean'");
    const b = resolveBaseline(model, inputs, chosen);
    const data = Float32Array.from(await b.data());
    b.dispose();
    return data;
  }
  const rowShape = inputs.shape.slice(1);
  const rowSize = sizeOf(rowShape);
  const channelOf = new Int32Array(rowSize);
  let channels = 1;
  try {
    const g = imageGeometry(rowShape, layout);
    channels = g.channels;
    for (let y = 0; y < g.height; y++) for (let x = 0; x < g.width; x++) for (let c = 0; c < channels; c++) channelOf[g.index(y, x, c)] = c;
  } catch {
    // Not an image: one mean per segment.
  }
  const out = new Float32Array(values.length);
  segments.forEach((seg, b) => {
    const offset = b * rowSize;
    const sums = new Float64Array(seg.count * channels);
    const counts = new Float64Array(seg.count * channels);
    for (let v = 0; v < rowSize; v++) {
      const k = seg.segmentOfValue[v] * channels + channelOf[v];
      sums[k] += values[offset + v];
      counts[k]++;
    }
    for (let v = 0; v < rowSize; v++) {
      const k = seg.segmentOfValue[v] * channels + channelOf[v];
      out[offset + v] = sums[k] / counts[k];
    }
  });
  return out;
}

export function describeAbsent(absent: AbsentValue | undefined, fallback: 'zero' | 'segment-mean'): JsonValue {
  if (absent === 'segment-mean' || (absent === undefined && fallback === 'segment-mean')) return 'segment-mean';
  return describeBaseline(absent as Baseline | undefined);
}

/**
 * One input row as a coalition game over its segments (ImageGame's pictures): present segments keep
 * the row's values, absent ones take `hidden`; the value is the selected output (an index or the
 * user's target function), the model called on at most `batchSize` pictures at a time.
 */
export class SegmentGame extends ImageGame {
  constructor(model: Model, row: Float32Array, hidden: Float32Array, segments: RowSegments,
    private readonly selector: OutputSelector, batchSize: number) {
    super(model, row, hidden, segments.segmentOfValue, segments.count, selector.kind === 'index' ? selector.indices[0] : -1, batchSize);
  }

  override async value(masks: Uint8Array, n: number): Promise<Float64Array> {
    const values = new Float64Array(n);
    const shape = this.model.info.inputShape;
    for (let start = 0; start < n; start += this.batchSize) {
      const end = Math.min(n, start + this.batchSize);
      const pictures = tf.tensor(this.pictures(masks.subarray(start * this.players, end * this.players), end - start), [end - start, ...shape]);
      let out: tf.Tensor | undefined;
      try {
        out = await this.model.forward(pictures);
        const target: OutputSelector = this.selector.kind === 'index'
          ? { kind: 'index', indices: new Int32Array(end - start).fill(this.selector.indices[0]) }
          : this.selector;
        const picked = tf.tidy(() => selectOutputs(out!, target));
        values.set(await picked.data(), start);
        picked.dispose();
      } finally {
        pictures.dispose();
        out?.dispose();
      }
    }
    return values;
  }
}

/** Row b's selector: its own target index, or the shared function. */
export function rowSelector(target: OutputSelector, b: number): OutputSelector {
  return target.kind === 'index' ? { kind: 'index', indices: target.indices.slice(b, b + 1) } : target;
}
