/**
 * The global views of a tabular model over a dataset, computed together: SHAP values of many rows
 * (for the bar, beeswarm and dependence plots), permutation importance, partial dependence of the
 * most important columns, and a surrogate tree. The CLI's `importance` and the tabular report use it.
 */
import type { FeatureGroupSpec, TabularMethodName, TabularMethodOptions } from '../attribution/tabular-methods.js';
import { explainTabular, withDisplay } from '../attribution/tabular-methods.js';
import type { TabularExplanation } from '../attribution/tabular-explanation.js';
import { UsageError } from '../errors.js';
import type { TabularModel } from '../models/tabular/model.js';
import { Random } from '../util/random.js';
import { matrix, type Matrix } from '../tabular/matrix.js';
import { featureForColumn, partialDependence } from './partial-dependence.js';
import { permutationImportance } from './permutation-importance.js';
import { surrogateTree } from './surrogate-tree.js';
import type { PartialDependence, PermutationImportance, SurrogateTree } from './types.js';

export const OVERVIEW_VIEWS = ['shap', 'permutation', 'pdp', 'surrogate'] as const;
export type OverviewView = (typeof OVERVIEW_VIEWS)[number];

export interface OverviewOptions {
  views?: readonly OverviewView[];
  /** The SHAP method for the 'shap' view (kernel-shap, permutation-shap, exact-shapley, tree-shap). */
  method: TabularMethodName;
  /** Options for that method (background, groups, target, samples, seed...). */
  methodOptions: TabularMethodOptions;
  featureNames: string[];
  /** The source column of each feature: one-hot features move, and are plotted, together. */
  featureColumns: string[];
  /** Most rows explained for the SHAP view (a seeded sample when there are more). Default 100. */
  limit?: number;
  /** Raw cell text per data row and feature, for the plots' labels. */
  display?: string[][];
  /** Labels for permutation importance (it scores the model against them); without them that view is skipped. */
  labels?: Float64Array;
  /** Partial dependence for this many of the most important columns. Default 3. */
  pdpColumns?: number;
  surrogateDepth?: number;
  seed?: number;
  /** Called per view with (done, total) of that view's work. */
  onProgress?: (view: OverviewView, done: number, total: number) => void;
}

export interface Overview {
  /** Indices (into the data) of the rows the SHAP view explains. */
  rows: number[];
  shap?: TabularExplanation;
  permutation?: PermutationImportance;
  partialDependence?: PartialDependence[];
  surrogate?: SurrogateTree;
  /** Columns ordered by importance (mean |SHAP|, else permutation importance, else data order). */
  columnOrder: string[];
  /** Views left out, and why. */
  skipped: { view: OverviewView; reason: string }[];
}

/** A seeded sample of up to `limit` row indices, in data order. */
export function sampleRows(total: number, limit: number, seed: number): number[] {
  const all = Array.from({ length: total }, (_, i) => i);
  if (total <= limit) return all;
  const random = new Random(seed);
  for (let i = total - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, limit).sort((a, b) => a - b);
}

function pickRows(x: Matrix, indices: readonly number[]): Matrix {
  const out = matrix(indices.length, x.cols);
  indices.forEach((r, i) => out.data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
  return out;
}

export async function tabularOverview(model: TabularModel, x: Matrix, options: OverviewOptions): Promise<Overview> {
  const views = options.views ?? OVERVIEW_VIEWS;
  for (const v of views) {
    if (!(OVERVIEW_VIEWS as readonly string[]).includes(v)) throw new UsageError(`unknown view "${v}"`, `choose from: ${OVERVIEW_VIEWS.join(', ')}`);
  }
  const seed = options.seed ?? 0;
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`limit must be a whole number of at least 1, got ${limit}`, 'e.g. limit: 100');
  const rows = sampleRows(x.rows, limit, seed);
  const overview: Overview = { rows, columnOrder: [...new Set(options.featureColumns)], skipped: [] };
  const progress = (view: OverviewView) => (done: number, total: number) => options.onProgress?.(view, done, total);
  const target = options.methodOptions.target;

  if (views.includes('shap')) {
    const explained = pickRows(x, rows);
    const shap = await explainTabular(model, explained, options.method, { ...options.methodOptions, onProgress: progress('shap') });
    overview.shap = withDisplay(shap, options.display ? rows.map((r) => options.display![r]) : undefined, options.methodOptions.groups, explained);
    const importance = overview.shap.meanAbs();
    const names = overview.shap.featureNames;
    // Grouped explanations are already per column; per-feature ones are summed per column.
    const byColumn = new Map<string, number>();
    names.forEach((name, j) => {
      const column = options.featureColumns[options.featureNames.indexOf(name)] ?? name;
      byColumn.set(column, (byColumn.get(column) ?? 0) + importance[j]);
    });
    overview.columnOrder = [...byColumn].sort((a, b) => b[1] - a[1]).map(([c]) => c);
  }
  if (views.includes('permutation')) {
    if (!options.labels) {
      overview.skipped.push({ view: 'permutation', reason: 'the data has no target column to score the model against' });
    } else {
      const groups: FeatureGroupSpec[] = [];
      for (const column of new Set(options.featureColumns)) {
        groups.push({ name: column, features: options.featureColumns.flatMap((c, j) => (c === column ? [j] : [])) });
      }
      overview.permutation = await permutationImportance(model, x, options.labels, {
        seed, groups, featureNames: options.featureNames, onProgress: progress('permutation'),
        ...(model.info.output === 'value' && target !== undefined ? { target } : {}),
      });
      if (!overview.shap) {
        const p = overview.permutation;
        overview.columnOrder = p.featureNames.map((n, j) => [n, p.mean[j]] as const).sort((a, b) => b[1] - a[1]).map(([n]) => n);
      }
    }
  }
  if (views.includes('pdp')) {
    const columns = overview.columnOrder.slice(0, options.pdpColumns ?? 3);
    overview.partialDependence = [];
    for (const [i, column] of columns.entries()) {
      const feature = featureForColumn(options.featureNames, options.featureColumns, column);
      overview.partialDependence.push(await partialDependence(model, x, feature, {
        seed, featureNames: options.featureNames, iceRows: 50,
        ...(target !== undefined ? { target } : {}),
        onProgress: (done, total) => options.onProgress?.('pdp', i * total + done, columns.length * total),
      }));
    }
  }
  if (views.includes('surrogate')) {
    overview.surrogate = await surrogateTree(model, x, {
      maxDepth: options.surrogateDepth ?? 3, minSamplesLeaf: Math.max(1, Math.round(x.rows / 100)), featureNames: options.featureNames,
      ...(model.info.output === 'value' && target !== undefined ? { target } : {}),
      onProgress: progress('surrogate'),
    });
  }
  return overview;
}
