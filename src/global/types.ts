/**
 * Plain-data results of the global (whole-dataset) views, shared by the methods in this folder and the
 * renderers in src/viz/tabular/. Everything serialises to JSON as is.
 */

/** Partial dependence of one output on one feature, with the per-row ICE curves it averages. */
export interface PartialDependence {
  feature: string;
  /** Feature index in the model's input. */
  featureIndex: number;
  /** Grid values of the feature (percentiles of the data, or every category). */
  grid: number[];
  /** Labels for the grid points when the feature is categorical. */
  gridLabels?: string[];
  /** Mean model output over the rows at each grid value. */
  average: number[];
  /** One curve per row (ICE), when kept. */
  ice?: number[][];
  /** Feature values of the rows the curves belong to (for the rug). */
  rowValues?: number[];
  target: number;
}

/** Permutation feature importance: the score drop when a feature's column is shuffled. */
export interface PermutationImportance {
  featureNames: string[];
  /** Mean drop per feature over the repeats. */
  mean: number[];
  /** Standard deviation of the drop per feature over the repeats. */
  std: number[];
  /** repeats x features raw drops. */
  drops: number[][];
  /** What the score is, e.g. "accuracy", "r2", "neg-mse". */
  metric: string;
  /** The model's score on the unshuffled data. */
  baseline: number;
}

/** A node of a fitted decision tree: a split or a leaf. */
export type TreeNode =
  | {
    kind: 'split';
    feature: number;
    featureName: string;
    /** Rows with value <= threshold go left; missing values go `missing`. */
    threshold: number;
    missing: 'left' | 'right';
    samples: number;
    /** Mean target (regression) or class distribution (classification) at this node. */
    value: number[];
    /** Impurity decrease this split bought (weighted by samples). */
    gain: number;
    left: TreeNode;
    right: TreeNode;
  }
  | { kind: 'leaf'; samples: number; value: number[] };

/** A global surrogate: a small tree fitted to the model's predictions, and how well it mimics them. */
export interface SurrogateTree {
  task: 'regression' | 'classification';
  featureNames: string[];
  /** Class names for classification. */
  classNames?: string[];
  root: TreeNode;
  maxDepth: number;
  /** R^2 (regression) or accuracy (classification) of the tree against the model on the fitting rows. */
  fidelity: number;
  fidelityMetric: 'r2' | 'accuracy';
  /** The same on held-out rows, when some were given. */
  heldOutFidelity?: number;
  target: number;
}
