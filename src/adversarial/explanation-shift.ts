import { prepareInputs } from '../attribution/base.js';
import { findMethod, METHOD_NAMES } from '../attribution/registry.js';
import type { AttributionResult } from '../attribution/result.js';
import { UsageError } from '../errors.js';
import type { Model } from '../models/model.js';
import { spearmanCorrelation } from '../metrics/similarity/spearman.js';
import { formatShape, type InputLike } from '../tensor.js';
import { DEFAULT_ATTACK_BATCH_SIZE, outputsOf } from './gradient-attack.js';

export interface ExplanationShiftOptions {
  /** An attribution method's registry name. Default 'saliency'. */
  method?: string;
  /** That method's options (steps, layer, ...), as `attribute` takes them. */
  methodOptions?: Record<string, unknown>;
  /**
   * Which class each input's explanation is of: `predicted` (default), the class the model gives that
   * input, so the adversarial heatmap shows why the model now says what it says; `clean`, the clean
   * input's class for both.
   */
  explain?: 'predicted' | 'clean';
  /** Features in the top-k intersection. Default a tenth of the features (78 of a 28 x 28 digit). */
  topK?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number, stage?: string) => void;
}

/** How far a method's explanation moved between clean and adversarial inputs, per row, as plain JSON data. */
export interface ExplanationShift {
  method: string;
  explain: 'predicted' | 'clean';
  topK: number;
  /** The layout of one row's features: [height, width] for images (channels summed), else [features]. */
  featureShape: number[];
  cleanTargets: number[];
  adversarialTargets: number[];
  /** Spearman rank correlation of the two maps: 1 when the ranking of features is unchanged. */
  spearman: number[];
  /** |top-k(|clean|) and top-k(|adversarial|)| / k: 1 when the k most important features are the same. */
  topKIntersection: number[];
  /** || a / ||a|| - b / ||b|| ||_2 in [0, 2]: 0 when the maps agree up to scale. NaN when a map is all zeros. */
  l2Distance: number[];
  /** The means over rows (NaN rows left out). */
  mean: { spearman: number; topKIntersection: number; l2Distance: number };
  /** The two explanations per row and feature. */
  clean: number[][];
  adversarial: number[][];
  timeMs: number;
}

/**
 * Explains the clean and the adversarial inputs with one method and measures how much the explanation
 * moved, with the measures Ghorbani et al. (2019, "Interpretation of Neural Networks is Fragile") use:
 * Spearman's rank correlation and the top-k intersection, and a scale-free L2 distance. Image
 * attributions are compared per pixel, channels summed.
 */
export async function explanationShift(model: Model, clean: InputLike, adversarial: InputLike, options: ExplanationShiftOptions = {}): Promise<ExplanationShift> {
  const start = performance.now();
  const name = options.method ?? 'saliency';
  const entry = findMethod(name);
  if (!entry) throw new UsageError(`unknown method "${name}"`, `choose one of: ${METHOD_NAMES.join(', ')} (glassbox methods)`);
  const explain = options.explain ?? 'predicted';
  if (explain !== 'predicted' && explain !== 'clean') throw new UsageError(`explain must be "predicted" or "clean", got "${String(explain)}"`, 'default: predicted');
  const batchSize = options.batchSize ?? DEFAULT_ATTACK_BATCH_SIZE;
  const [x, xAdv] = [prepareInputs(model, clean), prepareInputs(model, adversarial)];
  const shape = [...x.shape];
  const flat = Float32Array.from(x.dataSync());
  const flatAdv = Float32Array.from(xAdv.dataSync());
  x.dispose();
  xAdv.dispose();
  if (shape[0] !== xAdv.shape[0]) {
    throw new UsageError(`${shape[0]} clean and ${xAdv.shape[0]} adversarial inputs`, 'give one adversarial input per clean input (an attack result\'s adversarial)');
  }
  const cleanTargets = (await outputsOf(model, flat, shape, batchSize)).prediction;
  const adversarialTargets = explain === 'clean' ? cleanTargets : (await outputsOf(model, flatAdv, shape, batchSize)).prediction;
  const method = entry.create(model);
  const run = async (data: Float32Array, targets: number[], stage: string) => method.attribute({ shape, data }, {
    ...options.methodOptions,
    target: targets,
    internalBatchSize: batchSize,
    ...(options.onProgress ? { onProgress: (done: number, total: number) => options.onProgress?.(done, total, stage) } : {}),
  });
  const a = featureMaps(model, await run(flat, cleanTargets, 'clean'));
  const b = featureMaps(model, await run(flatAdv, adversarialTargets, 'adversarial'));
  const features = a.maps[0].length;
  const topK = options.topK ?? Math.max(1, Math.round(features / 10));
  if (!Number.isInteger(topK) || topK < 1 || topK > features) throw new UsageError(`topK must be a whole number from 1 to ${features}, got ${topK}`, `e.g. topK ${Math.max(1, Math.round(features / 10))}`);
  const rho = a.maps.map((m, i) => spearmanCorrelation(m, b.maps[i]));
  const overlap = a.maps.map((m, i) => topKIntersection(m, b.maps[i], topK));
  const distance = a.maps.map((m, i) => normalisedDistance(m, b.maps[i]));
  return {
    method: name,
    explain,
    topK,
    featureShape: a.featureShape,
    cleanTargets,
    adversarialTargets: [...adversarialTargets],
    spearman: rho,
    topKIntersection: overlap,
    l2Distance: distance,
    mean: { spearman: meanOf(rho), topKIntersection: meanOf(overlap), l2Distance: meanOf(distance) },
    clean: a.maps.map((m) => Array.from(m)),
    adversarial: b.maps.map((m) => Array.from(m)),
    timeMs: performance.now() - start,
  };
}

/** Per row, the attributions per feature: summed over channels for images, as they are otherwise. */
function featureMaps(model: Model, result: AttributionResult): { maps: Float64Array[]; featureShape: number[] } {
  const rows = result.shape[0];
  const rowShape = result.shape.slice(1);
  const size = result.attributions.length / rows;
  const layout = model.info.preprocessing?.layout;
  const image = model.info.preprocessing !== undefined && rowShape.length === 3;
  if (!image) {
    return { maps: Array.from({ length: rows }, (_, r) => Float64Array.from(result.attributions.subarray(r * size, (r + 1) * size))), featureShape: rowShape.length === 2 ? rowShape : [size] };
  }
  const channelsFirst = layout === 'NCHW';
  const [h, w, c] = channelsFirst ? [rowShape[1], rowShape[2], rowShape[0]] : rowShape;
  if (h * w * c !== size) throw new UsageError(`attributions of shape ${formatShape(result.shape)} are not images`, 'use a method whose attributions have the input\'s shape');
  const maps = Array.from({ length: rows }, (_, r) => {
    const values = result.attributions.subarray(r * size, (r + 1) * size);
    const out = new Float64Array(h * w);
    for (let p = 0; p < h * w; p++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += values[channelsFirst ? k * h * w + p : p * c + k];
      out[p] = s;
    }
    return out;
  });
  return { maps, featureShape: [h, w] };
}

/** The fraction of the k largest |values| of `a` that are among the k largest of `b` (ties broken by index). */
export function topKIntersection(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  const top = (v: ArrayLike<number>) => new Set(Array.from({ length: v.length }, (_, i) => i)
    .sort((i, j) => Math.abs(v[j]) - Math.abs(v[i]) || i - j).slice(0, k));
  const ta = top(a);
  let common = 0;
  for (const i of top(b)) if (ta.has(i)) common++;
  return common / k;
}

/** The L2 distance of the two maps scaled to unit length; NaN when either is all zeros. */
export function normalisedDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) { na += a[i] * a[i]; nb += b[i] * b[i]; }
  if (na === 0 || nb === 0) return NaN;
  na = Math.sqrt(na);
  nb = Math.sqrt(nb);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] / na - b[i] / nb) ** 2;
  return Math.sqrt(sum);
}

function meanOf(values: number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((s, v) => s + v, 0) / finite.length : NaN;
}
