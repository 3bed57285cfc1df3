import type { JsonValue } from '../../attribution/result.js';
import { UsageError } from '../../errors.js';
import { Random, checkSeed } from '../../util/random.js';
import { metricResult, type Metric, type MetricInfo, type MetricOptions, type MetricResultData } from '../metric.js';
import { maskOf, type EvaluationSubject, type Perturbation, type RemovalBaseline } from '../subject.js';
import { checkBaselineOption, checkPositiveInteger, checkRowsHaveFeatures } from './check-options.js';
import { pearsonCorrelation } from '../similarity/pearson.js';
import { randomSubset } from './random-subset.js';
import { scoreInChunks } from './score-in-chunks.js';

export interface FaithfulnessCorrelationOptions extends MetricOptions {
  /** Random subsets per row. Default 100 (Quantus's nr_runs). */
  samples?: number;
  /**
   * Features removed per subset. Default: 2/7 of the row's features, rounded (at least 1): 224 on a 28 x 28
   * image, the size Quantus's MNIST examples use (its default of 224 was set for 224 x 224 images).
   */
  subsetSize?: number;
  /** What removed features become. Default: the subject's baseline. */
  baseline?: RemovalBaseline;
  /** Correlate sums of |attribution|. Default false (Quantus). */
  abs?: boolean;
}

/** The default subset: Quantus's 224 features relative to a 28 x 28 digit. */
const DEFAULT_SUBSET_FRACTION = 224 / 784;

/**
 * Faithfulness correlation (Bhatt, Weller, Moura 2020; Quantus FaithfulnessCorrelation): for `samples`
 * random subsets S of `subsetSize` features, the Pearson correlation between sum_{i in S} a_i and
 * f(x) - f(x with S at the baseline). 1 when the attributions predict every removal's effect (up to
 * scale); higher is better. NaN for a row where either side does not vary.
 */
export class FaithfulnessCorrelation implements Metric<FaithfulnessCorrelationOptions> {
  readonly info: MetricInfo = {
    name: 'faithfulness-correlation',
    category: 'faithfulness',
    summary: 'correlation between the attribution of random feature subsets and the output drop when they are removed (higher is better)',
    formula: 'pearson over random S with |S| = k of ( sum_{i in S} a_i , f(x) - f(x with S at the baseline) )',
    reference: 'Bhatt, Weller, Moura (2020), Evaluating and Aggregating Feature-based Model Explanations, IJCAI',
    modalities: ['image', 'tabular', 'text'],
    higherIsBetter: true,
  };

  async evaluate(subject: EvaluationSubject, options: FaithfulnessCorrelationOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const samples = checkPositiveInteger(options.samples ?? 100, 'samples', 100);
    if (samples < 2) throw new UsageError(`samples must be at least 2 for a correlation, got ${samples}`, 'pass e.g. samples: 100');
    const fixedSize = options.subsetSize === undefined ? undefined : checkPositiveInteger(options.subsetSize, 'subsetSize', 224);
    const baseline = checkBaselineOption(options.baseline) ?? subject.baseline;
    const abs = options.abs ?? false;
    const seed = checkSeed(options.seed ?? 0);
    checkRowsHaveFeatures(this.info.name, subject.rows, (r) => subject.features(r));

    const random = new Random(seed);
    const perRow = samples + 1;
    const sizes: number[] = [];
    for (let r = 0; r < subject.rows; r++) {
      const n = subject.features(r);
      const size = fixedSize ?? Math.max(1, Math.round(DEFAULT_SUBSET_FRACTION * n));
      if (size > n) {
        throw new UsageError(`subsetSize ${size} is larger than row ${r}'s ${n} features`, `pass a subsetSize of at most ${n}`);
      }
      sizes.push(size);
    }
    // Subsets are drawn as they are scored (scoreInChunks asks in index order), so masks never pile up.
    const sums = new Float64Array(subject.rows * samples);
    let scratch = new Int32Array(0);
    const outputs = await scoreInChunks(subject, subject.rows * perRow, (index): Perturbation => {
      const row = Math.floor(index / perRow);
      const s = index % perRow;
      const n = subject.features(row);
      // Per row: the unperturbed input first, then its subsets removed.
      if (s === 0) {
        scratch = Int32Array.from({ length: n }, (_, i) => i);
        return { row, kind: 'remove', mask: new Uint8Array(n), baseline };
      }
      const subset = randomSubset(scratch, sizes[row], random);
      const a = subject.attribution(row);
      let sum = 0;
      for (const i of subset) sum += abs ? Math.abs(a[i]) : a[i];
      sums[row * samples + s - 1] = sum;
      return { row, kind: 'remove', mask: maskOf(n, subset), baseline };
    }, this.info.name);

    const scores: number[] = [];
    for (let r = 0; r < subject.rows; r++) {
      const full = outputs[r * perRow];
      const drops = Float64Array.from({ length: samples }, (_, s) => full - outputs[r * perRow + s + 1]);
      const sampleSums = sums.subarray(r * samples, (r + 1) * samples);
      // A non-finite attribution or output leaves the correlation undefined for that row alone.
      scores.push(sampleSums.every(Number.isFinite) && drops.every(Number.isFinite) ? pearsonCorrelation(sampleSums, drops) : NaN);
    }
    const params: Record<string, JsonValue> = { samples, subsetSize: fixedSize ?? null, baseline, abs, seed };
    return metricResult(this.info, subject, start, {
      scores,
      params,
      details: { subsetSizes: sizes, undefinedRows: scores.filter((v) => Number.isNaN(v)).length },
    });
  }
}
