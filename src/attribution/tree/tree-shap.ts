import { UsageError } from '../../errors.js';
import { prepareRow, marginsOf } from '../../models/tabular/trees/ensemble.js';
import type { TreeEnsembleModel } from '../../models/tabular/trees/model.js';
import type { Matrix } from '../../tabular/matrix.js';
import type { JsonValue } from '../result.js';
import { explainTreeShapParallel, TREE_SHAP_PARALLEL_ROWS } from '../../parallel/parallel-tree-shap.js';
import { resolveWorkers } from '../../parallel/run-chunks.js';
import { TabularExplanation } from '../tabular-explanation.js';
import { interactionValues } from './interactions.js';
import { InterventionalTreeShap } from './interventional.js';
import { PathDependentTreeShap } from './path-dependent.js';
import { ensurePatternTables, prepareEnsemble } from './prepared.js';

export type FeaturePerturbation = 'tree-path-dependent' | 'interventional';

export interface TreeShapOptions {
  /** The explained output (class) index; may be omitted for single-output models. */
  target?: number;
  /**
   * 'tree-path-dependent' (the default when no background is given): features left out follow the
   * training cover of each branch, as XGBoost's pred_contribs. 'interventional' (the default with a
   * background): features left out take background values, averaged over the background rows.
   */
  featurePerturbation?: FeaturePerturbation;
  /** Rows to average over for 'interventional'; shap advises 100 to 1000. */
  background?: Matrix;
  /** Also SHAP interaction values per row (path-dependent only), in extras[i].interactions. */
  interactions?: boolean;
  /** Overrides the model's feature names. */
  featureNames?: string[];
  /**
   * Threads for explain(), the calling one included: 1 runs here only; default 2 (when the machine has
   * them) from TREE_SHAP_PARALLEL_ROWS rows. The numbers are the same for any count. explainSync ignores it.
   */
  workers?: number;
}

/**
 * Exact SHAP values for XGBoost and LightGBM ensembles, in margin space (log-odds for binary
 * classifiers), as shap's TreeExplainer with model_output="raw". baseValues are the expected margin:
 * the cover-weighted tree means plus the base score (path-dependent), or the mean margin over the
 * background (interventional). Attributions sum to prediction - baseValue for every row.
 */
export class TreeShap {
  readonly model: TreeEnsembleModel;

  constructor(model: TreeEnsembleModel) {
    if (!model || !model.ensemble || !Array.isArray(model.ensemble.trees)) {
      throw new UsageError('TreeShap needs a tree ensemble model', 'load one with loadXGBoostModel or loadLightGBMModel');
    }
    this.model = model;
  }

  async explain(rows: Matrix, options: TreeShapOptions & { onProgress?: (done: number, total: number) => void } = {}): Promise<TabularExplanation> {
    if (resolveWorkers(options.workers, rows.rows, TREE_SHAP_PARALLEL_ROWS) > 1) return explainTreeShapParallel(this, rows, options);
    const explanation = this.explainSync(rows, options);
    options.onProgress?.(rows.rows, rows.rows);
    return explanation;
  }

  explainSync(rows: Matrix, options: TreeShapOptions = {}): TabularExplanation {
    const start = performance.now();
    const e = this.model.ensemble;
    const F = e.numFeatures;
    const target = this.checkTarget(options.target);
    if (rows.cols !== F) {
      throw new UsageError(`the rows have ${rows.cols} features, the model ${F}`, 'pass rows in the model\'s feature order and width');
    }
    const perturbation = options.featurePerturbation ?? (options.background ? 'interventional' : 'tree-path-dependent');
    if (perturbation !== 'tree-path-dependent' && perturbation !== 'interventional') {
      throw new UsageError(`unknown featurePerturbation "${String(perturbation)}"`, "use 'tree-path-dependent' or 'interventional'");
    }
    const background = options.background;
    if (perturbation === 'interventional') {
      if (!background || background.rows === 0) {
        throw new UsageError('interventional TreeSHAP needs background rows', 'pass background: a matrix of typical rows (100 to 1000), or use featurePerturbation: \'tree-path-dependent\'');
      }
      if (background.cols !== F) throw new UsageError(`the background has ${background.cols} features, the model ${F}`, 'pass background rows of the model\'s width');
      if (options.interactions) {
        throw new UsageError('SHAP interaction values are computed only for tree-path-dependent TreeSHAP (as in shap)', "drop interactions or use featurePerturbation: 'tree-path-dependent'");
      }
    }
    const featureNames = options.featureNames ?? e.featureNames ?? Array.from({ length: F }, (_, j) => `f${j}`);
    if (featureNames.length !== F) {
      throw new UsageError(`${featureNames.length} feature names for ${F} features`, 'give one name per model feature');
    }

    const prepared = prepareEnsemble(e);
    const trees = prepared.byGroup[target];
    const x = new Float64Array(F);
    const margins = new Float64Array(e.numGroups);
    const attributions: number[][] = [];
    const values: number[][] = [];
    const predictions: number[] = [];
    const baseValues: number[] = [];
    const extras: Record<string, JsonValue>[] = [];

    if (perturbation === 'tree-path-dependent') {
      let expected = e.baseMargin[target];
      for (const t of trees) expected += t.means[0];
      const shap = new PathDependentTreeShap(prepared.maxDepth);
      ensurePatternTables(prepared, rows.rows);
      const phi = new Float64Array(F);
      for (let i = 0; i < rows.rows; i++) {
        const raw = rows.data.subarray(i * F, (i + 1) * F);
        prepareRow(e, raw, x);
        phi.fill(0);
        for (const t of trees) {
          if (t.patterns) t.patterns.run(x, phi);
          else shap.run(t.tree, x, phi);
        }
        attributions.push(Array.from(phi));
        values.push(Array.from(raw));
        predictions.push(marginsOf(e, x, margins)[target]);
        baseValues.push(expected);
        if (options.interactions) {
          const m = interactionValues(trees, x, phi, F, shap);
          extras.push({ interactions: Array.from({ length: F }, (_, r) => Array.from(m.subarray(r * F, (r + 1) * F))) });
        }
      }
    } else {
      const bg = background!;
      const shap = new InterventionalTreeShap(F, prepared.maxDepth);
      const bgRows = Array.from({ length: bg.rows }, (_, b) => prepareRow(e, bg.data.subarray(b * F, (b + 1) * F), new Float64Array(F)));
      let expected = 0;
      for (const r of bgRows) expected += marginsOf(e, r, margins)[target];
      expected /= bg.rows;
      // Tree by tree, so each row's and each background row's directions are computed once per tree.
      const phiAll = new Float64Array(rows.rows * F);
      const xs = Array.from({ length: rows.rows }, (_, i) => prepareRow(e, rows.data.subarray(i * F, (i + 1) * F), new Float64Array(F)));
      const scale = 1 / bg.rows;
      for (const t of trees) {
        const n = t.tree.feature.length;
        const bgLeft = new Uint8Array(bg.rows * n);
        bgRows.forEach((r, b) => InterventionalTreeShap.directions(t.tree, r, bgLeft.subarray(b * n, (b + 1) * n)));
        const xLeft = new Uint8Array(n);
        for (let i = 0; i < rows.rows; i++) {
          InterventionalTreeShap.directions(t.tree, xs[i], xLeft);
          const phi = phiAll.subarray(i * F, (i + 1) * F);
          for (let b = 0; b < bg.rows; b++) shap.runDirections(t.tree, xLeft, bgLeft.subarray(b * n, (b + 1) * n), phi, scale);
        }
      }
      for (let i = 0; i < rows.rows; i++) {
        attributions.push(Array.from(phiAll.subarray(i * F, (i + 1) * F)));
        values.push(Array.from(rows.data.subarray(i * F, (i + 1) * F)));
        predictions.push(marginsOf(e, xs[i], margins)[target]);
        baseValues.push(expected);
      }
    }

    const params: Record<string, JsonValue> = { featurePerturbation: perturbation, interactions: Boolean(options.interactions) };
    if (background && perturbation === 'interventional') params.backgroundRows = background.rows;
    return new TabularExplanation({
      method: 'tree-shap', params, model: this.model.info.name, target, output: 'margin', featureNames,
      values, attributions, baseValues, predictions, ...(options.interactions ? { extras } : {}),
      timeMs: performance.now() - start,
    });
  }

  private checkTarget(target: number | undefined): number {
    const groups = this.model.ensemble.numGroups;
    if (target === undefined) {
      if (groups === 1) return 0;
      throw new UsageError(`the model has ${groups} outputs (classes); TreeSHAP explains one at a time`, `pass target: 0 to ${groups - 1}`);
    }
    if (!Number.isInteger(target) || target < 0 || target >= groups) {
      throw new UsageError(`target ${target} is out of range: the model has ${groups} output${groups === 1 ? '' : 's'}`, `pass target: 0 to ${groups - 1}`);
    }
    return target;
  }
}
