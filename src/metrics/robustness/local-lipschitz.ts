import { metricResult, type Metric, type MetricInfo, type MetricOptions, type MetricResultData } from '../metric.js';
import { requireModality, type EvaluationSubject, type Perturbation } from '../subject.js';
import {
  checkNoiseSize, checkSamples, defaultNoiseScale, gaussianNoisy, noiseScales, rowRandoms, type NoiseScale,
} from './noisy-inputs.js';
import { l2Distance } from './vector-norms.js';

export interface LocalLipschitzOptions extends MetricOptions {
  /** Noisy neighbours per row. Default 10 (Quantus: 200, too slow for integrated gradients on 2 cores). */
  samples?: number;
  /** Standard deviation of the Gaussian noise (Quantus's perturb_std). Default 0.1. */
  std?: number;
  /** Divide each map by its largest |value| first (Quantus's default normalise_by_max). Default true. */
  normalise?: boolean;
  /** Units of `std`. Default 'absolute' for images, 'feature-std' for tabular rows. */
  noiseScale?: NoiseScale;
}

/**
 * Local Lipschitz estimate (Alvarez-Melis & Jaakkola 2018, "On the Robustness of Interpretability
 * Methods"; Quantus LocalLipschitzEstimate): max over x' = x + d, d ~ N(0, std^2 I), of
 * ||a(x) - a(x')||_2 / ||x - x'||_2, by Monte Carlo over `samples` neighbours (the paper maximises with
 * Bayesian optimisation; Quantus and Glassbox sample). Lower is better.
 */
export class LocalLipschitzEstimate implements Metric<LocalLipschitzOptions> {
  readonly info: MetricInfo = {
    name: 'local-lipschitz',
    category: 'robustness',
    summary: 'largest ratio of explanation change to input change over Gaussian-noise neighbours',
    formula: "max_{x' = x + N(0, s^2 I)} ||a(x) - a(x')||_2 / ||x - x'||_2  (over `samples` draws)",
    reference: 'Alvarez-Melis & Jaakkola 2018, On the Robustness of Interpretability Methods (ICML WHI); Quantus LocalLipschitzEstimate',
    modalities: ['image', 'tabular'],
    higherIsBetter: false,
  };

  async evaluate(subject: EvaluationSubject, options: LocalLipschitzOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const name = this.info.name;
    requireModality(name, subject, ['image', 'tabular'], 'it adds noise to the input values, and token ids have no nearby values');
    const samples = checkSamples('samples', options.samples ?? 10);
    const std = checkNoiseSize('std', options.std ?? 0.1);
    const normalise = options.normalise ?? true;
    const noiseScale = options.noiseScale ?? defaultNoiseScale(subject);
    const seed = options.seed ?? 0;
    const scales = noiseScales(subject, noiseScale);
    const randoms = rowRandoms(seed, subject.rows);
    const inputs = Array.from({ length: subject.rows }, (_, row) => subject.input(row));
    const originals = Array.from({ length: subject.rows }, (_, row) => normalised(subject.attribution(row), normalise));
    const scores = new Array<number>(subject.rows).fill(0);
    for (let s = 0; s < samples; s++) {
      const neighbours = inputs.map((x, row) => gaussianNoisy(x, std, scales, randoms[row]));
      const perturbations: Perturbation[] = neighbours.map((values, row) => ({ row, kind: 'input', values }));
      const explained = await subject.explain(perturbations);
      for (let row = 0; row < subject.rows; row++) {
        const inputDistance = l2Distance(inputs[row], neighbours[row]);
        // Quantus's 1e-10 keeps a zero-noise draw (all normals rounded away) finite.
        const ratio = l2Distance(originals[row], normalised(explained[row], normalise)) / (inputDistance + 1e-10);
        scores[row] = Math.max(scores[row], ratio);
      }
      subject.onProgress?.(s + 1, samples, name);
    }
    return metricResult(this.info, subject, start, {
      scores,
      params: { samples, std, normalise, noiseScale, seed },
    });
  }
}

/** a / max|a| (an all-zero map stays zero), or `a` itself. */
function normalised(a: Float64Array, normalise: boolean): Float64Array {
  if (!normalise) return a;
  let max = 0;
  for (const v of a) max = Math.max(max, Math.abs(v));
  return max > 0 ? a.map((v) => v / max) : a;
}
