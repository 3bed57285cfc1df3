import type { Matrix } from '../../tabular/matrix.js';

/**
 * What a tabular model's outputs mean. `margin`: raw scores before the link (log-odds for binary
 * classifiers, per-class scores for softmax ones); `probability`: after it; `value`: a regression output.
 */
export type TabularOutput = 'margin' | 'probability' | 'value';

export interface TabularModelInfo {
  name: string;
  /** Where the model came from: 'function', 'onnx', 'tensor' (a Model of the core engine), 'xgboost', 'lightgbm'. */
  kind: string;
  numFeatures: number;
  numOutputs: number;
  /** Feature names when the model file records them (XGBoost and LightGBM do). */
  featureNames?: string[];
  /** Class or output names, when known. */
  outputNames?: string[];
  output: TabularOutput;
  /** Whether NaN in an input means "missing" to the model (trees) rather than being an error. */
  acceptsMissing: boolean;
}

/**
 * A black box over rows of numbers: what every perturbation method (KernelSHAP, Shapley sampling,
 * LIME, permutation importance, partial dependence, surrogate trees) needs and all it may use.
 * `predict` takes [rows, numFeatures] and returns [rows, numOutputs]; adapters batch internally, so
 * callers may pass many rows at once.
 */
export interface TabularModel {
  readonly info: TabularModelInfo;
  predict(rows: Matrix): Promise<Matrix>;
  /** Frees native sessions or tensors; the model is unusable afterwards. */
  dispose?(): void;
}
