import { readFileSync } from 'node:fs';
import { fromRows, type Matrix } from '../../../../src/tabular/matrix.js';

/** The XGBoost fixtures written by scripts/fixtures/trees.py (see test/data/trees/README.md). */
export const XGBOOST_DIR = 'test/data/trees/xgboost';
export const XGBOOST_CASES = ['breast_cancer', 'adult', 'california_housing', 'german_credit', 'german_credit_categorical', 'wine'] as const;

type Row = (number | null)[];

export interface XGBoostCase {
  dataset: string;
  objective: string;
  featureNames: string[];
  rows: Row[];
  /** [rows] for one output, [rows][groups] for softmax models (float32 values, as XGBoost gives them). */
  margins: number[] | number[][];
  predictions: number[] | number[][];
  /** [rows][features + 1] (last: bias), or [rows][groups][features + 1]. */
  contribs: number[][] | number[][][];
  interactionRows: number;
  interactions: number[][][] | number[][][][];
  interventional?: { background: Row[]; rows: number; values: number[][]; baseValue: number };
  xgboostSpeed?: { rows: number; rowsPerSecond1Thread: number; rowsPerSecond2Threads: number; interactionsRowsPerSecond1Thread: number; machine: string; date: string };
}

export function xgboostCase(name: string): XGBoostCase {
  return JSON.parse(readFileSync(`${XGBOOST_DIR}/${name}/cases.json`, 'utf8')) as XGBoostCase;
}

export const modelPath = (name: string): string => `${XGBOOST_DIR}/${name}/model.json`;

/** Rows with JSON nulls read back as NaN (missing). */
export function rowsMatrix(rows: Row[]): Matrix {
  return fromRows(rows.map((r) => r.map((v) => (v === null ? NaN : v))));
}

/** Per-row values of one output group: XGBoost nests groups only for multi-output models. */
export function forGroup<T>(perRow: unknown, groups: number, g: number): T {
  return (groups > 1 ? (perRow as unknown[])[g] : perRow) as T;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** The LightGBM model from leaves' test data, its 57 rows and LightGBM's raw scores (see test/data/trees/lightgbm/README.md). */
export const LIGHTGBM_DIR = 'test/data/trees/lightgbm';
export const LIGHTGBM_MODEL = `${LIGHTGBM_DIR}/lg_dart_breast_cancer.model`;
export function lightgbmRows(): Matrix {
  return fromRows(readFileSync(`${LIGHTGBM_DIR}/breast_cancer_test.tsv`, 'utf8').trim().split('\n').map((l) => l.split('\t').map(Number)));
}
export function lightgbmMargins(): number[] {
  return readFileSync(`${LIGHTGBM_DIR}/lg_dart_breast_cancer_true_predictions.txt`, 'utf8').trim().split('\n').map(Number);
}
