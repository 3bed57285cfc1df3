import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../../errors.js';
import type { OutputSelector } from '../../models/model.js';
import { sizeOf } from '../../tensor.js';
import { Attribution, batchSizeOf, describeBaseline, resolveBaseline, type AttributeOptions, type Baseline, type Computed } from '../base.js';
import { ablationDiffs } from './ablation.js';
import { elementMask, type FeatureMask } from './feature-ablation.js';

/** 2^20 coalitions per row is about a million forward passes: past that, sample instead. */
export const MAX_EXACT_SHAPLEY_FEATURES = 20;

export interface ShapleyValuesOptions extends AttributeOptions {
  /** The value features take when they are left out of a coalition. Default 0. */
  baselines?: Baseline;
  /** Feature id per element of a row, shared by all rows (default: every element its own feature). */
  featureMask?: FeatureMask;
}

/**
 * Exact Shapley values (Captum's ShapleyValues): with the value of a coalition S of features
 * v(S) = f(x with the features outside S at the baseline), feature i gets
 * sum over S not containing i of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S)).
 * Every one of the 2^n coalitions is evaluated once per row, so n is limited; the values of a row sum
 * to f(x) - f(baseline) exactly (efficiency).
 */
export class ShapleyValues extends Attribution<ShapleyValuesOptions> {
  readonly name = 'shapley-values';

  protected async compute(inputs: tf.Tensor, target: OutputSelector, options: ShapleyValuesOptions): Promise<Computed> {
    const batch = inputs.shape[0];
    const rowShape = inputs.shape.slice(1);
    const rowSize = sizeOf(rowShape);
    const { featureOf, n } = featureIndex(options.featureMask, rowSize);
    if (n > MAX_EXACT_SHAPLEY_FEATURES) {
      throw new UsageError(`exact Shapley values over ${n} features need 2^${n} model evaluations per row`,
        `group the input into at most ${MAX_EXACT_SHAPLEY_FEATURES} features (featureMask, e.g. blockMask; --block N on the CLI)`);
    }
    const coalitions = 2 ** n - 1; // every coalition but the full one, whose value is f(x) itself
    const baselines = resolveBaseline(this.model, inputs, options.baselines);
    let diffs: Float64Array;
    try {
      diffs = await ablationDiffs(this.model, inputs, baselines, target, {
        count: batch * coalitions,
        rowOf: (k) => Math.floor(k / coalitions),
        maskOf: (start, end) => {
          // True where the element's feature is outside the coalition (bit j set: feature j kept).
          const mask = new Uint8Array((end - start) * rowSize);
          for (let k = start; k < end; k++) {
            const coalition = k % coalitions;
            const offset = (k - start) * rowSize;
            for (let e = 0; e < rowSize; e++) mask[offset + e] = (coalition >>> featureOf[e]) & 1 ? 0 : 1;
          }
          return tf.tensor(mask, [end - start, ...rowShape], 'bool');
        },
      }, batchSizeOf(options), options.onProgress);
    } finally {
      baselines.dispose();
    }

    const weight = coalitionWeights(n);
    const out = new Float32Array(batch * rowSize);
    const full = coalitions;
    for (let b = 0; b < batch; b++) {
      // f(x) - v(S), with the full coalition's difference 0.
      const drop = (s: number) => (s === full ? 0 : diffs[b * coalitions + s]);
      const phi = new Float64Array(n);
      for (let s = 0; s < full; s++) {
        const size = popcount(s);
        for (let i = 0; i < n; i++) {
          if (s & (1 << i)) continue;
          phi[i] += weight[size] * (drop(s) - drop(s | (1 << i)));
        }
      }
      for (let e = 0; e < rowSize; e++) out[b * rowSize + e] = phi[featureOf[e]];
    }
    return {
      attributions: tf.tensor(out, inputs.shape),
      params: {
        baselines: describeBaseline(options.baselines),
        features: n,
        featureMask: options.featureMask === undefined ? 'per element' : `${n} features`,
        evaluations: batch * coalitions,
      },
    };
  }
}

/** Maps each element to a feature index 0..n-1 (features ordered by their ids). */
function featureIndex(featureMask: FeatureMask | undefined, rowSize: number): { featureOf: Int32Array; n: number } {
  const ids = featureMask === undefined ? elementMask([rowSize]) : Int32Array.from(featureMask);
  if (ids.length !== rowSize) {
    throw new UsageError(`featureMask has ${ids.length} values but an input row has ${rowSize}`,
      'give one feature id per element of a row (blockMask and groupMask build them for images)');
  }
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const index = new Map(sorted.map((id, i) => [id, i]));
  return { featureOf: Int32Array.from(ids, (id) => index.get(id)!), n: sorted.length };
}

/** |S|! (n - |S| - 1)! / n! for |S| = 0..n-1, computed as a ratio to stay finite for n up to 20. */
function coalitionWeights(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    // 1 / (n * C(n-1, s))
    let binom = 1;
    for (let k = 1; k <= s; k++) binom = (binom * (n - 1 - s + k)) / k;
    w[s] = 1 / (n * binom);
  }
  return w;
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v; v &= v - 1) c++;
  return c;
}
