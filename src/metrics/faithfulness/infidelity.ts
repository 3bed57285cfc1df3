import type { JsonValue } from '../../attribution/result.js';
import { UsageError } from '../../errors.js';
import { Random, checkSeed } from '../../util/random.js';
import { metricResult, type Metric, type MetricInfo, type MetricOptions, type MetricResultData } from '../metric.js';
import { isModelBacked, requireModality, type EvaluationSubject, type Perturbation, type RemovalBaseline } from '../subject.js';
import { checkBaselineOption, checkChoice, checkPositiveInteger, checkPositiveNumber, checkRowsHaveFeatures } from './check-options.js';
import { elementFeatures } from './element-features.js';
import { randomSubset } from './random-subset.js';
import { scoreInChunks } from './score-in-chunks.js';

export interface InfidelityOptions extends MetricOptions {
  /**
   * 'removal' (default, every modality): I = x - baseline on a random square patch (images) or a random
   * subset of features (tabular, text), read with the attribution already multiplied by the input, so
   * I^T a = the sum of the attributions of the removed features. 'noise' (images, tabular): Yeh et al.'s
   * Gaussian I ~ N(0, noiseStd^2) per feature (shared by a pixel's channels), I^T a = sum_i I_i a_i,
   * which reads the attribution as a per-unit effect (a gradient).
   */
  perturbation?: 'removal' | 'noise';
  /** Perturbations per row. Default 50. */
  samples?: number;
  /** Side of the removed square, in pixels (images with 'removal'). Default 4 (Quantus's perturb_patch_sizes). */
  patchSize?: number;
  /** Features removed per sample (tabular and text, or images without a pixel grid). Default a quarter of the row's features (at least 1). */
  subsetSize?: number;
  /** Standard deviation of the noise, in input units ('noise'). Default 0.2 (Yeh et al.'s code, inputs in [0, 1]). */
  noiseStd?: number;
  /** What removed features become ('removal'). Default: the subject's baseline. */
  baseline?: RemovalBaseline;
  /**
   * Scale the attribution by the best beta = E[I^T a (f(x) - f(x - I))] / E[(I^T a)^2] first (Yeh et al.'s
   * variant, Captum's normalize), so the attribution's own scale no longer counts. Default false.
   */
  normalise?: boolean;
}

/**
 * Infidelity (Yeh et al. 2019; Quantus and Captum Infidelity): the expected squared error between the
 * change the attribution predicts for a perturbation I and the change of the model,
 * INFD = E_I[(I^T a - (f(x) - f(x - I)))^2], estimated over `samples` draws of I. 0 for an explanation
 * that predicts every perturbation; lower is better. In the output's units squared: f -> c f with
 * a -> c a gives c^2 INFD, normalised or not.
 */
export class Infidelity implements Metric<InfidelityOptions> {
  readonly info: MetricInfo = {
    name: 'infidelity',
    category: 'faithfulness',
    summary: 'mean squared error between the output change a perturbation causes and the change the attribution predicts (lower is better)',
    formula: 'E_I[(I^T a - (f(x) - f(x - I)))^2]; removal: I = x - baseline on a random patch/subset, I^T a = sum of a over it',
    reference: 'Yeh, Hsieh, Suggala, Inouye, Ravikumar (2019), On the (In)fidelity and Sensitivity of Explanations, NeurIPS',
    modalities: ['image', 'tabular', 'text'],
    higherIsBetter: false,
  };

  async evaluate(subject: EvaluationSubject, options: InfidelityOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const perturbation = checkChoice(options.perturbation ?? 'removal', 'perturbation', ['removal', 'noise'] as const);
    if (perturbation === 'noise') {
      requireModality(`${this.info.name} with noise`, subject, ['image', 'tabular'],
        "Gaussian noise has no meaning for token ids; use perturbation: 'removal'");
    }
    const samples = checkPositiveInteger(options.samples ?? 50, 'samples', 50);
    const patchSize = checkPositiveInteger(options.patchSize ?? 4, 'patchSize', 4);
    const subsetSize = options.subsetSize === undefined ? undefined : checkPositiveInteger(options.subsetSize, 'subsetSize', 4);
    const noiseStd = checkPositiveNumber(options.noiseStd ?? 0.2, 'noiseStd', 0.2);
    const baseline = checkBaselineOption(options.baseline) ?? subject.baseline;
    const normalise = options.normalise ?? false;
    const seed = checkSeed(options.seed ?? 0);
    checkRowsHaveFeatures(this.info.name, subject.rows, (r) => subject.features(r));
    const grid = subject.modality === 'image' && isModelBacked(subject) && subject.featureShape.length === 2 ? subject.featureShape : undefined;
    if (perturbation === 'removal' && !grid) {
      for (let r = 0; r < subject.rows; r++) {
        if (subsetSize !== undefined && subsetSize > subject.features(r)) {
          throw new UsageError(`subsetSize ${subsetSize} is larger than row ${r}'s ${subject.features(r)} features`, `pass a subsetSize of at most ${subject.features(r)}`);
        }
      }
    }

    const random = new Random(seed);
    const perRow = samples + 1;
    // What each sample's perturbation predicts (I^T a), filled as the perturbations are made (in index order).
    const predicted = new Float64Array(subject.rows * samples);
    let x: Float32Array = new Float32Array(0);
    let owner: Int32Array = new Int32Array(0);
    let scratch = new Int32Array(0);
    const outputs = await scoreInChunks(subject, subject.rows * perRow, (index): Perturbation => {
      const row = Math.floor(index / perRow);
      const s = index % perRow;
      const n = subject.features(row);
      const a = subject.attribution(row);
      if (s === 0) {
        if (perturbation === 'noise') {
          x = subject.input(row);
          owner = elementFeatures(subject, row, this.info.name);
        } else {
          scratch = Int32Array.from({ length: n }, (_, i) => i);
        }
        return { row, kind: 'remove', mask: new Uint8Array(n), baseline };
      }
      if (perturbation === 'noise') {
        const noise = Float64Array.from({ length: n }, () => noiseStd * random.normal());
        let dot = 0;
        for (let f = 0; f < n; f++) dot += noise[f] * a[f];
        predicted[row * samples + s - 1] = dot;
        return { row, kind: 'input', values: Float32Array.from(x, (v, e) => v - noise[owner[e]]) };
      }
      const mask = new Uint8Array(n);
      if (grid) {
        const [height, width] = grid;
        const ph = Math.min(patchSize, height);
        const pw = Math.min(patchSize, width);
        const top = random.int(height - ph + 1);
        const left = random.int(width - pw + 1);
        for (let y = top; y < top + ph; y++) mask.fill(1, y * width + left, y * width + left + pw);
      } else {
        const size = subsetSize ?? Math.max(1, Math.round(n / 4));
        for (const f of randomSubset(scratch, size, random)) mask[f] = 1;
      }
      let sum = 0;
      for (let f = 0; f < n; f++) if (mask[f] === 1) sum += a[f];
      predicted[row * samples + s - 1] = sum;
      return { row, kind: 'remove', mask, baseline };
    }, this.info.name);

    const scores: number[] = [];
    const betas: number[] = [];
    for (let r = 0; r < subject.rows; r++) {
      const full = outputs[r * perRow];
      const change = Float64Array.from({ length: samples }, (_, s) => full - outputs[r * perRow + s + 1]);
      const p = predicted.subarray(r * samples, (r + 1) * samples);
      let beta = 1;
      if (normalise) {
        let num = 0;
        let den = 0;
        for (let s = 0; s < samples; s++) {
          num += p[s] * change[s];
          den += p[s] * p[s];
        }
        beta = den === 0 ? 0 : num / den;
      }
      betas.push(beta);
      let error = 0;
      for (let s = 0; s < samples; s++) error += (beta * p[s] - change[s]) ** 2;
      scores.push(error / samples);
    }
    const params: Record<string, JsonValue> = {
      perturbation, samples, patchSize: grid && perturbation === 'removal' ? patchSize : null,
      subsetSize: !grid && perturbation === 'removal' ? subsetSize ?? null : null,
      noiseStd: perturbation === 'noise' ? noiseStd : null, baseline: perturbation === 'removal' ? baseline : null, normalise, seed,
    };
    return metricResult(this.info, subject, start, {
      scores,
      params,
      details: normalise ? { beta: betas } : {},
    });
  }
}
