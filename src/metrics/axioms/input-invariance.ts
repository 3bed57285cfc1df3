import { UsageError } from '../../errors.js';
import { ShiftedInputModel } from '../../models/shifted-input.js';
import { metricResult, type Metric, type MetricInfo, type MetricOptions, type MetricResultData } from '../metric.js';
import { isModelBacked, requireModality, type EvaluationSubject } from '../subject.js';

export interface InputInvarianceOptions extends MetricOptions {
  /** The constant added to every input value: x2 = x + inputShift, explained on m2(x2) = m(x2 - inputShift). Default -1 (Quantus). */
  inputShift?: number;
  /** A row is invariant when max_i |a_i - a2_i| <= tolerance * max_i |a_i|. Default 1e-3 (float32 rounding of the shift). */
  tolerance?: number;
}

/**
 * Input invariance (Kindermans et al. 2017, "The (Un)reliability of Saliency Methods"; Quantus
 * InputInvariance): a model m2(x2) = m(x2 - s) that sees the inputs shifted by a constant s computes the
 * same function, so an explanation of m2 at x2 = x + s should equal that of m at x. Per row the score is
 * the mean |a_i - a2_i| over features (lower is better; 0 when invariant), and `details.invariant` says
 * whether the largest difference is within `tolerance` of the map's largest value. Quantus returns only
 * whether the two maps are exactly equal. Saliency and gradient methods pass, and so do reference methods
 * whose reference moves with the input (integrated gradients from a shifted baseline); input x gradient
 * and a fixed zero baseline fail, as the paper shows.
 */
export class InputInvariance implements Metric<InputInvarianceOptions> {
  readonly info: MetricInfo = {
    name: 'input-invariance',
    category: 'axiom',
    summary: 'change of the explanation when the model absorbs a constant shift of its inputs',
    formula: 'mean_i |a(m, x)_i - a(m2, x + s)_i|,  m2(z) = m(z - s)',
    reference: 'Kindermans et al. 2017, The (Un)reliability of Saliency Methods (NIPS workshop); Quantus InputInvariance',
    modalities: ['image', 'tabular'],
    higherIsBetter: false,
    needsModel: true,
  };

  async evaluate(subject: EvaluationSubject, options: InputInvarianceOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const name = this.info.name;
    requireModality(name, subject, ['image', 'tabular'], 'shifting token ids does not give the same text');
    if (!isModelBacked(subject)) {
      throw new UsageError(`metric ${name} needs a layered model to build the shifted copy of, and ${subject.model} (${subject.modality}) is not one`,
        'use it on an image model or a tensor tabular model, or choose another metric');
    }
    const inputShift = options.inputShift ?? -1;
    if (!Number.isFinite(inputShift) || inputShift === 0) {
      throw new UsageError(`inputShift must be a finite number other than 0, got ${inputShift}`, 'pass e.g. inputShift: -1');
    }
    const tolerance = options.tolerance ?? 1e-3;
    if (!Number.isFinite(tolerance) || tolerance < 0) {
      throw new UsageError(`tolerance must be a finite number >= 0, got ${tolerance}`, 'pass e.g. tolerance: 1e-3');
    }
    const shifted = new ShiftedInputModel(subject.sourceModel, -inputShift);
    let explained: Float64Array[];
    try {
      const inputs = Array.from({ length: subject.rows }, (_, row) => subject.input(row).map((v) => v + inputShift));
      explained = await subject.explainWith(shifted, { inputs, targets: subject.targets });
    } finally {
      shifted.dispose();
    }
    const scores: number[] = [];
    const maxDifferences: number[] = [];
    const invariant: boolean[] = [];
    for (let row = 0; row < subject.rows; row++) {
      const a = subject.attribution(row);
      const a2 = explained[row];
      let sum = 0;
      let maxDifference = 0;
      let maxValue = 0;
      for (let i = 0; i < a.length; i++) {
        const d = Math.abs(a[i] - a2[i]);
        sum += d;
        maxDifference = Math.max(maxDifference, d);
        maxValue = Math.max(maxValue, Math.abs(a[i]));
      }
      scores.push(a.length > 0 ? sum / a.length : 0);
      maxDifferences.push(maxDifference);
      invariant.push(maxDifference <= tolerance * maxValue);
    }
    subject.onProgress?.(subject.rows, subject.rows, name);
    return metricResult(this.info, subject, start, {
      scores,
      params: { inputShift, tolerance, seed: options.seed ?? 0 },
      details: {
        invariant,
        invariantFraction: invariant.filter(Boolean).length / Math.max(1, invariant.length),
        maxAbsDifference: maxDifferences,
      },
    });
  }
}
