import type { JsonValue } from '../../attribution/result.js';
import { UsageError } from '../../errors.js';
import { inferImagePreprocessing } from '../../models/preprocessing.js';
import { parameterLayers, randomisedModelCopy } from '../../models/randomise.js';
import { metricResult, type Metric, type MetricInfo, type MetricOptions, type MetricResultData } from '../metric.js';
import { SIMILARITY_MEASURES, similarity, spearmanCorrelation, type SimilarityMeasure, type SimilarityOptions } from '../similarity/index.js';
import { isModelBacked, type EvaluationSubject, type ModelBackedSubject } from '../subject.js';

export type RandomisationMode = 'cascading' | 'independent';

export interface ModelParameterRandomisationOptions extends MetricOptions, SimilarityOptions {
  /** 'cascading' (default): layers randomised cumulatively from the output down; 'independent': one layer at a time. */
  mode?: RandomisationMode;
  /** The measure behind the scores and curves. Default 'spearman'. */
  similarity?: SimilarityMeasure;
  /** Compare |a| (what a heatmap shows; Quantus's default). Default true. */
  absolute?: boolean;
  /** Layers to randomise (names from parameterLayers). Default: every layer with weights. */
  layers?: readonly string[];
  /** Rows whose maps per step are kept in details.examples for the picture (image subjects only). Default 2. */
  keepExamples?: number;
}

/**
 * Model parameter randomisation test (Adebayo et al. 2018, "Sanity Checks for Saliency Maps"; Quantus
 * ModelParameterRandomisation). The layers with weights are re-drawn (src/models/randomise.ts), from the
 * output layer down: cascading, each step randomises one more layer on top of the previous ones;
 * independent, each step randomises one layer alone. At every step each row is explained again with the
 * same method and target, and compared with its original explanation:
 *   s_k(x) = sim(n(a(x; theta)), n(a(x; theta_k))),   n(a) = |a| / max|a|  (a / max|a| when absolute is off)
 * with sim Spearman's rank correlation (default), SSIM or the Pearson correlation of HOG features. The
 * per-row score is s after the last cascading step (the fully randomised model), or the mean over the
 * independent steps. Lower is better: an explanation that still looks the same explains not the model.
 * The curves start at "original": the method re-run on the unchanged model (1 for deterministic methods).
 * Where a map is constant its similarity is undefined (scipy gives NaN); it scores 0, and is counted in
 * details.undefinedSimilarities. details.means holds every measure's mean per step (spearman, ssim and hog
 * where the features are pictures, and the Spearman of the other sign: spearman-signed or spearman-absolute).
 */
export class ModelParameterRandomisation implements Metric<ModelParameterRandomisationOptions> {
  readonly info: MetricInfo = {
    name: 'randomisation',
    category: 'randomisation',
    summary: 'similarity of each explanation to itself as the model\'s layers are randomised, output layer first (model parameter randomisation test)',
    formula: 's_k = sim(|a(x; theta)|, |a(x; theta_k)|), theta_k: layers L..L-k+1 re-drawn; score = s after the last layer; sim = Spearman rank correlation (or SSIM, HOG)',
    reference: 'Adebayo et al. 2018, Sanity Checks for Saliency Maps (NeurIPS); Quantus ModelParameterRandomisation',
    modalities: ['image', 'tabular'],
    higherIsBetter: false,
    needsModel: true,
    needsWeights: true,
  };

  async evaluate(subject: EvaluationSubject, options: ModelParameterRandomisationOptions = {}): Promise<MetricResultData> {
    const start = performance.now();
    const name = this.info.name;
    if (!isModelBacked(subject)) {
      throw new UsageError(`metric ${name} re-explains with a copy of the model whose weights are re-drawn, and the ${subject.modality} subject of ${subject.model} gives access only to the model's outputs`,
        'use it on image models or tensor tabular models (TF.js layers models or ONNX files), or choose another metric');
    }
    const mode = options.mode ?? 'cascading';
    if (mode !== 'cascading' && mode !== 'independent') throw new UsageError(`unknown randomisation mode "${mode as string}"`, 'choose cascading or independent');
    const measure = options.similarity ?? 'spearman';
    if (!SIMILARITY_MEASURES.includes(measure)) throw new UsageError(`unknown similarity measure "${measure as string}"`, `choose one of: ${SIMILARITY_MEASURES.join(', ')}`);
    const absolute = options.absolute ?? true;
    const seed = options.seed ?? 0;
    const keepExamples = options.keepExamples ?? 2;
    if (!Number.isInteger(keepExamples) || keepExamples < 0) throw new UsageError(`keepExamples must be a whole number, got ${keepExamples}`, 'pass e.g. keepExamples: 2');
    const model = subject.sourceModel;
    const available = parameterLayers(model);
    const chosen = options.layers ?? available;
    const unknown = chosen.filter((l) => !available.includes(l));
    if (unknown.length > 0 || chosen.length === 0) {
      throw new UsageError(`metric ${name}: ${chosen.length === 0 ? 'no layers to randomise' : `model ${subject.model} has no layer with weights named ${unknown.join(', ')}`}`,
        `choose among: ${available.join(', ')}`);
    }
    // Output layer first (Adebayo et al.'s cascade; Quantus's "top_down").
    const order = available.filter((l) => chosen.includes(l)).reverse();
    const shape = subject.featureShape;
    const measures = SIMILARITY_MEASURES.filter((m) => m === 'spearman' || appliesTo(m, shape, options));
    if (!measures.includes(measure)) {
      throw new UsageError(`similarity ${measure} compares maps as pictures, and the features of ${subject.model} have shape [${shape.join(', ')}]`,
        `use similarity spearman${shape.length === 2 ? ', or smaller hog cells / ssim window for small maps' : ''}`);
    }

    const steps = ['original', ...order];
    const rows = subject.rows;
    const originals = Array.from({ length: rows }, (_, row) => subject.attribution(row));
    // Example maps are for the picture of image maps; tabular rows keep none.
    const kept = shape.length === 2 ? Math.min(keepExamples, rows) : 0;
    const exampleMaps: number[][][] = Array.from({ length: kept }, (_, row) => [Array.from(originals[row])]);
    // sims[measure][row][step]; the Spearman of the other sign rides along (Adebayo et al. show both).
    const sims = new Map<string, number[][]>(measures.map((m) => [m, Array.from({ length: rows }, () => new Array<number>(steps.length).fill(0))]));
    const otherSpearman = absolute ? 'spearman-signed' : 'spearman-absolute';
    sims.set(otherSpearman, Array.from({ length: rows }, () => new Array<number>(steps.length).fill(0)));
    let undefinedSimilarities = 0;
    const prepared = originals.map((a) => normalised(a, absolute));
    const preparedOther = originals.map((a) => normalised(a, !absolute));

    const outer = subject.onProgress;
    try {
      for (let k = 0; k < steps.length; k++) {
        const stage = `${name}: ${k === 0 ? 'original model' : `${mode === 'cascading' ? 'down to' : 'only'} ${steps[k]}`}`;
        if (outer) subject.onProgress = (done, total) => outer(k * rows + Math.round((done / Math.max(1, total)) * rows), steps.length * rows, stage);
        const maps = await this.explainAtStep(subject, k === 0 ? [] : mode === 'cascading' ? order.slice(0, k) : [order[k - 1]], seed);
        outer?.((k + 1) * rows, steps.length * rows, stage);
        maps.forEach((map, row) => {
          if (row < kept && k > 0) exampleMaps[row].push(Array.from(map));
          const b = normalised(map, absolute);
          for (const m of measures) {
            let s = similarity(m, prepared[row], b, shape, options);
            if (!Number.isFinite(s)) {
              s = 0;
              undefinedSimilarities++;
            }
            sims.get(m)![row][k] = s;
          }
          const other = spearmanCorrelation(preparedOther[row], normalised(map, !absolute));
          sims.get(otherSpearman)![row][k] = Number.isFinite(other) ? other : 0;
        });
      }
    } finally {
      subject.onProgress = outer;
    }

    const chosenSims = sims.get(measure)!;
    const scores = chosenSims.map((perStep) => (mode === 'cascading'
      ? perStep[steps.length - 1]
      : perStep.slice(1).reduce((a, b) => a + b, 0) / (steps.length - 1)));
    const means: Record<string, JsonValue> = {};
    for (const [m, perRow] of sims) means[m] = steps.map((_, k) => perRow.reduce((a, r) => a + r[k], 0) / rows);
    const examples: JsonValue[] = exampleMaps.map((maps, row) => ({
      row,
      target: subject.targets[row],
      steps,
      maps,
      featureShape: shape,
      ...channelsLastInput(subject, row, shape),
    }));
    return metricResult(this.info, subject, start, {
      scores,
      params: {
        mode, similarity: measure, absolute, seed, keepExamples, layers: [...order],
        ...(options.ssim ? { ssim: { ...options.ssim } } : {}),
        ...(options.hog ? { hog: { ...options.hog } } : {}),
      } as Record<string, JsonValue>,
      curves: {
        xLabel: mode === 'cascading' ? 'layers randomised, cumulatively from the output' : 'layer randomised (alone)',
        x: steps,
        yLabel: `${measure} similarity to the original explanation${absolute ? ' (absolute values)' : ''}`,
        y: chosenSims,
      },
      details: { mode, layers: [...order], similarity: measure, absolute, means, undefinedSimilarities, examples },
    });
  }

  /** Every row explained under a copy of the model with `layers` re-drawn (the model itself when none). */
  private async explainAtStep(subject: ModelBackedSubject, layers: readonly string[], seed: number): Promise<Float64Array[]> {
    if (layers.length === 0) return subject.explainWith(subject.sourceModel);
    const copy = await randomisedModelCopy(subject.sourceModel, layers, seed);
    try {
      return await subject.explainWith(copy);
    } finally {
      copy.dispose();
    }
  }
}

/** |a| (or a) divided by its largest magnitude, so maps of different scales compare (Quantus normalise_by_max). */
function normalised(a: Float64Array, absolute: boolean): Float64Array {
  const out = absolute ? a.map(Math.abs) : Float64Array.from(a);
  let max = 0;
  for (const v of out) max = Math.max(max, Math.abs(v));
  if (max > 0) for (let i = 0; i < out.length; i++) out[i] /= max;
  return out;
}

/** Whether SSIM / HOG (with the given options) fit maps of this feature shape. */
function appliesTo(measure: SimilarityMeasure, shape: readonly number[], options: SimilarityOptions): boolean {
  if (shape.length !== 2) return false;
  const [h, w] = shape;
  if (measure === 'ssim') {
    const win = options.ssim?.winSize ?? 7;
    return h >= win && w >= win;
  }
  const [cr, cc] = options.hog?.pixelsPerCell ?? [8, 8];
  const [br, bc] = options.hog?.cellsPerBlock ?? [3, 3];
  return Math.floor(h / cr) >= br && Math.floor(w / cc) >= bc;
}

/** The row's input as the picture's first column: per pixel and channel, channels last. */
function channelsLastInput(subject: ModelBackedSubject, row: number, [h, w]: readonly number[]): { input?: number[] } {
  const x = subject.input(row);
  const channels = x.length / (h * w);
  if (![1, 3, 4].includes(channels)) return {};
  const inputShape = subject.sourceModel.info.inputShape;
  const layout = subject.sourceModel.info.preprocessing?.layout ?? inferImagePreprocessing(inputShape)?.layout;
  if (layout !== 'NCHW' || channels === 1) return { input: Array.from(x) };
  const out = new Array<number>(x.length);
  for (let c = 0; c < channels; c++) for (let p = 0; p < h * w; p++) out[p * channels + c] = x[c * h * w + p];
  return { input: out };
}
