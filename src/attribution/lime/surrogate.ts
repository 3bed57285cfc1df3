import { UsageError } from '../../errors.js';
import type { Matrix } from '../../tabular/matrix.js';
import { checkFeatureSelection, selectFeatures, type FeatureSelection } from './feature-selection.js';
import { r2FromSums, ridgeFromGram } from './ridge.js';
import { weightedGram } from './weighted-gram.js';

/** lime's kernel: sqrt(exp(-d^2 / width^2)). */
export function limeKernel(distance: number, kernelWidth: number): number {
  return Math.sqrt(Math.exp(-(distance * distance) / (kernelWidth * kernelWidth)));
}

export interface SurrogateOptions {
  /** How many features the surrogate may use (lime's num_features). */
  numFeatures: number;
  featureSelection?: FeatureSelection;
  /** Ridge penalty of the final fit; lime's default regressor is Ridge(alpha=1). */
  alpha?: number;
}

/** What LimeBase.explain_instance_with_data returns, for one label. */
export interface Surrogate {
  /** One weight per interpretable feature; 0 for features the selection left out. */
  weights: Float64Array;
  /** The selected features, by |weight| descending (lime's order of `local_exp`). */
  ranked: number[];
  intercept: number;
  /** Weighted R^2 of the surrogate on the samples. */
  score: number;
  /** The surrogate at the explained instance (row 0 of the samples). */
  localPrediction: number;
}

/**
 * LIME's local surrogate (LimeBase.explain_instance_with_data): weights the samples by the kernel of
 * their distances, selects features, fits a weighted Ridge with intercept on them and scores it.
 * `data` row 0 is the explained instance in the interpretable representation; `labels` the explained
 * model output of every sample; `sampleWeights` the kernel values.
 */
export function fitSurrogate(data: Matrix, labels: Float64Array, sampleWeights: Float64Array, options: SurrogateOptions): Surrogate {
  if (labels.length !== data.rows || sampleWeights.length !== data.rows) {
    throw new UsageError(`LIME needs one label and one weight per sample: ${data.rows} samples, ${labels.length} labels, ${sampleWeights.length} weights`, 'pass arrays of the same length as the sample rows');
  }
  if (data.rows < 1) throw new UsageError('LIME needs at least one sample (the instance itself)', 'pass numSamples >= 2');
  if (!Number.isInteger(options.numFeatures) || options.numFeatures < 1) {
    throw new UsageError(`numFeatures must be a positive integer, got ${options.numFeatures}`, 'pass e.g. numFeatures: 10');
  }
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isFinite(labels[i])) throw new UsageError(`the model gave a non-finite output (${labels[i]}) for LIME sample ${i}`, 'check the model on perturbed inputs');
  }
  const selection = checkFeatureSelection(options.featureSelection ?? 'auto');
  const gram = weightedGram(data, labels, sampleWeights);
  const used = selectFeatures(selection, { data, labels, weights: sampleWeights, gram, numFeatures: options.numFeatures });
  const fit = ridgeFromGram(gram, used, options.alpha ?? 1);

  const weights = new Float64Array(data.cols);
  used.forEach((f, k) => { weights[f] = fit.coef[k]; });
  const ranked = used.map((f, k) => ({ f, w: Math.abs(fit.coef[k]) })).sort((a, b) => b.w - a.w).map((e) => e.f);

  // The reported score straight from the residuals (the Gram shortcut loses digits when R^2 is near 1).
  const { rows: n, cols: p } = data;
  let sse = 0;
  for (let i = 0; i < n; i++) {
    let pred = fit.intercept;
    for (let k = 0; k < used.length; k++) pred += fit.coef[k] * data.data[i * p + used[k]];
    const r = labels[i] - pred;
    sse += sampleWeights[i] * r * r;
  }
  let localPrediction = fit.intercept;
  for (let k = 0; k < used.length; k++) localPrediction += fit.coef[k] * data.data[used[k]];
  return { weights, ranked, intercept: fit.intercept, score: r2FromSums(sse, gram.yy), localPrediction };
}
