import { metricResult, type Metric, type MetricInfo, type MetricResultData } from '../metric.js';
import type { EvaluationSubject } from '../subject.js';
import { explanationSensitivities, type SensitivityOptions } from './explanation-sensitivities.js';

export type AvgSensitivityOptions = SensitivityOptions;

/**
 * Average sensitivity (Yeh et al. 2019; Quantus AvgSensitivity): the mean over d ~ U[-r, r]^D of
 * ||a(x) - a(x + d)||_F / ||a(x)||_F, by Monte Carlo over `samples` noisy copies. Lower is better. As in
 * max-sensitivity, the division is by ||a(x)|| (Yeh et al.'s code, Captum) where Quantus divides by ||x||
 * (denominator: 'input').
 */
export class AvgSensitivity implements Metric<AvgSensitivityOptions> {
  readonly info: MetricInfo = {
    name: 'avg-sensitivity',
    category: 'robustness',
    summary: 'mean change of the explanation under small uniform input noise, relative to its norm',
    formula: 'E_{d ~ U[-r,r]^D} ||a(x) - a(x+d)||_F / ||a(x)||_F  (mean of `samples` draws)',
    reference: 'Yeh et al. 2019, On the (In)fidelity and Sensitivity of Explanations (NeurIPS); Quantus AvgSensitivity',
    modalities: ['image', 'tabular'],
    higherIsBetter: false,
  };

  async evaluate(subject: EvaluationSubject, options: AvgSensitivityOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const { perSample, params, zeroAttributionRows } = await explanationSensitivities(this.info.name, subject, options);
    return metricResult(this.info, subject, start, {
      scores: perSample.map((values) => values.reduce((a, b) => a + b, 0) / values.length),
      params,
      details: { zeroAttributionRows },
    });
  }
}
