/**
 * Partial dependence and ICE with sklearn's semantics (sklearn.inspection.partial_dependence, method
 * 'brute'): the feature is set to each grid value in every row, the model predicts, and the average
 * over rows is the partial dependence; each row's own curve is its ICE curve.
 *
 * The grid is sklearn's: the feature's sorted unique values when it is categorical or has fewer than
 * gridResolution of them, else gridResolution equally spaced points between two percentiles (5% and
 * 95% by default) taken as scipy's mquantiles takes them (alphap = betap = 0.4), the rule sklearn uses.
 * Missing values (NaN) are left out of the grid. A categorical column encoded one-hot is handled as one
 * feature whose grid is its categories: at grid point k its k-th indicator is 1 and the others 0.
 */
import { UsageError } from '../errors.js';
import type { TabularModel } from '../models/tabular/model.js';
import { matrix, type Matrix } from '../tabular/matrix.js';
import { checkSeed, Random } from '../util/random.js';
import { checkTarget, defaultTarget } from './outputs.js';
import type { PartialDependence } from './types.js';

/** A categorical column encoded one-hot: its indicator features, in category order. */
export interface OneHotFeature {
  name: string;
  features: number[];
  /** Category names (default: the feature names after "column="). */
  labels?: string[];
}

export interface PartialDependenceOptions {
  /** The output explained. Default: the only output, or the second of two (a binary classifier's positive class). */
  target?: number;
  /** Grid points for a numeric feature. Default 100 (sklearn's). */
  gridResolution?: number;
  /** The grid's ends as quantiles of the feature. Default [0.05, 0.95]. */
  percentiles?: [number, number];
  /** Use every unique value as the grid (a label-encoded categorical feature). */
  categorical?: boolean;
  /** Names of a label-encoded feature's codes: grid value k is shown as categoryLabels[k]. */
  categoryLabels?: string[];
  /** ICE curves are kept for up to this many rows (a seeded sample when there are more). Default 100; 0 keeps none. */
  iceRows?: number;
  seed?: number;
  featureNames?: string[];
  /** Most rows sent to the model at once. Default 50,000. */
  maxBatchRows?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function partialDependence(
  model: TabularModel,
  x: Matrix,
  feature: number | string | OneHotFeature,
  options: PartialDependenceOptions = {},
): Promise<PartialDependence> {
  const info = model.info;
  if (x.cols !== info.numFeatures) throw new UsageError(`the data has ${x.cols} features, model ${info.name} takes ${info.numFeatures}`, 'pass rows encoded for the model');
  if (x.rows < 1) throw new UsageError('partial dependence needs at least one row', 'pass the data the model is used on');
  const target = checkTarget(info, options.target ?? defaultTarget(info));
  const names = options.featureNames ?? info.featureNames ?? Array.from({ length: x.cols }, (_, j) => `x${j}`);
  const iceRows = options.iceRows ?? 100;
  if (!Number.isInteger(iceRows) || iceRows < 0) throw new UsageError(`iceRows must be a non-negative integer, got ${iceRows}`, 'pass e.g. iceRows: 100');

  // What a grid point does to a row, and the grid itself.
  let name: string;
  let featureIndex: number;
  let grid: number[];
  let gridLabels: string[] | undefined;
  let set: (row: Float64Array, k: number) => void;
  let valueOf: (i: number) => number;
  if (typeof feature === 'object') {
    const group = feature;
    if (group.features.length < 2 || group.features.some((j) => !Number.isInteger(j) || j < 0 || j >= x.cols)) {
      throw new UsageError(`one-hot feature "${group.name}" needs at least 2 feature indices from 0 to ${x.cols - 1}`, 'list the indicator features of the column');
    }
    name = group.name;
    featureIndex = group.features[0];
    grid = group.features.map((_, k) => k);
    gridLabels = group.labels ?? group.features.map((j) => names[j].startsWith(`${group.name}=`) ? names[j].slice(group.name.length + 1) : names[j]);
    if (gridLabels.length !== grid.length) throw new UsageError(`${gridLabels.length} labels for ${grid.length} categories of "${name}"`, 'give one label per indicator feature');
    set = (row, k) => group.features.forEach((j, c) => { row[j] = c === k ? 1 : 0; });
    valueOf = (i) => {
      const k = group.features.findIndex((j) => x.data[i * x.cols + j] === 1);
      return k < 0 ? NaN : k;
    };
  } else {
    featureIndex = typeof feature === 'number' ? feature : names.indexOf(feature);
    if (!Number.isInteger(featureIndex) || featureIndex < 0 || featureIndex >= x.cols) {
      throw new UsageError(`unknown feature ${JSON.stringify(feature)}`, `pass a feature index from 0 to ${x.cols - 1} or a name: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''}`);
    }
    name = names[featureIndex];
    const j = featureIndex;
    grid = gridOf(x, j, options);
    if (options.categoryLabels) {
      const labels = options.categoryLabels;
      gridLabels = grid.map((v) => {
        if (!Number.isInteger(v) || v < 0 || v >= labels.length) {
          throw new UsageError(`feature "${name}" holds ${v}, which is not a code of its ${labels.length} categoryLabels`, 'give one label per category code (0, 1, ...)');
        }
        return labels[v];
      });
    }
    set = (row, k) => { row[j] = grid[k]; };
    valueOf = (i) => x.data[i * x.cols + j];
  }

  const n = x.rows;
  const d = x.cols;
  const iceIndices = sampleRows(n, iceRows, options.seed ?? 0);
  const average = new Array<number>(grid.length).fill(0);
  const ice = iceIndices.map(() => new Array<number>(grid.length).fill(0));
  const perCall = Math.max(1, Math.floor((options.maxBatchRows ?? 50_000) / n));
  for (let k0 = 0; k0 < grid.length; k0 += perCall) {
    const count = Math.min(perCall, grid.length - k0);
    const rows = matrix(count * n, d);
    for (let c = 0; c < count; c++) {
      rows.data.set(x.data, c * n * d);
      for (let i = 0; i < n; i++) set(rows.data.subarray((c * n + i) * d, (c * n + i + 1) * d), k0 + c);
    }
    const out = await model.predict(rows);
    for (let c = 0; c < count; c++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += out.data[(c * n + i) * out.cols + target];
      average[k0 + c] = sum / n;
      iceIndices.forEach((i, r) => { ice[r][k0 + c] = out.data[(c * n + i) * out.cols + target]; });
    }
    options.onProgress?.(k0 + count, grid.length);
  }

  const result: PartialDependence = { feature: name, featureIndex, grid, average, target };
  if (gridLabels) result.gridLabels = gridLabels;
  if (iceIndices.length > 0) {
    result.ice = ice;
    result.rowValues = iceIndices.map(valueOf);
  }
  return result;
}

/**
 * What partialDependence takes for a source column of a table: the feature index of a numeric or
 * label-encoded column, or the one-hot group of a one-hot column (featureColumns as TabularData has them).
 */
export function featureForColumn(featureNames: readonly string[], featureColumns: readonly string[], column: string): number | OneHotFeature {
  const features = featureColumns.flatMap((c, j) => (c === column ? [j] : []));
  if (features.length === 0) {
    throw new UsageError(`no feature comes from column "${column}"`, `choose one of: ${[...new Set(featureColumns)].join(', ')}`);
  }
  if (features.length === 1 && featureNames[features[0]] === column) return features[0];
  return { name: column, features, labels: features.map((j) => featureNames[j].slice(column.length + 1)) };
}

/** sklearn's grid for one feature column. */
export function gridOf(x: Matrix, j: number, options: Pick<PartialDependenceOptions, 'gridResolution' | 'percentiles' | 'categorical'> = {}): number[] {
  const resolution = options.gridResolution ?? 100;
  if (!Number.isInteger(resolution) || resolution < 2) throw new UsageError(`gridResolution must be an integer above 1, got ${resolution}`, 'pass e.g. gridResolution: 100');
  const [low, high] = options.percentiles ?? [0.05, 0.95];
  if (!(low >= 0 && high <= 1 && low < high)) {
    throw new UsageError(`percentiles must be two numbers 0 <= low < high <= 1, got [${low}, ${high}]`, 'pass e.g. percentiles: [0.05, 0.95]');
  }
  const values: number[] = [];
  for (let i = 0; i < x.rows; i++) {
    const v = x.data[i * x.cols + j];
    if (!Number.isNaN(v)) values.push(v);
  }
  if (values.length === 0) throw new UsageError(`feature ${j} has no values (all missing)`, 'choose a feature with values');
  values.sort((a, b) => a - b);
  const unique = values.filter((v, i) => i === 0 || v !== values[i - 1]);
  if (options.categorical || unique.length < resolution) return unique;
  const lo = mquantile(values, low);
  const hi = mquantile(values, high);
  if (Math.abs(lo - hi) <= 1e-8 + 1e-5 * Math.abs(hi)) {
    throw new UsageError(`the ${low} and ${high} quantiles of feature ${j} are equal (${lo}), so there is no range to draw`,
      'choose percentiles further apart, or treat the feature as categorical');
  }
  // numpy.linspace: start + i * step, with the last point exactly the stop.
  const step = (hi - lo) / (resolution - 1);
  const grid = Array.from({ length: resolution }, (_, i) => lo + i * step);
  grid[resolution - 1] = hi;
  return grid;
}

/** scipy.stats.mstats.mquantiles of sorted values at probability p, with alphap = betap = 0.4. */
export function mquantile(sorted: readonly number[], p: number, alphap = 0.4, betap = 0.4): number {
  const n = sorted.length;
  if (n === 1) return sorted[0];
  const m = alphap + p * (1 - alphap - betap);
  const aleph = n * p + m;
  const k = Math.floor(Math.min(Math.max(aleph, 1), n - 1));
  const gamma = Math.min(Math.max(aleph - k, 0), 1);
  return (1 - gamma) * sorted[k - 1] + gamma * sorted[k];
}

/** Up to `count` row indices, in order: all rows when there are few enough, else a seeded sample. */
function sampleRows(n: number, count: number, seed: number): number[] {
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  const random = new Random(checkSeed(seed));
  const all = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + random.int(n - i);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, count).sort((a, b) => a - b);
}
