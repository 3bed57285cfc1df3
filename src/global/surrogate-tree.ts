/**
 * A global surrogate: a small CART tree (cart.ts) fitted to what the model predicts on the data, read
 * as an approximate, inspectable version of the model. Regression trees fit one model output; a
 * classification tree fits the model's predicted class. Fidelity says how well the tree mimics the
 * model (R^2 or accuracy against the model's predictions, not against true labels), on the fitting
 * rows and, when given, on held-out rows: a surrogate only explains the model as far as it is faithful.
 */
import { UsageError } from '../errors.js';
import type { TabularModel } from '../models/tabular/model.js';
import type { Matrix } from '../tabular/matrix.js';
import { fitCart, predictCart } from './cart.js';
import { accuracy, r2 } from './metrics.js';
import { checkTarget, defaultTarget, outputColumn, predictedClasses } from './outputs.js';
import type { SurrogateTree } from './types.js';

export interface SurrogateTreeOptions {
  /** Default: 'classification' for classifiers (probability or margin outputs), 'regression' for values. */
  task?: 'regression' | 'classification';
  /** Default 3. */
  maxDepth?: number;
  /** Default 1 (sklearn's). */
  minSamplesLeaf?: number;
  /** Regression: the output fitted. Default: the only output, or the second of two. */
  target?: number;
  /** Rows not used for fitting, on which fidelity is measured too. */
  heldOut?: Matrix;
  featureNames?: string[];
  /** Classification: class names (default: the model's output names, else "0", "1", ...). */
  classNames?: string[];
  onProgress?: (done: number, total: number) => void;
}

export async function surrogateTree(model: TabularModel, x: Matrix, options: SurrogateTreeOptions = {}): Promise<SurrogateTree> {
  const info = model.info;
  if (x.cols !== info.numFeatures) throw new UsageError(`the data has ${x.cols} features, model ${info.name} takes ${info.numFeatures}`, 'pass rows encoded for the model');
  if (options.heldOut && options.heldOut.cols !== x.cols) {
    throw new UsageError(`the held-out rows have ${options.heldOut.cols} features, the data ${x.cols}`, 'encode the held-out rows like the data');
  }
  const task = options.task ?? (info.output === 'value' ? 'regression' : 'classification');
  if (task !== 'regression' && task !== 'classification') throw new UsageError(`unknown task "${String(task)}"`, "use 'regression' or 'classification'");
  const target = task === 'regression' ? checkTarget(info, options.target ?? defaultTarget(info)) : 0;
  const featureNames = options.featureNames ?? info.featureNames ?? Array.from({ length: x.cols }, (_, j) => `x${j}`);
  if (featureNames.length !== x.cols) throw new UsageError(`${featureNames.length} feature names for ${x.cols} features`, 'give one name per feature');
  const steps = options.heldOut ? 3 : 2;
  const numClasses = Math.max(info.numOutputs, 2);

  const labelsOf = async (rows: Matrix): Promise<Float64Array> => {
    const out = await model.predict(rows);
    return task === 'regression' ? outputColumn(out, target) : Float64Array.from(predictedClasses(info, out));
  };
  const y = await labelsOf(x);
  options.onProgress?.(1, steps);
  const root = fitCart(x, y, { task, maxDepth: options.maxDepth, minSamplesLeaf: options.minSamplesLeaf, numClasses, featureNames });
  const fidelityOf = (truth: Float64Array, rows: Matrix) => (task === 'regression' ? r2 : accuracy)(truth, predictCart(root, rows, task));
  const result: SurrogateTree = {
    task, featureNames: [...featureNames], root, maxDepth: options.maxDepth ?? 3,
    fidelity: fidelityOf(y, x), fidelityMetric: task === 'regression' ? 'r2' : 'accuracy', target,
  };
  options.onProgress?.(2, steps);
  if (task === 'classification') {
    const names = options.classNames ?? (info.outputNames?.length === numClasses ? info.outputNames : undefined);
    result.classNames = names ? [...names] : Array.from({ length: numClasses }, (_, k) => String(k));
  }
  if (options.heldOut) {
    result.heldOutFidelity = fidelityOf(await labelsOf(options.heldOut), options.heldOut);
    options.onProgress?.(3, steps);
  }
  return result;
}
