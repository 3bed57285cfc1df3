import type { JsonValue } from '../../attribution/result.js';
import { UsageError } from '../../errors.js';
import type { MetricOptions } from '../metric.js';
import { requireModality, type EvaluationSubject, type Perturbation } from '../subject.js';
import {
  checkNoiseSize, checkSamples, defaultNoiseScale, noiseScales, rowRandoms, uniformNoisy, type NoiseScale,
} from './noisy-inputs.js';
import { l2Distance, l2Norm } from './vector-norms.js';

export interface SensitivityOptions extends MetricOptions {
  /** Noisy copies per row. Default 10 (Quantus: 200, too slow for integrated gradients on 2 cores). */
  samples?: number;
  /** Half-width of the uniform noise per input value (Quantus's lower_bound, in input units). Default 0.2. */
  radius?: number;
  /** Divide by a norm (`denominator`) so that the score does not depend on the attribution's scale. Default true. */
  normalise?: boolean;
  /** What a normalised score divides by: ||a(x)|| (default: Yeh et al.'s code, Captum) or ||x|| (Quantus). */
  denominator?: 'attribution' | 'input';
  /** Units of `radius`. Default 'absolute' for images, 'feature-std' for tabular rows. */
  noiseScale?: NoiseScale;
}

export interface Sensitivities {
  /** rows x samples: ||a(x) - a(x + d)|| (/ the denominator's norm when normalised; NaN when that norm is 0). */
  perSample: number[][];
  params: Record<string, JsonValue>;
  /** Rows whose denominator is all zero, for which the normalised sensitivity is undefined. */
  zeroAttributionRows: number[];
}

/**
 * Explains `samples` noisy copies of every row (d uniform in the L-infinity ball of radius `radius`) and
 * measures how far each explanation moved. Max- and average sensitivity reduce the samples differently.
 */
export async function explanationSensitivities(metric: string, subject: EvaluationSubject, options: SensitivityOptions): Promise<Sensitivities> {
  requireModality(metric, subject, ['image', 'tabular'], 'it adds noise to the input values, and token ids have no nearby values');
  const samples = checkSamples('samples', options.samples ?? 10);
  const radius = checkNoiseSize('radius', options.radius ?? 0.2);
  const normalise = options.normalise ?? true;
  const denominator = options.denominator ?? 'attribution';
  if (denominator !== 'attribution' && denominator !== 'input') {
    throw new UsageError(`denominator must be 'attribution' or 'input', got ${String(denominator)}`, "pass denominator: 'attribution' (Yeh et al.) or 'input' (Quantus)");
  }
  const noiseScale = options.noiseScale ?? defaultNoiseScale(subject);
  const seed = options.seed ?? 0;
  const scales = noiseScales(subject, noiseScale);
  const randoms = rowRandoms(seed, subject.rows);
  const inputs = Array.from({ length: subject.rows }, (_, row) => subject.input(row));
  const norms = Array.from({ length: subject.rows }, (_, row) => l2Norm(denominator === 'input' ? inputs[row] : subject.attribution(row)));
  const perSample = Array.from({ length: subject.rows }, () => new Array<number>(samples));
  // One call per sample over all rows: bounded memory, and progress the caller can show.
  for (let s = 0; s < samples; s++) {
    const perturbations: Perturbation[] = inputs.map((x, row) => ({ row, kind: 'input', values: uniformNoisy(x, radius, scales, randoms[row]) }));
    const explained = await subject.explain(perturbations);
    for (let row = 0; row < subject.rows; row++) {
      const distance = l2Distance(subject.attribution(row), explained[row]);
      perSample[row][s] = normalise ? (norms[row] > 0 ? distance / norms[row] : Number.NaN) : distance;
    }
    subject.onProgress?.(s + 1, samples, metric);
  }
  return {
    perSample,
    params: { samples, radius, normalise, denominator, noiseScale, seed },
    zeroAttributionRows: normalise ? norms.flatMap((n, row) => (n > 0 ? [] : [row])) : [],
  };
}
