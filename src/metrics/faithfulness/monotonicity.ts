import { checkSeed } from '../../util/random.js';
import { metricResult, type Metric, type MetricInfo, type MetricOptions, type MetricResultData } from '../metric.js';
import type { EvaluationSubject, RemovalBaseline } from '../subject.js';
import { checkChoice } from './check-options.js';
import { perturbationCurves } from './perturbation-curves.js';

export interface MonotonicityOptions extends MetricOptions {
  /** Steps from the baseline to the full input. Default 50 (fewer when a row has fewer features). */
  steps?: number;
  /** Features added per step instead of `steps` (1 = Quantus's default, one model call per feature). */
  featuresPerStep?: number;
  /** What the features not yet added are. Default: the subject's baseline. */
  baseline?: RemovalBaseline;
  /** Rank by |attribution|. Default true (Quantus). */
  abs?: boolean;
  /**
   * 'fraction' (default): the fraction of steps after which the output did not fall, in [0, 1], so that
   * rows and methods can be averaged and told apart; 'all': Quantus's 1 when every step kept it from
   * falling, else 0.
   */
  score?: 'fraction' | 'all';
}

/**
 * Monotonicity (Arya et al. 2019; Quantus Monotonicity): starting from the baseline, the features are
 * given their input values in order of increasing attribution, least relevant first; adding evidence
 * should never lower the explained output, f(x^{(i)}) >= f(x^{(i-1)}) at every step i = 1..S. Score:
 * the fraction of such steps (or 1/0 for all of them); higher is better.
 */
export class Monotonicity implements Metric<MonotonicityOptions> {
  readonly info: MetricInfo = {
    name: 'monotonicity',
    category: 'faithfulness',
    summary: 'fraction of steps at which adding features, least relevant first, does not lower the output (higher is better)',
    formula: 'mean over i = 1..S of [f(x^(i)) >= f(x^(i-1))], x^(i) = baseline with the i least relevant steps of features restored',
    reference: 'Arya et al. (2019), One Explanation Does Not Fit All: A Toolkit and Taxonomy of AI Explainability Techniques, arXiv:1909.03012',
    modalities: ['image', 'tabular', 'text'],
    higherIsBetter: true,
  };

  async evaluate(subject: EvaluationSubject, options: MonotonicityOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const score = checkChoice(options.score ?? 'fraction', 'score', ['fraction', 'all'] as const);
    const abs = options.abs ?? true;
    const seed = checkSeed(options.seed ?? 0);
    const run = await perturbationCurves(subject, 'insertion', {
      order: 'least-relevant-first', steps: options.steps, featuresPerStep: options.featuresPerStep, baseline: options.baseline, abs, seed,
    }, this.info.name);
    const raw = run.rawCurves;
    const fractions = raw.map((y) => {
      let rising = 0;
      for (let i = 1; i < y.length; i++) if (y[i] >= y[i - 1]) rising++;
      return rising / (y.length - 1);
    });
    const { order: _order, normalise: _normalise, ...params } = run.params;
    return metricResult(this.info, subject, start, {
      scores: score === 'all' ? fractions.map((f) => (f === 1 ? 1 : 0)) : fractions,
      params: { ...params, score },
      curves: { ...run.curves, xLabel: 'fraction of features added, least relevant first' },
      details: { monotone: fractions.map((f) => f === 1), ...run.details },
    });
  }
}
