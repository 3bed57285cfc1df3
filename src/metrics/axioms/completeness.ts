import { metricResult, type Metric, type MetricInfo, type MetricOptions, type MetricResultData } from '../metric.js';
import type { EvaluationSubject, Perturbation, RemovalBaseline } from '../subject.js';

export interface CompletenessOptions extends MetricOptions {
  /** What every feature becomes for f(baseline). Default: the subject's baseline. */
  baseline?: RemovalBaseline;
}

/**
 * Completeness (Sundararajan et al. 2017, "Axiomatic Attribution for Deep Networks"; Quantus
 * Completeness): the attributions of a row should add up to the change of the explained output from the
 * baseline, where every feature is removed: |sum_i a_i - (f(x) - f(x_baseline))|. Lower is better. Quantus
 * returns whether the two are exactly equal; Glassbox returns the gap, so that an approximate method
 * (integrated gradients with few steps) is measured rather than failed.
 */
export class Completeness implements Metric<CompletenessOptions> {
  readonly info: MetricInfo = {
    name: 'completeness',
    category: 'axiom',
    summary: 'gap between the sum of the attributions and the output change from the all-removed baseline',
    formula: '|sum_i a_i - (f(x) - f(x_baseline))|',
    reference: 'Sundararajan et al. 2017, Axiomatic Attribution for Deep Networks (ICML); Quantus Completeness',
    modalities: ['image', 'tabular', 'text'],
    higherIsBetter: false,
  };

  async evaluate(subject: EvaluationSubject, options: CompletenessOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const baseline = options.baseline ?? subject.baseline;
    const perturbations: Perturbation[] = [];
    for (let row = 0; row < subject.rows; row++) {
      const features = subject.features(row);
      perturbations.push({ row, kind: 'remove', mask: new Uint8Array(features), baseline });
      perturbations.push({ row, kind: 'remove', mask: new Uint8Array(features).fill(1), baseline });
    }
    const outputs = await subject.score(perturbations);
    const sums: number[] = [];
    const outputChanges: number[] = [];
    const scores: number[] = [];
    for (let row = 0; row < subject.rows; row++) {
      const sum = subject.attribution(row).reduce((a, b) => a + b, 0);
      const change = outputs[2 * row] - outputs[2 * row + 1];
      sums.push(sum);
      outputChanges.push(change);
      scores.push(Math.abs(sum - change));
    }
    subject.onProgress?.(subject.rows, subject.rows, this.info.name);
    return metricResult(this.info, subject, start, {
      scores,
      params: { baseline, seed: options.seed ?? 0 },
      details: {
        attributionSums: sums,
        outputChanges,
        note: 'completeness holds by construction only for methods that distribute f(x) - f(baseline) over the features ' +
          '(integrated gradients up to its integration error, DeepLIFT, Shapley values and KernelSHAP) and only when the ' +
          "method's baseline is this removal baseline; saliency, grad-cam, occlusion and LIME are not meant to satisfy it",
      },
    });
  }
}
