import { metricResult, type Metric, type MetricInfo, type MetricResultData } from '../metric.js';
import type { EvaluationSubject } from '../subject.js';
import { perturbationCurves, type PerturbationCurveOptions } from './perturbation-curves.js';

export type DeletionOptions = PerturbationCurveOptions;

/**
 * Deletion (Petsiuk et al. 2018, RISE; Quantus PixelFlipping / RegionPerturbation): the features are
 * replaced by the baseline in order of attribution, most relevant first, in `steps` steps; the curve is
 * the explained output against the fraction removed, and the score its area by the trapezoid rule,
 * AUC = sum_i (x_i - x_{i-1}) (f(x^{(i)}) + f(x^{(i-1)})) / 2 with x_0 = 0 (the input) and x_S = 1 (all
 * removed). A faithful explanation makes the output fall fast: lower is better.
 */
export class Deletion implements Metric<DeletionOptions> {
  readonly info: MetricInfo = {
    name: 'deletion',
    category: 'faithfulness',
    summary: 'area under the explained output as features are removed, most relevant first (lower is better)',
    formula: 'AUC over t in [0,1] of f(x with the top t fraction of features set to the baseline), trapezoid rule',
    reference: 'Petsiuk, Das, Saenko (2018), RISE: Randomized Input Sampling for Explanation of Black-box Models, BMVC',
    modalities: ['image', 'tabular', 'text'],
    higherIsBetter: false,
  };

  async evaluate(subject: EvaluationSubject, options: DeletionOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const run = await perturbationCurves(subject, 'deletion', options);
    return metricResult(this.info, subject, start, {
      scores: run.scores,
      params: run.params,
      curves: run.curves,
      details: run.details,
    });
  }
}
