import { metricResult, type Metric, type MetricInfo, type MetricResultData } from '../metric.js';
import type { EvaluationSubject } from '../subject.js';
import { perturbationCurves, type PerturbationCurveOptions } from './perturbation-curves.js';

export type InsertionOptions = PerturbationCurveOptions;

/**
 * Insertion (Petsiuk et al. 2018, RISE): starting from the input with every feature at the baseline, the
 * features get their values back in order of attribution, most relevant first, in `steps` steps; the
 * curve is the explained output against the fraction revealed, and the score its area by the trapezoid
 * rule, AUC = sum_i (x_i - x_{i-1}) (f(x^{(i)}) + f(x^{(i-1)})) / 2 with x_0 = 0 (all at the baseline) and
 * x_S = 1 (the input). A faithful explanation makes the output rise fast: higher is better.
 */
export class Insertion implements Metric<InsertionOptions> {
  readonly info: MetricInfo = {
    name: 'insertion',
    category: 'faithfulness',
    summary: 'area under the explained output as features are revealed from the baseline, most relevant first (higher is better)',
    formula: 'AUC over t in [0,1] of f(baseline with the top t fraction of features set to the input), trapezoid rule',
    reference: 'Petsiuk, Das, Saenko (2018), RISE: Randomized Input Sampling for Explanation of Black-box Models, BMVC',
    modalities: ['image', 'tabular', 'text'],
    higherIsBetter: true,
  };

  async evaluate(subject: EvaluationSubject, options: InsertionOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const run = await perturbationCurves(subject, 'insertion', options);
    return metricResult(this.info, subject, start, {
      scores: run.scores,
      params: run.params,
      curves: run.curves,
      details: run.details,
    });
  }
}
