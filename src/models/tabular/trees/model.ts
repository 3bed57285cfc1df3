import { basename, dirname, extname, resolve } from 'node:path';
import { UsageError } from '../../../errors.js';
import { matrix, type Matrix } from '../../../tabular/matrix.js';
import type { WorkerModelSpec } from '../../../parallel/model-spec.js';
import type { TabularModel, TabularModelInfo, TabularOutput } from '../model.js';
import { applyLink, marginsOf, prepareRow, type TreeEnsemble } from './ensemble.js';

export type TreeOutput = 'margin' | 'probability';

export interface TreeModelOptions {
  /**
   * 'probability' (the default for classifiers, what XGBoost's predict and LightGBM's predict return):
   * after the link; 'margin': raw scores (log-odds, per-class scores). Regression models give values either way.
   */
  output?: TreeOutput;
  /** Shown in explanations; defaults to the file name (the folder's name for model.json / model.txt). */
  name?: string;
  /** Names of the outputs (classes), one per output: for a binary model, the name of the class it scores. */
  outputNames?: string[];
}

/** A loaded XGBoost or LightGBM model: a TabularModel that also exposes its trees for TreeSHAP. */
export class TreeEnsembleModel implements TabularModel {
  readonly info: TabularModelInfo;
  readonly ensemble: TreeEnsemble;
  /** Whether predict applies the link (probabilities, Poisson means) or returns margins. */
  readonly applyLink: boolean;

  constructor(ensemble: TreeEnsemble, options: TreeModelOptions = {}) {
    if (options.output !== undefined && options.output !== 'margin' && options.output !== 'probability') {
      throw new UsageError(`unknown tree model output "${String(options.output)}"`, "use output: 'margin' or 'probability'");
    }
    this.ensemble = ensemble;
    this.applyLink = (options.output ?? 'probability') === 'probability' && ensemble.link !== 'identity';
    if (options.outputNames && options.outputNames.length !== ensemble.numGroups) {
      throw new UsageError(`${options.outputNames.length} output names for ${ensemble.numGroups} model output${ensemble.numGroups === 1 ? '' : 's'}`,
        ensemble.numGroups === 1 ? 'a binary model has one output (the score of class 1): give its one name' : 'give one name per class');
    }
    const output: TabularOutput = ensemble.link === 'identity' ? 'value'
      : this.applyLink ? (ensemble.link === 'exp' ? 'value' : 'probability') : 'margin';
    this.info = {
      name: options.name ?? `${ensemble.source} model`,
      kind: ensemble.source,
      numFeatures: ensemble.numFeatures,
      numOutputs: ensemble.numGroups,
      ...(ensemble.featureNames ? { featureNames: ensemble.featureNames } : {}),
      ...(options.outputNames ? { outputNames: options.outputNames } : {}),
      output,
      acceptsMissing: true,
    };
  }

  async predict(rows: Matrix): Promise<Matrix> {
    return this.predictSync(rows);
  }

  /** What a worker thread needs to rebuild this model (the ensemble's typed arrays are structured-cloned). */
  workerSpec(): WorkerModelSpec {
    return {
      kind: 'tree-ensemble',
      ensemble: this.ensemble,
      options: { output: this.applyLink ? 'probability' : 'margin', name: this.info.name, ...(this.info.outputNames ? { outputNames: this.info.outputNames } : {}) },
    };
  }

  /** Predictions without a promise: [rows, numOutputs]. */
  predictSync(rows: Matrix): Matrix {
    return this.predictRows(rows, this.applyLink);
  }

  /** Raw margins [rows, numGroups] whatever `output` says: what TreeSHAP attributions add up to. */
  marginsSync(rows: Matrix): Matrix {
    return this.predictRows(rows, false);
  }

  private predictRows(rows: Matrix, link: boolean): Matrix {
    const e = this.ensemble;
    if (rows.cols !== e.numFeatures) {
      throw new UsageError(`the model expects ${e.numFeatures} features per row, got ${rows.cols}`,
        `pass rows with ${e.numFeatures} columns, in the model's feature order${e.featureNames ? ` (${e.featureNames.slice(0, 5).join(', ')}${e.featureNames.length > 5 ? ', ...' : ''})` : ''}`);
    }
    const out = matrix(rows.rows, e.numGroups);
    const row = new Float64Array(e.numFeatures);
    const margins = new Float64Array(e.numGroups);
    for (let i = 0; i < rows.rows; i++) {
      prepareRow(e, rows.data.subarray(i * rows.cols, (i + 1) * rows.cols), row);
      marginsOf(e, row, margins);
      if (link) applyLink(e, margins);
      out.data.set(margins, i * e.numGroups);
    }
    return out;
  }
}

/** A model's display name from its path: the file name without extension, or the folder's for model.json / model.txt. */
export function modelNameFromPath(path: string): string {
  const stem = basename(path, extname(path));
  return stem === 'model' ? basename(dirname(resolve(path))) : stem;
}
