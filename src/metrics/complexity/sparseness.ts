import { metricResult, type Metric, type MetricInfo, type MetricOptions, type MetricResultData } from '../metric.js';
import type { EvaluationSubject } from '../subject.js';

/**
 * Sparseness (Chalasani et al. 2020, "Concise Explanations of Neural Networks using Adversarial
 * Training"; Quantus Sparseness): the Gini index of |a| sorted ascending,
 * G = sum_k (2k - n - 1) |a|_(k) / (n sum_k |a|_(k)), k = 1..n. 0 for a uniform map, (n - 1)/n for a map
 * with one non-zero feature. Higher is better (a more concise explanation). Quantus adds 1e-7 to every
 * value; Glassbox does not, and scores an all-zero map 0 (the limit of Quantus's value).
 */
export class Sparseness implements Metric<MetricOptions> {
  readonly info: MetricInfo = {
    name: 'sparseness',
    category: 'complexity',
    summary: 'Gini index of the absolute attributions: how few features carry the explanation',
    formula: 'G = sum_k (2k - n - 1) |a|_(k) / (n sum_k |a|_(k)),  |a| sorted ascending',
    reference: 'Chalasani et al. 2020, Concise Explanations of Neural Networks using Adversarial Training (ICML); Quantus Sparseness',
    modalities: ['image', 'tabular', 'text'],
    higherIsBetter: true,
  };

  async evaluate(subject: EvaluationSubject, options: MetricOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const scores = Array.from({ length: subject.rows }, (_, row) => giniIndex(subject.attribution(row)));
    return metricResult(this.info, subject, start, {
      scores,
      params: { seed: options.seed ?? 0 },
    });
  }
}

/** The Gini index of |a| (0 for an empty or all-zero map). */
export function giniIndex(a: ArrayLike<number>): number {
  const n = a.length;
  const sorted = Float64Array.from(a, Math.abs).sort();
  let total = 0;
  let weighted = 0;
  for (let k = 1; k <= n; k++) {
    total += sorted[k - 1];
    weighted += (2 * k - n - 1) * sorted[k - 1];
  }
  return total > 0 ? weighted / (n * total) : 0;
}
