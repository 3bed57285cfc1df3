import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { OutputSelector } from '../../models/model.js';
import { formatShape, sizeOf } from '../../tensor.js';
import { Attribution, describeBaseline, batchSizeOf, resolveBaseline, type AttributeOptions, type Baseline, type Computed } from '../base.js';
import { ablationDiffs } from './ablation.js';

export interface OcclusionOptions extends AttributeOptions {
  /** Window shape, one size per input dimension without the batch, in the model's layout (e.g. [4, 4, 1] for NHWC). */
  window: readonly number[];
  /** Step of the window along each dimension; a number applies to all. Default 1. */
  strides?: number | readonly number[];
  /** The value occluded elements take. Default 0. */
  baselines?: Baseline;
}

/**
 * Occlusion (Zeiler & Fergus 2014; Captum's Occlusion): a window slides over the input with the given
 * strides; at each position the covered elements take the baseline value, and the drop in the output,
 * f(x) - f(occluded), is added to every element the window covers. Each element's sum is then divided
 * by the number of windows that covered it.
 *
 * Window positions follow Captum: along a dimension of size D, offsets 0, s, 2s, ... up to
 * ceil((D - w) / s) * s, the last window cut short at the edge, so with s <= w every element is covered.
 * Captum refuses s > w; here it is allowed and the elements no window covers get 0.
 */
export class Occlusion extends Attribution<OcclusionOptions> {
  readonly name = 'occlusion';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: OcclusionOptions): Promise<Computed> {
    const batch = inputs.shape[0];
    const rowShape = inputs.shape.slice(1);
    const rowSize = sizeOf(rowShape);
    const batchSize = batchSizeOf(options);
    const { window, strides } = checkWindow(options, rowShape);
    const offsets = rowShape.map((d, i) => windowOffsets(d, window[i], strides[i]));
    const positions = offsets.reduce((n, o) => n * o.length, 1);
    const cellsOf = (p: number) => windowCells(rowShape, positionStart(p, offsets), window);
    // How many windows cover each element: per dimension, then the product over dimensions.
    const perDim = rowShape.map((d, i) => {
      const n = new Float64Array(d);
      for (const o of offsets[i]) for (let x = o; x < Math.min(o + window[i], d); x++) n[x]++;
      return n;
    });
    const counts = Float64Array.from({ length: rowSize }, (_, flat) => {
      let n = 1;
      for (let d = rowShape.length - 1; d >= 0; d--) {
        n *= perDim[d][flat % rowShape[d]];
        flat = Math.floor(flat / rowShape[d]);
      }
      return n;
    });

    const baselines = resolveBaseline(this.model, inputs, options.baselines);
    let diffs: Float64Array;
    try {
      diffs = await ablationDiffs(this.model, inputs, baselines, target, {
        count: batch * positions,
        rowOf: (k) => Math.floor(k / positions),
        maskOf: (start, end) => {
          const mask = new Uint8Array((end - start) * rowSize);
          for (let k = start; k < end; k++) {
            const offset = (k - start) * rowSize;
            for (const i of cellsOf(k % positions)) mask[offset + i] = 1;
          }
          return tf.tensor(mask, [end - start, ...rowShape], 'bool');
        },
      }, batchSize, options.onProgress);
    } finally {
      baselines.dispose();
    }

    const sums = new Float64Array(batch * rowSize);
    for (let k = 0; k < diffs.length; k++) {
      const offset = Math.floor(k / positions) * rowSize;
      for (const i of cellsOf(k % positions)) sums[offset + i] += diffs[k];
    }
    const out = Float32Array.from(sums, (s, j) => {
      const n = counts[j % rowSize];
      return n === 0 ? 0 : s / n;
    });
    return {
      attributions: tf.tensor(out, inputs.shape),
      params: {
        window: [...window],
        strides: [...strides],
        baselines: describeBaseline(options.baselines),
        evaluations: batch * positions,
      },
    };
  }
}

function checkWindow(options: OcclusionOptions, rowShape: number[]): { window: number[]; strides: number[] } {
  const rank = rowShape.length;
  const example = formatShape(rowShape.map((d) => Math.min(d, 4)));
  const { window } = options;
  if (!Array.isArray(window) || window.length !== rank) {
    const got = Array.isArray(window) ? `${window.length} sizes (${formatShape(window)})` : String(window);
    throw new UsageError(`occlusion window has ${got}, but input rows have ${rank} dimensions ${formatShape(rowShape)}`,
      `give one window size per dimension, in the model's layout, e.g. window: ${example}`);
  }
  window.forEach((w, i) => {
    if (!Number.isInteger(w) || w < 1) throw new UsageError(`window size ${w} (dimension ${i}) is not a positive integer`, `e.g. window: ${example}`);
    if (w > rowShape[i]) {
      throw new UsageError(`window ${formatShape(window)} does not fit input rows ${formatShape(rowShape)}: size ${w} exceeds ${rowShape[i]} in dimension ${i}`,
        `use a window no larger than the input in every dimension, e.g. ${example}`);
    }
  });
  const given = options.strides ?? 1;
  const strides = typeof given === 'number' ? rowShape.map(() => given) : [...given];
  if (strides.length !== rank) {
    throw new UsageError(`strides ${formatShape(strides)} have ${strides.length} values, but input rows have ${rank} dimensions ${formatShape(rowShape)}`,
      'give one stride per dimension, or a single number for all');
  }
  strides.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 1) throw new UsageError(`stride ${s} (dimension ${i}) is not a positive integer`, 'strides are steps of at least 1');
  });
  return { window: [...window], strides };
}

/** Captum's offsets along one dimension; with stride > window, those past the end are dropped. */
function windowOffsets(size: number, window: number, stride: number): number[] {
  const steps = Math.ceil((size - window) / stride) + 1;
  return Array.from({ length: steps }, (_, k) => k * stride).filter((o) => o < size);
}

/** Start of window position p, positions numbered in C order over the offset grid. */
function positionStart(p: number, offsets: number[][]): number[] {
  const start = new Array<number>(offsets.length);
  for (let d = offsets.length - 1; d >= 0; d--) {
    start[d] = offsets[d][p % offsets[d].length];
    p = Math.floor(p / offsets[d].length);
  }
  return start;
}

/** Flat indices of the box [start, start + window), cut at the edges of rowShape, in C order. */
function windowCells(rowShape: number[], start: number[], window: number[]): Int32Array {
  const end = start.map((s, d) => Math.min(s + window[d], rowShape[d]));
  const extent = end.map((e, d) => e - start[d]);
  const cells = new Int32Array(sizeOf(extent));
  const at = [...start];
  for (let n = 0; n < cells.length; n++) {
    let flat = 0;
    for (let d = 0; d < rowShape.length; d++) flat = flat * rowShape[d] + at[d];
    cells[n] = flat;
    for (let d = rowShape.length - 1; d >= 0; d--) {
      if (++at[d] < end[d]) break;
      at[d] = start[d];
    }
  }
  return cells;
}
