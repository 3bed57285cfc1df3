import { UsageError } from '../errors.js';
import type { TabularModel } from '../models/tabular/model.js';
import { TreeEnsembleModel } from '../models/tabular/trees/model.js';
import { explainTabularParallel } from '../parallel/parallel-tabular.js';
import { sliceRows, type Matrix } from '../tabular/matrix.js';
import { ExactShapley } from './coalition/exact-shapley.js';
import { KernelShap } from './coalition/kernel-shap.js';
import type { L1Reg } from './coalition/kernel-shap.js';
import { PermutationShap } from './coalition/permutation-shap.js';
import type { FeatureSelection } from './lime/feature-selection.js';
import type { DiscretizerKind } from './lime/discretizer.js';
import { LimeTabular } from './lime/lime-tabular.js';
import type { JsonValue } from './result.js';
import { TabularExplanation } from './tabular-explanation.js';
import { TreeShap } from './tree/tree-shap.js';

export const TABULAR_METHOD_NAMES = ['kernel-shap', 'exact-shapley', 'permutation-shap', 'lime', 'tree-shap'] as const;
export type TabularMethodName = (typeof TABULAR_METHOD_NAMES)[number];

export const TABULAR_METHOD_SUMMARIES: Record<TabularMethodName, string> = {
  'kernel-shap': 'shap\'s KernelExplainer: Shapley values by weighted regression over coalitions, against background rows',
  'exact-shapley': 'exact Shapley values over every coalition of features (or groups), up to 20',
  'permutation-shap': 'Shapley values from antithetic permutations (shap\'s PermutationExplainer), with standard errors',
  'lime': 'lime\'s LimeTabularExplainer: a weighted ridge surrogate over discretised samples around the row',
  'tree-shap': 'exact TreeSHAP for XGBoost and LightGBM ensembles, in margin space (path-dependent, or interventional with a background)',
};

/** A named set of features explained as one player (one-hot columns of one categorical column). */
export interface FeatureGroupSpec {
  name: string;
  features: number[];
}

/** Everything the tabular methods may take; each uses the part that applies to it. */
export interface TabularMethodOptions {
  target?: number;
  featureNames?: string[];
  /** Background rows (SHAP methods; TreeSHAP switches to interventional when given) and LIME's training data. */
  background?: Matrix;
  backgroundWeights?: ArrayLike<number>;
  /** Explain groups of features as single players (kernel, exact and permutation Shapley). */
  groups?: FeatureGroupSpec[];
  /** Budget: kernel-shap nsamples, permutation-shap maxEvals, lime numSamples. */
  samples?: number;
  seed?: number;
  l1Reg?: L1Reg;
  /** LIME: the training rows it samples and discretises with (default: the background). */
  training?: Matrix;
  trainingLabels?: ArrayLike<number>;
  categorical?: number[];
  categoryNames?: Record<number, string[]>;
  discretizer?: DiscretizerKind | 'none';
  numFeatures?: number;
  featureSelection?: FeatureSelection;
  kernelWidth?: number;
  /** TreeSHAP interaction values. */
  interactions?: boolean;
  onProgress?: (done: number, total: number) => void;
  /**
   * Threads, the calling one included (1: this thread only). Default: 2 when the machine has them and
   * there are enough rows to pay for a worker. Used by tree-shap, and by kernel-shap, permutation-shap and
   * exact-shapley for models a worker can rebuild (tree ensembles, ONNX); results do not depend on it.
   */
  workers?: number;
  /** Index of the first row among all the rows of a run: seeds each row's stream (see rowSeed). */
  rowOffset?: number;
}

export function isTabularMethod(name: string): name is TabularMethodName {
  return (TABULAR_METHOD_NAMES as readonly string[]).includes(name);
}

/**
 * Runs one tabular method by name: the one entry point the CLI and reports use, so a method is one
 * file plus one case here. Rows are explained in one call; the methods batch their model calls.
 */
export async function explainTabular(model: TabularModel, rows: Matrix, method: TabularMethodName, options: TabularMethodOptions = {}): Promise<TabularExplanation> {
  if (!isTabularMethod(method)) {
    throw new UsageError(`unknown tabular method "${String(method)}"`, `choose one of: ${TABULAR_METHOD_NAMES.join(', ')}`);
  }
  const parallel = await explainTabularParallel(model, rows, method, options, (slice, sliceOptions) => explainTabular(model, slice, method, sliceOptions));
  if (parallel) return parallel;
  const groups = options.groups?.map((g) => g.features);
  const groupNames = options.groups?.map((g) => g.name);
  const needBackground = (): Matrix => {
    if (!options.background) throw new UsageError(`${method} needs background rows`, 'pass background rows (on the CLI: --background file.csv, or the --data rows are used)');
    return options.background;
  };
  const shapleyOptions = () => ({
    background: needBackground(),
    ...(options.backgroundWeights ? { backgroundWeights: options.backgroundWeights } : {}),
    ...(options.target !== undefined ? { target: options.target } : {}),
    ...(groups ? { groups, groupNames } : {}),
    ...(options.featureNames ? { featureNames: options.featureNames } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.rowOffset !== undefined ? { rowOffset: options.rowOffset } : {}),
  });
  switch (method) {
    case 'kernel-shap':
      return new KernelShap(model).explain(rows, { ...shapleyOptions(), nsamples: options.samples ?? 'auto', l1Reg: options.l1Reg ?? 'none' });
    case 'exact-shapley':
      return new ExactShapley(model).explain(rows, shapleyOptions());
    case 'permutation-shap':
      return new PermutationShap(model).explain(rows, { ...shapleyOptions(), maxEvals: options.samples ?? 'auto' });
    case 'lime': {
      const training = options.training ?? needBackground();
      const lime = new LimeTabular(model, training, {
        ...(options.featureNames ? { featureNames: options.featureNames } : {}),
        ...(options.categorical ? { categorical: options.categorical } : {}),
        ...(options.categoryNames ? { categoryNames: options.categoryNames } : {}),
        ...(options.discretizer ? { discretizer: options.discretizer } : {}),
        ...(options.trainingLabels ? { trainingLabels: options.trainingLabels } : {}),
        ...(options.kernelWidth !== undefined ? { kernelWidth: options.kernelWidth } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
      });
      return lime.explain(rows, {
        ...(options.target !== undefined ? { target: options.target } : {}),
        ...(options.samples !== undefined ? { numSamples: options.samples } : {}),
        ...(options.numFeatures !== undefined ? { numFeatures: options.numFeatures } : {}),
        ...(options.featureSelection ? { featureSelection: options.featureSelection } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
    }
    case 'tree-shap': {
      if (!(model instanceof TreeEnsembleModel)) {
        throw new UsageError(`tree-shap needs a tree ensemble (XGBoost JSON or LightGBM text), and ${model.info.name} is a ${model.info.kind} model`,
          'use kernel-shap, permutation-shap or exact-shapley for other models');
      }
      return new TreeShap(model).explain(rows, {
        ...(options.target !== undefined ? { target: options.target } : {}),
        ...(options.background ? { background: options.background } : {}),
        ...(options.interactions ? { interactions: true } : {}),
        ...(options.featureNames ? { featureNames: options.featureNames } : {}),
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
    }
  }
}

/**
 * The explanation with display strings (raw categories) and, for features explained as groups, a value
 * per group: the position of the active indicator within a one-hot group (its category code), so plots
 * can place and colour categorical columns. `rows` are the explained rows as the model saw them.
 */
export function withDisplay(e: TabularExplanation, display: string[][] | undefined, groups?: FeatureGroupSpec[], rows?: Matrix): TabularExplanation {
  let values = e.values;
  if (groups && rows) {
    values = e.values.map((row, i) => row.map((v, g) => {
      if (!Number.isNaN(v) || !groups[g] || groups[g].features.length < 2) return v;
      const active = groups[g].features.findIndex((j) => rows.data[i * rows.cols + j] === 1);
      return active >= 0 ? active : NaN;
    }));
  }
  let displayValues = e.displayValues;
  if (display) {
    const shown = display.map((row) => (groups ? groups.map((g) => row[g.features[0]]) : row));
    if (shown.length === e.rowCount && shown.every((r) => r.length === e.featureNames.length)) displayValues = shown;
  }
  if (values === e.values && displayValues === e.displayValues) return e;
  return new TabularExplanation({ ...e, values, ...(displayValues ? { displayValues } : {}), params: e.params as Record<string, JsonValue> });
}

/** Rows [start, end) of a matrix, checked, for "--row N". */
export function pickRows(x: Matrix, start: number, count = 1): Matrix {
  if (!Number.isInteger(start) || start < 0 || start + count > x.rows) {
    throw new UsageError(`row ${start} is out of range: the data has ${x.rows} rows (numbered from 0, the header is not a row)`, `pass --row from 0 to ${x.rows - 1}`);
  }
  return sliceRows(x, start, start + count);
}
