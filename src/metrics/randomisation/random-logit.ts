import { UsageError } from '../../errors.js';
import { metricResult, type Metric, type MetricInfo, type MetricOptions, type MetricResultData } from '../metric.js';
import { isModelBacked, type EvaluationSubject, type Perturbation } from '../subject.js';
import { rowRandoms } from '../robustness/noisy-inputs.js';
import { similarity, SIMILARITY_MEASURES, SPATIAL_MEASURES, type SimilarityMeasure } from '../similarity/index.js';

export interface RandomLogitOptions extends MetricOptions {
  /** How the two maps are compared: 'spearman' (default, any modality), or 'ssim' / 'hog' (image maps). */
  similarity?: SimilarityMeasure;
  /** Use |a| of both maps (what a heatmap shows). Default false. */
  absolute?: boolean;
}

/**
 * Random-logit test (Sixt et al. 2020, "When Explanations Lie: Why Many Modified BP Attributions Fail";
 * Quantus RandomLogit): the explanation of the explained class should differ from that of another class,
 * so the similarity sim(a(x, y), a(x, y')) with y' drawn uniformly from the other classes (seeded, per row)
 * should be low. Similarity: Spearman rank correlation over features (average ranks for ties) by default,
 * SSIM or HOG similarity on image maps. Lower is better. Quantus's default is SSIM, which needs a picture;
 * the rank correlation applies to tabular rows and token sequences too.
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
    const measure = options.similarity ?? 'spearman';
    if (!SIMILARITY_MEASURES.includes(measure)) {
      throw new UsageError(`unknown similarity measure "${String(measure)}"`, `choose one of: ${SIMILARITY_MEASURES.join(', ')}`);
    }
    let shape: number[] = [];
    if (SPATIAL_MEASURES.includes(measure)) {
      if (subject.modality !== 'image' || !isModelBacked(subject)) {
        throw new UsageError(`similarity ${measure} compares maps as pictures, and ${subject.model}'s ${subject.modality} explanations are not pictures`,
          "use similarity: 'spearman'");
      }
      shape = subject.featureShape;
    }
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
    const scores = explained.map((other, row) => similarity(measure, prepare(subject.attribution(row)), prepare(other), shape));
    return metricResult(this.info, subject, start, {
      scores,
      params: { similarity: measure, absolute, seed },
      details: { otherClasses: Array.from(otherClasses) },
    });
  }
}
