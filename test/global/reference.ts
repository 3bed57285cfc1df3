import { readFileSync } from 'node:fs';

/** scikit-learn 1.2.1's numbers for the global methods (scripts/make-global-reference.py). */
export interface SklearnReference {
  pd_X: number[][];
  partial_dependence: {
    model: 'formula' | 'logistic';
    feature: number;
    options: { grid_resolution: number; percentiles?: [number, number] };
    grid: number[];
    average: number[];
    individual: number[][];
  }[];
  scores: { y_true: number[]; proba: number[][]; y_reg: number[]; y_hat: number[]; accuracy: number; log_loss: number; r2: number; mse: number };
  trees: {
    X: number[][];
    regression: TreeCase;
    classification: TreeCase;
  };
}

export interface TreeCase {
  y: number[];
  max_depth: number;
  min_samples_leaf: number;
  nodes: { samples: number; value: number[]; feature?: number; threshold?: number }[];
  feature_importances: number[];
}

export const reference = JSON.parse(readFileSync('test/data/global/sklearn-reference.json', 'utf8')) as SklearnReference;

export const close = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
