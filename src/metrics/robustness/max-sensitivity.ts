import { metricResult, type Metric, type MetricInfo, type MetricResultData } from '../metric.js';
import type { EvaluationSubject } from '../subject.js';
import { explanationSensitivities, type SensitivityOptions } from './explanation-sensitivities.js';

export type MaxSensitivityOptions = SensitivityOptions;

/**
 * Max-sensitivity (Yeh et al. 2019, "On the (In)fidelity and Sensitivity of Explanations"; Quantus
 * MaxSensitivity): max over d ~ U[-r, r]^D of ||a(x) - a(x + d)||_F / ||a(x)||_F, by Monte Carlo over
 * `samples` noisy copies. Lower is better. The division by ||a(x)|| is Yeh et al.'s own code and Captum's,
 * and makes the score independent of the attribution's scale; Quantus divides by ||x|| (denominator: 'input').
 * The noise radius is absolute, in input units, as Quantus's lower_bound (0.2) is.
 */
export class MaxSensitivity implements Metric<MaxSensitivityOptions> {
  readonly info: MetricInfo = {
    name: 'max-sensitivity',
    category: 'robustness',
    summary: 'largest change of the explanation under small uniform input noise, relative to its norm',
    formula: 'max_{d ~ U[-r,r]^D} ||a(x) - a(x+d)||_F / ||a(x)||_F  (over `samples` draws)',
    reference: 'Yeh et al. 2019, On the (In)fidelity and Sensitivity of Explanations (NeurIPS); Quantus MaxSensitivity',
    modalities: ['image', 'tabular'],
    higherIsBetter: false,
  };

  async evaluate(subject: EvaluationSubject, options: MaxSensitivityOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const { perSample, params, zeroAttributionRows } = await explanationSensitivities(this.info.name, subject, options);
    return metricResult(this.info, subject, start, {
      scores: perSample.map((values) => Math.max(...values)),
      params,
      details: { zeroAttributionRows },
    });
  }
}
