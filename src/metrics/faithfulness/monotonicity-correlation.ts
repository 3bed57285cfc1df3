import type { JsonValue } from '../../attribution/result.js';
import { UsageError } from '../../errors.js';
import { Random, checkSeed } from '../../util/random.js';
import { metricResult, type Metric, type MetricInfo, type MetricOptions, type MetricResultData } from '../metric.js';
import { spearmanCorrelation } from '../similarity/spearman.js';
import { requireModality, type EvaluationSubject, type Perturbation, type RemovalBaseline } from '../subject.js';
import { checkBaselineOption, checkChoice, checkPositiveInteger, checkRowsHaveFeatures } from './check-options.js';
import { elementFeatures } from './element-features.js';
import { featureOrder } from './feature-order.js';
import { removalCounts } from './removal-counts.js';
import { scoreInChunks } from './score-in-chunks.js';

export interface MonotonicityCorrelationOptions extends MetricOptions {
  /**
   * 'uniform' (default for images): a group's input values are redrawn uniformly in `range`, `samples`
   * times (Quantus's 'uniform' baseline); 'removal' (default for tabular rows and tokens, the only choice
   * for tokens): the group is set to the baseline once.
   */
  perturbation?: 'uniform' | 'removal';
  /** Groups of features, ranked by attribution. Default 50 (fewer when a row has fewer features). */
  steps?: number;
  /** Features per group instead of `steps` (1 = Quantus's default). */
  featuresPerStep?: number;
  /** Draws per group ('uniform'). Default 10 (Quantus: 100). */
  samples?: number;
  /** Range of the uniform values ('uniform'). Default: the row's own smallest and largest input value. */
  range?: [number, number];
  /** What a removed group becomes ('removal'). Default: the subject's baseline. */
  baseline?: RemovalBaseline;
  /** Rank by |attribution|. Default true (Quantus). */
  abs?: boolean;
}

/**
 * Monotonicity correlation (Nguyen & Martinez 2020; Quantus MonotonicityCorrelation): the features,
 * ranked by attribution, are cut into groups g; each group is perturbed on its own and the squared
 * change of the explained output averaged, v_g = E[(f(x with g perturbed) - f(x))^2]; the score is the
 * Spearman rank correlation between the groups' attributions sum_{i in g} a_i and v_g. 1 when more
 * relevant features always move the output more; higher is better.
 */
export class MonotonicityCorrelation implements Metric<MonotonicityCorrelationOptions> {
  readonly info: MetricInfo = {
    name: 'monotonicity-correlation',
    category: 'faithfulness',
    summary: 'rank correlation between the attribution of feature groups and how much perturbing each moves the output (higher is better)',
    formula: 'spearman over groups g of ( sum_{i in g} a_i , E[(f(x with g perturbed) - f(x))^2] )',
    reference: 'Nguyen, Martinez (2020), On Quantitative Aspects of Model Interpretability, arXiv:2007.07584',
    modalities: ['image', 'tabular', 'text'],
    higherIsBetter: true,
  };

  async evaluate(subject: EvaluationSubject, options: MonotonicityCorrelationOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const perturbation = checkChoice(options.perturbation ?? (subject.modality === 'image' ? 'uniform' : 'removal'), 'perturbation',
      ['uniform', 'removal'] as const);
    if (perturbation === 'uniform') {
      requireModality(`${this.info.name} with uniform values`, subject, ['image', 'tabular'], "random values have no meaning for token ids; use perturbation: 'removal'");
    }
    const steps = checkPositiveInteger(options.steps ?? 50, 'steps', 50);
    const featuresPerStep = options.featuresPerStep === undefined ? undefined : checkPositiveInteger(options.featuresPerStep, 'featuresPerStep', 1);
    const samples = perturbation === 'uniform' ? checkPositiveInteger(options.samples ?? 10, 'samples', 10) : 1;
    const range = options.range;
    if (range !== undefined && !(Array.isArray(range) && range.length === 2 && Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0] <= range[1])) {
      throw new UsageError(`range must be [low, high] with finite low <= high, got ${JSON.stringify(range)}`, 'pass e.g. range: [0, 1]');
    }
    const baseline = checkBaselineOption(options.baseline) ?? subject.baseline;
    const abs = options.abs ?? true;
    const seed = checkSeed(options.seed ?? 0);
    checkRowsHaveFeatures(this.info.name, subject.rows, (r) => subject.features(r));

    const random = new Random(seed);
    const rankings: Int32Array[] = [];
    // Per row: where each group starts and ends in its ranking.
    const bounds: Int32Array[] = [];
    const offsets: number[] = [];
    let total = 0;
    for (let r = 0; r < subject.rows; r++) {
      // Groups are consecutive runs of the ascending ranking (Quantus sorts ascending too).
      const ranked = featureOrder(subject.attribution(r), 'least-relevant-first', random, abs);
      const counts = removalCounts(subject.features(r), { steps, featuresPerStep });
      bounds.push(counts);
      offsets.push(total);
      total += 1 + (counts.length - 1) * samples;
      rankings.push(ranked);
    }
    let x: Float32Array = new Float32Array(0);
    let owner: Int32Array = new Int32Array(0);
    let low = 0;
    let high = 0;
    // Perturbations are made in index order (scoreInChunks), so the row only ever moves forward.
    let cursor = 0;
    const outputs = await scoreInChunks(subject, total, (index): Perturbation => {
      while (cursor + 1 < offsets.length && offsets[cursor + 1] <= index) cursor++;
      const row = cursor;
      const n = subject.features(row);
      const local = index - offsets[row];
      if (local === 0) {
        if (perturbation === 'uniform') {
          x = subject.input(row);
          owner = elementFeatures(subject, row, this.info.name);
          [low, high] = range ?? [x.reduce((m, v) => Math.min(m, v), Infinity), x.reduce((m, v) => Math.max(m, v), -Infinity)];
        }
        return { row, kind: 'remove', mask: new Uint8Array(n), baseline };
      }
      const g = Math.floor((local - 1) / samples);
      const ranked = rankings[row];
      const inGroup = new Uint8Array(n);
      for (let i = bounds[row][g]; i < bounds[row][g + 1]; i++) inGroup[ranked[i]] = 1;
      if (perturbation === 'removal') return { row, kind: 'remove', mask: inGroup, baseline };
      const values = x.slice();
      for (let e = 0; e < values.length; e++) if (inGroup[owner[e]] === 1) values[e] = low + (high - low) * random.uniform();
      return { row, kind: 'input', values };
    }, this.info.name);

    const scores: number[] = [];
    for (let r = 0; r < subject.rows; r++) {
      const counts = bounds[r];
      const ranked = rankings[r];
      const a = subject.attribution(r);
      const full = outputs[offsets[r]];
      const sums = new Float64Array(counts.length - 1);
      const changes = new Float64Array(counts.length - 1);
      for (let g = 0; g + 1 < counts.length; g++) {
        for (let i = counts[g]; i < counts[g + 1]; i++) sums[g] += abs ? Math.abs(a[ranked[i]]) : a[ranked[i]];
        for (let s = 0; s < samples; s++) changes[g] += (outputs[offsets[r] + 1 + g * samples + s] - full) ** 2 / samples;
      }
      scores.push(sums.length < 2 || !sums.every(Number.isFinite) || !changes.every(Number.isFinite) ? NaN : spearmanCorrelation(sums, changes));
    }
    const params: Record<string, JsonValue> = {
      perturbation, steps, featuresPerStep: featuresPerStep ?? null, samples, range: range ? [...range] : null,
      baseline: perturbation === 'removal' ? baseline : null, abs, seed,
    };
    return metricResult(this.info, subject, start, {
      scores,
      params,
      details: { undefinedRows: scores.filter((v) => Number.isNaN(v)).length },
    });
  }
}
