/**
 * Permutation feature importance with sklearn's semantics (sklearn.inspection.permutation_importance):
 * the model's score on the data, minus its score when one feature's column is shuffled across the rows,
 * repeated n times with different shuffles; mean and (population) standard deviation per feature.
 * The model is never refitted; only its predictions on shuffled data are scored.
 *
 * Differences from sklearn: the shuffles come from Glassbox's seeded Random (the same seed gives the
 * same numbers here, not sklearn's); each repeat shuffles the original column afresh (sklearn reshuffles
 * the shuffled one; both are uniform random permutations). Groups of features (a categorical column's
 * one-hot features) can be shuffled together, which is what "the importance of that column" means.
 */
import { UsageError } from '../errors.js';
import type { TabularModel } from '../models/tabular/model.js';
import { matrix, type Matrix } from '../tabular/matrix.js';
import { checkSeed, Random } from '../util/random.js';
import { accuracy, negLogLoss, negMse, r2, SCORE_METRICS, type ScoreMetric } from './metrics.js';
import { checkTarget, classProbabilities, outputColumn, predictedClasses } from './outputs.js';
import type { PermutationImportance } from './types.js';

export interface FeatureGroup {
  name: string;
  /** Feature indices shuffled together (with the same row permutation). */
  features: number[];
}

export interface PermutationImportanceOptions {
  /** Default: 'accuracy' for classifiers (probability or margin outputs), 'r2' for values (sklearn's estimator.score). */
  metric?: ScoreMetric;
  /** Shuffles per feature. Default 5 (sklearn's). */
  repeats?: number;
  seed?: number;
  /** Which output is scored with 'r2' and 'neg-mse' (default 0). Classification metrics use all outputs. */
  target?: number;
  /** Default: the model's feature names, else "x0", "x1", ... */
  featureNames?: string[];
  /** Shuffle these groups instead of single features (results are per group). */
  groups?: FeatureGroup[];
  /** Most rows sent to the model at once. Default 50,000. */
  maxBatchRows?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function permutationImportance(
  model: TabularModel,
  x: Matrix,
  y: ArrayLike<number>,
  options: PermutationImportanceOptions = {},
): Promise<PermutationImportance> {
  const info = model.info;
  if (x.cols !== info.numFeatures) throw new UsageError(`the data has ${x.cols} features, model ${info.name} takes ${info.numFeatures}`, 'pass rows encoded for the model');
  if (y.length !== x.rows) throw new UsageError(`${y.length} labels for ${x.rows} rows`, 'give one label per row');
  if (x.rows < 2) throw new UsageError('permutation importance needs at least 2 rows', 'pass more rows');
  const metric = options.metric ?? (info.output === 'value' ? 'r2' : 'accuracy');
  if (!SCORE_METRICS.includes(metric)) throw new UsageError(`unknown metric "${String(metric)}"`, `choose one of: ${SCORE_METRICS.join(', ')}`);
  const repeats = options.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1) throw new UsageError(`repeats must be a positive integer, got ${repeats}`, 'pass e.g. repeats: 5');
  const target = checkTarget(info, options.target ?? 0);
  const random = new Random(checkSeed(options.seed ?? 0));
  const names = options.featureNames ?? info.featureNames ?? Array.from({ length: x.cols }, (_, j) => `x${j}`);
  if (names.length !== x.cols) throw new UsageError(`${names.length} feature names for ${x.cols} features`, 'give one name per feature');
  const groups = options.groups ?? names.map((name, j) => ({ name, features: [j] }));
  for (const g of groups) {
    if (g.features.length === 0 || g.features.some((j) => !Number.isInteger(j) || j < 0 || j >= x.cols)) {
      throw new UsageError(`group "${g.name}" has feature indices outside 0..${x.cols - 1} (or none)`, 'list valid feature indices for every group');
    }
  }

  const score = (out: Matrix): number => {
    switch (metric) {
      case 'accuracy': return accuracy(y, predictedClasses(info, out));
      case 'neg-log-loss': return negLogLoss(y, classProbabilities(info, out));
      case 'r2': return r2(y, outputColumn(out, target));
      case 'neg-mse': return negMse(y, outputColumn(out, target));
    }
  };
  const baseline = score(await model.predict(x));

  const n = x.rows;
  const d = x.cols;
  const maxBatchRows = options.maxBatchRows ?? 50_000;
  // Several repeats of one group go to the model in one call, as stacked copies of the data.
  const perCall = Math.max(1, Math.min(repeats, Math.floor(maxBatchRows / n)));
  const drops: number[][] = Array.from({ length: repeats }, () => new Array<number>(groups.length).fill(0));
  const order = new Int32Array(n);
  for (let gi = 0; gi < groups.length; gi++) {
    const features = groups[gi].features;
    for (let r0 = 0; r0 < repeats; r0 += perCall) {
      const count = Math.min(perCall, repeats - r0);
      const stacked = matrix(count * n, d);
      for (let c = 0; c < count; c++) {
        stacked.data.set(x.data, c * n * d);
        for (let i = 0; i < n; i++) order[i] = i;
        for (let i = n - 1; i > 0; i--) {
          const j = random.int(i + 1);
          const t = order[i];
          order[i] = order[j];
          order[j] = t;
        }
        for (let i = 0; i < n; i++) {
          for (const f of features) stacked.data[(c * n + i) * d + f] = x.data[order[i] * d + f];
        }
      }
      const out = await model.predict(stacked);
      for (let c = 0; c < count; c++) {
        const part = { rows: n, cols: out.cols, data: out.data.subarray(c * n * out.cols, (c + 1) * n * out.cols) };
        drops[r0 + c][gi] = baseline - score(part);
      }
    }
    options.onProgress?.(gi + 1, groups.length);
  }

  const mean = groups.map((_, gi) => drops.reduce((s, row) => s + row[gi], 0) / repeats);
  const std = groups.map((_, gi) => Math.sqrt(drops.reduce((s, row) => s + (row[gi] - mean[gi]) ** 2, 0) / repeats));
  return { featureNames: groups.map((g) => g.name), mean, std, drops, metric, baseline };
}

/** One group per source column (e.g. TabularData.featureColumns), so one-hot features move together. */
export function groupsByColumn(featureColumns: readonly string[]): FeatureGroup[] {
  const groups = new Map<string, number[]>();
  featureColumns.forEach((c, j) => {
    const g = groups.get(c);
    if (g) g.push(j);
    else groups.set(c, [j]);
  });
  return [...groups].map(([name, features]) => ({ name, features }));
}
