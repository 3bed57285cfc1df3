import { UsageError } from '../../errors.js';
import type { Metric, MetricInfo, MetricOptions, MetricResultData } from '../metric.js';
import type { EvaluationSubject, Perturbation } from '../subject.js';
import { rowRandoms } from '../robustness/noisy-inputs.js';

export interface RandomLogitOptions extends MetricOptions {
  /** Use |a| of both maps (what a heatmap shows). Default false. */
  absolute?: boolean;
}

/**
 * Random-logit test (Sixt et al. 2020, "When Explanations Lie: Why Many Modified BP Attributions Fail";
 * Quantus RandomLogit): the explanation of the explained class should differ from that of another class,
 * so the similarity sim(a(x, y), a(x, y')) with y' drawn uniformly from the other classes (seeded, per row)
 * should be low. Similarity: Spearman rank correlation over features (average ranks for ties). Lower is
 * better. Quantus's default similarity is SSIM on images, which does not exist for tabular rows and token
 * sequences; the rank correlation applies to all three.
 */
export class RandomLogit implements Metric<RandomLogitOptions> {
  readonly info: MetricInfo = {
    name: 'random-logit',
    category: 'randomisation',
    summary: "rank correlation between the explanation of the explained class and that of a random other class",
    formula: "spearman(a(x, y), a(x, y')),  y' ~ U(classes \\ {y})",
    reference: 'Sixt et al. 2020, When Explanations Lie: Why Many Modified BP Attributions Fail (ICML); Quantus RandomLogit',
    modalities: ['image', 'tabular', 'text'],
    higherIsBetter: false,
  };

  async evaluate(subject: EvaluationSubject, options: RandomLogitOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const name = this.info.name;
    if (subject.numOutputs < 2) {
      throw new UsageError(`metric ${name} compares the explanations of two classes, and ${subject.model} has ${subject.numOutputs} output`,
        'use it on a classifier with at least two outputs, or choose another metric');
    }
    const seed = options.seed ?? 0;
    const absolute = options.absolute ?? false;
    const randoms = rowRandoms(seed, subject.rows);
    const otherClasses = new Int32Array(subject.rows);
    const perturbations: Perturbation[] = [];
    for (let row = 0; row < subject.rows; row++) {
      // Uniform over the numOutputs - 1 other classes: draw among them and skip past the target.
      const draw = randoms[row].int(subject.numOutputs - 1);
      otherClasses[row] = draw >= subject.targets[row] ? draw + 1 : draw;
      perturbations.push({ row, kind: 'remove', mask: new Uint8Array(subject.features(row)) });
    }
    const explained = await subject.explain(perturbations, otherClasses);
    subject.onProgress?.(subject.rows, subject.rows, name);
    const prepare = (a: Float64Array) => (absolute ? a.map(Math.abs) : a);
    const scores = explained.map((other, row) => spearmanCorrelation(prepare(subject.attribution(row)), prepare(other)));
    return {
      metric: name,
      method: subject.method,
      model: subject.model,
      modality: subject.modality,
      scores,
      higherIsBetter: false,
      params: { similarity: 'spearman', absolute, seed },
      details: { otherClasses: Array.from(otherClasses) },
      timeMs: performance.now() - start,
    };
  }
}

/** Spearman's rho: the Pearson correlation of the ranks (ties get their average rank); NaN when either map is constant, as scipy. */
export function spearmanCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = averageRanks(a);
  const rb = averageRanks(b);
  const n = ra.length;
  const mean = (n + 1) / 2;
  let covariance = 0;
  let varianceA = 0;
  let varianceB = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i] - mean;
    const db = rb[i] - mean;
    covariance += da * db;
    varianceA += da * da;
    varianceB += db * db;
  }
  return varianceA > 0 && varianceB > 0 ? covariance / Math.sqrt(varianceA * varianceB) : Number.NaN;
}

/** 1-based ranks, tied values sharing the mean of the ranks they span. */
function averageRanks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Float64Array(values.length);
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && values[order[end]] === values[order[start]]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}
