import { metricResult, type Metric, type MetricInfo, type MetricOptions, type MetricResultData } from '../metric.js';
import type { EvaluationSubject } from '../subject.js';

/**
 * Complexity (Bhatt et al. 2020, "Evaluating and Aggregating Feature-based Model Explanations"; Quantus
 * Complexity): the Shannon entropy (natural log) of the fractional contributions p_i = |a_i| / sum_j |a_j|,
 * H = -sum_i p_i ln p_i (0 ln 0 = 0). log n for a uniform map, 0 for one non-zero feature. Lower is
 * better (a simpler explanation). Quantus returns NaN for an all-zero map; Glassbox scores it log n,
 * the entropy of the uniform distribution it is the limit of.
 */
export class Complexity implements Metric<MetricOptions> {
  readonly info: MetricInfo = {
    name: 'complexity',
    category: 'complexity',
    summary: 'entropy of the fractional absolute attributions: how spread out the explanation is',
    formula: 'H = -sum_i p_i ln p_i,  p_i = |a_i| / sum_j |a_j|',
    reference: 'Bhatt et al. 2020, Evaluating and Aggregating Feature-based Model Explanations (IJCAI); Quantus Complexity',
    modalities: ['image', 'tabular', 'text'],
    higherIsBetter: false,
  };

  async evaluate(subject: EvaluationSubject, options: MetricOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const scores = Array.from({ length: subject.rows }, (_, row) => attributionEntropy(subject.attribution(row)));
    return metricResult(this.info, subject, start, {
      scores,
      params: { seed: options.seed ?? 0 },
    });
  }
}

/** Entropy (nats) of |a| / sum |a|; log n for an all-zero map of n features. */
export function attributionEntropy(a: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < a.length; i++) total += Math.abs(a[i]);
  if (total === 0) return a.length > 0 ? Math.log(a.length) : 0;
  let entropy = 0;
  for (let i = 0; i < a.length; i++) {
    const p = Math.abs(a[i]) / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return entropy;
}
